import { describe, expect, it } from 'vitest';
import { runCli as run } from '../run_cli';

describe('saplab evaluate', () => {
  it('--workers gives the numbers of one thread; a bad value exits with 2 before any work', async () => {
    const bad = await run(['evaluate', '--workers', 'two']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--workers must be a non-negative integer or auto, got "two"/);
    // 12 images in batches of 4: three batches, split over the main thread and the workers.
    const args = ['evaluate', '--n', '12', '--sap', '1', '--random', '--samples', '2', '--seed', '5', '--batch-size', '4'];
    const one = await run([...args, '--workers', '0']);
    const two = await run([...args, '--workers', '1']);
    const three = await run([...args, '--workers', '2']);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(two.err).toMatch(/main thread \+ 1 worker\b/);
    expect(three.err).toMatch(/main thread \+ 2 workers/);
    expect(one.out).toMatch(/\(12 fashion-mnist test images in batches of 4, /);
    // The table without its seconds column.
    const rows = (out: string) => out.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.replace(/\| [\d.]+ \|$/, ''));
    expect(rows(one.out).length).toBe(4); // header, dense, SAP, random
    expect(rows(two.out)).toEqual(rows(one.out));
    expect(rows(three.out)).toEqual(rows(one.out));
  });

  it('bad --sap, --samples and --n exit with 2', async () => {
    for (const [argv, msg] of [
      [['--sap', '0.5,-1'], /--sap takes positive numbers/],
      [['--samples', '0'], /--samples must be a positive integer/],
      [['--n', '2.5'], /--n must be a positive integer/],
      [['--batch-size', '0'], /--batch-size must be a positive integer/],
    ] as const) {
      const r = await run(['evaluate', ...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
