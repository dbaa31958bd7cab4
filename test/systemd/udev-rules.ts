/**
 * A minimal udev rules reader and evaluator, for tests only: this udevadm
 * (v252) has no `udevadm verify`, and `udevadm test` needs the real device in
 * /sys (this machine has no USB bus). It knows the keys our rules use and
 * follows udev(7) for them: match keys (==, !=) with shell globs and `|`
 * alternatives, ATTRS matched on one device of the parent chain, GOTO/LABEL,
 * and assignments (=, +=, :=) recorded as what udev would do.
 */

export interface RuleToken {
  key: string;
  attr: string | undefined;
  op: '==' | '!=' | '=' | '+=' | ':=' | '-=';
  value: string;
}

export interface Rule {
  line: number;
  tokens: RuleToken[];
}

export interface ParsedRules {
  rules: Rule[];
  labels: Map<string, number>;
  errors: string[];
}

const MATCH_KEYS = new Set(['ACTION', 'SUBSYSTEM', 'KERNEL', 'DEVPATH', 'DRIVER', 'ENV', 'ATTR', 'ATTRS', 'KERNELS', 'SUBSYSTEMS', 'TEST']);
const ASSIGN_KEYS = new Set(['ENV', 'ATTR', 'SYMLINK', 'GROUP', 'MODE', 'OWNER', 'RUN', 'GOTO', 'LABEL', 'TAG', 'OPTIONS']);
const WITH_ATTR = new Set(['ENV', 'ATTR', 'ATTRS', 'TEST', 'RUN']);
const TOKEN = /^([A-Z_]+)(?:\{([^{}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"(\s*,\s*|\s*)/;

/** Never throws: what it cannot read lands in `errors`. */
export function parseRules(text: string): ParsedRules {
  const rules: Rule[] = [];
  const labels = new Map<string, number>();
  const errors: string[] = [];
  const lines = String(text).replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const tokens: RuleToken[] = [];
    let rest = line;
    while (rest.length > 0) {
      const m = TOKEN.exec(rest);
      if (!m) {
        errors.push(`line ${i + 1}: cannot read "${rest.slice(0, 40)}"`);
        return;
      }
      const [all, key, attr, op, value, sep] = m as unknown as [string, string, string | undefined, RuleToken['op'], string, string];
      if (!sep.includes(',') && all.length < rest.length) {
        errors.push(`line ${i + 1}: missing comma before "${rest.slice(all.length, all.length + 20)}"`);
        return;
      }
      const isMatch = op === '==' || op === '!=';
      if (isMatch ? !MATCH_KEYS.has(key) : !ASSIGN_KEYS.has(key)) errors.push(`line ${i + 1}: ${key} cannot be used with ${op}`);
      if (WITH_ATTR.has(key) !== (attr !== undefined) && key !== 'RUN') errors.push(`line ${i + 1}: ${key} ${attr === undefined ? 'needs' : 'takes no'} {attribute}`);
      if (key === 'MODE' && !/^0?[0-7]{3,4}$/.test(value)) errors.push(`line ${i + 1}: MODE "${value}" is not octal`);
      tokens.push({ key, attr, op, value });
      rest = rest.slice(all.length);
    }
    const label = tokens.find((t) => t.key === 'LABEL');
    if (label) labels.set(label.value, rules.length);
    rules.push({ line: i + 1, tokens });
  });
  for (const r of rules) {
    for (const t of r.tokens) {
      if (t.key === 'GOTO' && !labels.has(t.value)) errors.push(`line ${r.line}: GOTO "${t.value}" has no LABEL`);
    }
  }
  return { rules, labels, errors };
}

/** A device as udev sees it during an event. */
export interface FakeDevice {
  action: string;
  subsystem: string;
  kernel: string;
  env: Record<string, string>;
  attrs: Record<string, string>;
  /** Parents, nearest first, for ATTRS. */
  parents?: Array<{ kernel: string; subsystem: string; attrs: Record<string, string> }>;
}

export interface Outcome {
  /** ATTR{x}="v" writes, in order. */
  writes: Array<[string, string]>;
  symlinks: string[];
  group: string | undefined;
  mode: string | undefined;
  run: string[];
}

function glob(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  return pattern.split('|').some((alt) => {
    let re = '';
    for (let i = 0; i < alt.length; i++) {
      const c = alt[i]!;
      if (c === '*') re += '.*';
      else if (c === '?') re += '.';
      else if (c === '[') {
        const end = alt.indexOf(']', i + 1);
        if (end < 0) re += '\\[';
        else {
          re += '[' + alt.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
          i = end;
        }
      } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    return new RegExp(`^${re}$`, 's').test(value);
  });
}

/** Runs one event through the rules, as udevd would (assignments recorded, not applied to /sys). */
export function evaluate(parsed: ParsedRules, dev: FakeDevice): Outcome {
  const out: Outcome = { writes: [], symlinks: [], group: undefined, mode: undefined, run: [] };
  const attrs = { ...dev.attrs };
  const env = { ...dev.env };
  for (let i = 0; i < parsed.rules.length; i++) {
    const rule = parsed.rules[i]!;
    const matches = rule.tokens.filter((t) => t.op === '==' || t.op === '!=');
    const chain = [{ kernel: dev.kernel, subsystem: dev.subsystem, attrs }, ...(dev.parents ?? [])];
    const parentTokens = matches.filter((t) => t.key === 'ATTRS' || t.key === 'KERNELS' || t.key === 'SUBSYSTEMS');
    const own = matches.filter((t) => !parentTokens.includes(t));
    const value = (t: RuleToken): string | undefined => {
      switch (t.key) {
        case 'ACTION':
          return dev.action;
        case 'SUBSYSTEM':
          return dev.subsystem;
        case 'KERNEL':
          return dev.kernel;
        case 'ENV':
          return env[t.attr!] ?? '';
        case 'ATTR':
          return attrs[t.attr!];
        case 'TEST':
          return attrs[t.attr!] !== undefined ? t.value : undefined;
        default:
          return undefined;
      }
    };
    const ok = (t: RuleToken, v: string | undefined): boolean => (t.op === '==' ? glob(t.value, v) : !glob(t.value, v));
    if (!own.every((t) => ok(t, value(t)))) continue;
    if (
      parentTokens.length > 0 &&
      !chain.some((d) =>
        parentTokens.every((t) =>
          ok(t, t.key === 'ATTRS' ? d.attrs[t.attr!] : t.key === 'KERNELS' ? d.kernel : d.subsystem),
        ),
      )
    ) {
      continue;
    }
    let jump: string | undefined;
    for (const t of rule.tokens) {
      if (t.op === '==' || t.op === '!=') continue;
      const v = t.value.replace(/%k|\$kernel/g, dev.kernel);
      if (t.key === 'ATTR') {
        attrs[t.attr!] = v;
        out.writes.push([t.attr!, v]);
      } else if (t.key === 'ENV') env[t.attr!] = v;
      else if (t.key === 'SYMLINK') out.symlinks.push(...v.split(/\s+/).filter(Boolean));
      else if (t.key === 'GROUP') out.group = v;
      else if (t.key === 'MODE') out.mode = v;
      else if (t.key === 'RUN') out.run.push(v);
      else if (t.key === 'GOTO') jump = v;
    }
    if (jump !== undefined) {
      // udev jumps forward only; a label at or before this rule ends the file.
      const to = parsed.labels.get(jump);
      i = to !== undefined && to > i ? to : parsed.rules.length;
    }
  }
  return out;
}
