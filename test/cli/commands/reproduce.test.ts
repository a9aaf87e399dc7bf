import { describe, expect, it } from 'vitest';
import { runCli as run } from '../run_cli';

describe('saplab reproduce', () => {
  it('--preset names a protocol; unknown or combined presets exit with 2 before any work', async () => {
    const unknown = await run(['reproduce', '--preset', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown preset "nope" \(known: quick, default, full/);
    const both = await run(['reproduce', '--quick', '--preset', 'default']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/exclude each other/);
  });

  it('--preset autoattack-rand prints its estimated time (hours at 1000 images) before any work', async () => {
    const fs = await import('fs');
    const os = await import('os');
    const path = await import('path');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-aa-'));
    // Two images, one cell computed (the first, dense clean), then stop.
    const r = await run(['reproduce', '--preset', 'autoattack-rand', '--n', '2', '--stop-after', '1', '--workers', '0', '--no-figures', '--out', out]);
    expect(r.code).toBe(0);
    const estimate = r.err.indexOf('estimated time on this machine');
    expect(estimate).toBeGreaterThanOrEqual(0);
    expect(r.err.indexOf('reproduce (autoattack-rand)')).toBeLessThan(estimate);
    expect(r.err).toMatch(/estimated time on this machine: [0-9.]+ (h|days|min|s), at most/);
    expect(r.out).toMatch(/stopped: 1 cells computed/);
    fs.rmSync(out, { recursive: true, force: true });
  }, 300_000);
});
