import { describe, expect, it } from 'vitest';
import { command, workersFlag } from '../../lib/cli/command';
import { UsageError } from '../../lib/cli/args';

describe('command', () => {
  const seen: Record<string, unknown>[] = [];
  const cmd = command('demo', 'A demo command.', { n: { type: 'number', help: 'a count', default: 3 }, loud: { type: 'boolean', help: 'shout' } }, async (f) => {
    seen.push(f);
    return f.loud ? 1 : 0;
  });

  it('parses the spec, applies defaults and returns the exit code of its run', async () => {
    expect(await cmd.run([])).toBe(0);
    expect(await cmd.run(['--n', '5', '--loud'])).toBe(1);
    expect(seen).toEqual([{ n: 3 }, { n: 5, loud: true }]);
  });

  it('usage names the command, its summary and each flag with its default', () => {
    const u = cmd.usage();
    expect(u).toMatch(/^usage: saplab demo \[flags\]\n\nA demo command\./);
    expect(u).toMatch(/--n <number> +a count \(default 3\)/);
    expect(u).toMatch(/--loud +shout$/m);
  });

  it('stray arguments and unknown flags are usage errors, and run nothing', async () => {
    const before = seen.length;
    await expect(cmd.run(['extra'])).rejects.toThrow(new UsageError('unexpected argument "extra"'));
    await expect(cmd.run(['--m', '1'])).rejects.toThrow(/unknown flag --m/);
    expect(seen.length).toBe(before);
  });
});

describe('workersFlag', () => {
  it('reads a count or auto, leaves an absent flag undefined, and makes a bad value a usage error', () => {
    expect(workersFlag(undefined)).toBeUndefined();
    expect(workersFlag('auto')).toBe('auto');
    expect(workersFlag('2')).toBe(2);
    expect(workersFlag('0')).toBe(0);
    for (const bad of ['-1', 'x', '1.5']) expect(() => workersFlag(bad)).toThrow(UsageError);
  });
});
