import { describe, expect, it } from 'vitest';
import { runCli as run } from '../run_cli';

describe('saplab evaluate', () => {
  it('--workers gives the numbers of one thread; a bad value exits with 2 before any work', async () => {
    const bad = await run(['evaluate', '--workers', 'two']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--workers must be a non-negative integer or auto, got "two"/);
    const args = ['evaluate', '--n', '12', '--sap', '1', '--samples', '2', '--seed', '5'];
    const one = await run([...args, '--workers', '0']);
    const two = await run([...args, '--workers', '1']);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    // The table without its seconds column.
    const rows = (out: string) => out.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.replace(/\| [\d.]+ \|$/, ''));
    expect(rows(one.out).length).toBe(3);
    expect(rows(two.out)).toEqual(rows(one.out));
  });

  it('bad --sap, --samples and --n exit with 2', async () => {
    for (const [argv, msg] of [
      [['--sap', '0.5,-1'], /--sap takes positive numbers/],
      [['--samples', '0'], /--samples must be a positive integer/],
      [['--n', '2.5'], /--n must be a positive integer/],
    ] as const) {
      const r = await run(['evaluate', ...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
