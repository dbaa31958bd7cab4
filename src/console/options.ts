/**
 * The shell commands' option parser: `--zone J`, `--zone=J`, `--call`, and
 * positionals. Small on purpose (util.parseArgs throws on what a tired
 * technician types; this returns a sentence instead).
 */
export type OptionSpec = Readonly<Record<string, 'flag' | 'value' | 'list'>>;

export type ParsedOptions =
  | { ok: true; flags: Set<string>; values: Map<string, string>; lists: Map<string, string[]>; positional: string[] }
  | { ok: false; error: string };

export function parseOptions(args: readonly string[], spec: OptionSpec): ParsedOptions {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '--') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const kind = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
    if (kind === undefined) {
      const known = Object.keys(spec).map((k) => `--${k}`).join(', ');
      return { ok: false, error: `unknown option --${name}${known ? ` (options: ${known})` : ''}` };
    }
    if (kind === 'flag') {
      if (eq > 0) return { ok: false, error: `--${name} takes no value` };
      flags.add(name);
      continue;
    }
    let v: string | undefined = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (v === undefined || v === '') return { ok: false, error: `--${name} needs a value` };
    if (kind === 'value') values.set(name, v);
    else lists.set(name, [...(lists.get(name) ?? []), ...v.split(',').filter((s) => s !== '')]);
    v = undefined;
  }
  return { ok: true, flags, values, lists, positional };
}
