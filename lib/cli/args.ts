/** A small, strict command-line parser: unknown flags and bad values are usage errors. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagSpec = Record<string, { type: 'string' | 'number' | 'boolean'; help: string; default?: string | number | boolean }>;
export type Flags = Record<string, string | number | boolean | undefined>;

/** Parses `--name value`, `--name=value` and boolean `--name` flags against `spec`. */
export function parseFlags(argv: string[], spec: FlagSpec): { flags: Flags; positional: string[] } {
  const flags: Flags = {};
  const positional: string[] = [];
  for (const [k, v] of Object.entries(spec)) if (v.default !== undefined) flags[k] = v.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const def = spec[name];
    if (!def) throw new UsageError(`unknown flag --${name}`);
    if (def.type === 'boolean') {
      if (eq !== -1) {
        const v = arg.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`--${name} takes true or false, got ${JSON.stringify(v)}`);
        flags[name] = v === 'true';
      } else flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    if (def.type === 'number') {
      const num = Number(value);
      if (value.trim() === '' || !Number.isFinite(num)) throw new UsageError(`--${name} must be a number, got ${JSON.stringify(value)}`);
      flags[name] = num;
    } else flags[name] = value;
  }
  return { flags, positional };
}

/** Help text for a flag spec. */
export function usageFor(spec: FlagSpec): string {
  return Object.entries(spec)
    .map(([k, v]) => `  --${k}${v.type === 'boolean' ? '' : ` <${v.type}>`}`.padEnd(26) + v.help + (v.default !== undefined && v.type !== 'boolean' ? ` (default ${v.default})` : ''))
    .join('\n');
}
