/** FlagSpec describes one command-line flag, named as kube-apiserver names it where the meaning is the same. */
export interface FlagSpec {
  name: string;
  type: 'string' | 'int' | 'bool';
  default?: string;
  help: string;
  /** validate returns an error message for a bad value. */
  validate?: (v: string) => string | undefined;
}

export type FlagValues = Record<string, string>;

/** FlagError is a command-line mistake: printed with usage, exit code 2... as upstream's cobra does 1. */
export class FlagError extends Error {}

/** parseFlags reads `--name=value`, `--name value` and bare boolean `--name`. */
export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[]): FlagValues {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: FlagValues = {};
  for (const s of specs) if (s.default !== undefined) values[s.name] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new FlagError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new FlagError(`unknown flag: --${name}`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (spec.type === 'bool') value = 'true';
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new FlagError(`flag needs an argument: --${name}`);
    if (spec.type === 'int' && !/^-?\d+$/.test(value)) throw new FlagError(`invalid argument ${JSON.stringify(value)} for "--${name}" flag: parse error`);
    if (spec.type === 'bool' && !['true', 'false', '1', '0'].includes(value)) {
      throw new FlagError(`invalid argument ${JSON.stringify(value)} for "--${name}" flag: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
    }
    const problem = spec.validate?.(value);
    if (problem) throw new FlagError(`invalid argument ${JSON.stringify(value)} for "--${name}" flag: ${problem}`);
    values[name] = value;
  }
  return values;
}

/** usage renders the flag list. */
export function usage(specs: readonly FlagSpec[]): string {
  return specs.map((s) => `  --${s.name}${s.type === 'bool' ? '' : ` ${s.type}`}\t${s.help}${s.default !== undefined && s.default !== '' ? ` (default ${JSON.stringify(s.default)})` : ''}`).join('\n');
}
