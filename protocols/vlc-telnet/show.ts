/** One node of `show`'s indented tree: `key : value` or a bare `key` heading. */
export interface ShowNode {
  key: string;
  value: string | undefined;
  children: ShowNode[];
}

export const INSTANCE_STATES = ['init', 'opening', 'playing', 'paused', 'end', 'error', 'stopped'] as const;
export type VlmInstanceState = (typeof INSTANCE_STATES)[number] | 'unknown';

export interface VlmInstance {
  name: string;
  state: VlmInstanceState;
  /** What VLC wrote, kept when `state` is 'unknown'. */
  rawState: string;
  /** 0..1 through the input. */
  position: number | undefined;
  timeMs: number | undefined;
  lengthMs: number | undefined;
}

export interface VlmMedia {
  name: string;
  type: string;
  enabled: boolean;
  /** Broadcasts only. */
  loop: boolean | undefined;
  inputs: string[];
  output: string;
  options: string[];
  /** Empty when the media is not playing (a non-looping broadcast that reached its end). */
  instances: VlmInstance[];
}

export interface VlmShow {
  media: VlmMedia[];
}

/**
 * Builds the tree from `show`'s lines (the reply without its `show` line).
 * VLC indents by four spaces a level; the parser only compares indents, so
 * any consistent indentation works and a stray line never throws.
 */
export function parseShowTree(lines: readonly string[]): ShowNode[] {
  const root: ShowNode = { key: '', value: undefined, children: [] };
  const stack: Array<{ indent: number; node: ShowNode }> = [{ indent: -1, node: root }];
  for (const raw of lines) {
    const content = raw.trimStart();
    if (content.trim() === '') continue;
    const indent = raw.length - content.length;
    const node = splitLine(content);
    while (stack.length > 1 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    stack[stack.length - 1]!.node.children.push(node);
    stack.push({ indent, node });
  }
  return root.children;
}

function splitLine(content: string): ShowNode {
  const at = content.indexOf(' : ');
  if (at >= 0) return { key: content.slice(0, at), value: content.slice(at + 3), children: [] };
  const trimmed = content.trimEnd();
  if (trimmed.endsWith(' :')) return { key: trimmed.slice(0, -2), value: '', children: [] };
  return { key: trimmed, value: undefined, children: [] };
}

/**
 * Reads `show` (all media: under a `media : ( N broadcast - M vod )` heading,
 * then `schedule`) or `show NAME` (the media at the top) into typed media.
 */
export function parseShow(lines: readonly string[]): VlmShow {
  const top = parseShowTree(lines);
  const heading = top.find((n) => n.key === 'media' && n.value !== undefined && n.value.startsWith('('));
  const candidates = heading ? heading.children : top;
  return { media: candidates.filter((n) => n.value === undefined && child(n, 'type') !== undefined).map(toMedia) };
}

function child(node: ShowNode, key: string): ShowNode | undefined {
  return node.children.find((c) => c.key === key);
}

function toMedia(node: ShowNode): VlmMedia {
  const loop = child(node, 'loop')?.value;
  return {
    name: node.key,
    type: child(node, 'type')?.value ?? '',
    enabled: child(node, 'enabled')?.value === 'yes',
    loop: loop === undefined ? undefined : loop === 'yes',
    inputs: (child(node, 'inputs')?.children ?? []).map((c) => c.value ?? c.key),
    output: child(node, 'output')?.value ?? '',
    options: (child(node, 'options')?.children ?? []).map((c) => (c.value === undefined ? c.key : `${c.key} : ${c.value}`)),
    instances: (child(node, 'instances')?.children ?? []).filter((c) => c.key === 'instance').map(toInstance),
  };
}

function toInstance(node: ShowNode): VlmInstance {
  const rawState = child(node, 'state')?.value ?? '';
  const known = (INSTANCE_STATES as readonly string[]).includes(rawState);
  const position = number(child(node, 'position')?.value);
  const time = number(child(node, 'time')?.value);
  const length = number(child(node, 'length')?.value);
  return {
    name: child(node, 'name')?.value ?? '',
    state: known ? (rawState as VlmInstanceState) : 'unknown',
    rawState,
    position: position === undefined ? undefined : Math.min(1, Math.max(0, position)),
    // VLC reports microseconds.
    timeMs: time === undefined ? undefined : Math.round(time / 1000),
    lengthMs: length === undefined ? undefined : Math.round(length / 1000),
  };
}

function number(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
