/** One command's reply, interpreted. */
export type VlmReply = { ok: true; lines: string[] } | { ok: false; text: string };

/** The command's first word: VLM answers a good command with exactly that word. */
export function commandVerb(command: string): string {
  return command.trim().split(/\s+/, 1)[0] ?? '';
}

/**
 * Reads VLM's answer to `command`. A good command answers its own name on the
 * first line (`new`, `setup`, `show` then the tree); a refused one answers
 * `<verb> : <reason>` (`control : ch1: media unknown`, `new : Name already in
 * use`) or `Unknown command `x'. Type `help' for help.`. Anything else (help's
 * box, a comment's empty line) is a good reply with no verb line.
 */
export function interpretReply(command: string, lines: readonly string[]): VlmReply {
  const first = lines[0] ?? '';
  const verb = commandVerb(command);
  if (verb !== '' && first === verb) return { ok: true, lines: lines.slice(1) };
  if (first.startsWith('Unknown command')) return { ok: false, text: first };
  if (verb !== '' && first.startsWith(`${verb} : `)) return { ok: false, text: first.slice(verb.length + 3) };
  return { ok: true, lines: [...lines] };
}

/**
 * Quotes one VLM argument. VLM splits a command on blanks except inside
 * quotes, where a backslash escapes the next character (vlm.c FindCommandEnd
 * and Unescape), so a path with blanks or quotes survives.
 */
export function vlmQuote(arg: string): string {
  return `"${arg.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
