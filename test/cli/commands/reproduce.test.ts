import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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

  it("a bad attack option in a config exits with 2 before anything runs, with the attack's own message", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spec-'));
    const out = path.join(tmp, 'out');
    for (const [attack, message] of [
      [{ name: 'P', method: 'pgd', queries: 10 }, /unknown key "queries" in attacks\[0\] \(pgd takes/],
      [{ name: 'S', method: 'square', loss: 'dlr' }, /attacks\[0\] \(S\): square: unknown loss "dlr"; use one of 'margin', 'ce'/],
      [{ name: 'P', method: 'pgd', eps: [2] }, /attacks\[0\]\.eps must be a non-empty list of numbers in \(0, 1\]/],
    ] as const) {
      fs.writeFileSync(path.join(tmp, 'c.json'), JSON.stringify({ attacks: [attack] }));
      const r = await run(['reproduce', '--quick', '--config', path.join(tmp, 'c.json'), '--out', out]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('--shard must be i/k with no more shards than images; exit 2 before any work', async () => {
    const bad = await run(['reproduce', '--quick', '--shard', '4/3']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--shard takes i\/k with 0 <= i < k, got "4\/3"/);
    const many = await run(['reproduce', '--quick', '--shard', '0/65']);
    expect(many.code).toBe(2);
    expect(many.err).toMatch(/the protocol has 64 images; use at most 64 shards/);
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

  it('the default preset prints its measured time on two idle cores beside the estimate (a bound)', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-default-'));
    const r = await run(['reproduce', '--n', '2', '--stop-after', '1', '--workers', '0', '--no-figures', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/estimated time on this machine: [0-9.]+ (h|days|min|s), at most: .*; measured: 12 min for its 500 images on two idle cores \(resumable/);
    fs.rmSync(out, { recursive: true, force: true });
  }, 300_000);

  it('--preset smoothing: a bad sigma, n0 > n or alpha outside (0, 1) exits with 2, nothing written; --full picks its n = 100,000 variant', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smoothing-'));
    const out = path.join(tmp, 'out');
    for (const [keys, message] of [
      [{ defenses: [{ name: 's', kind: 'smoothed', sigma: -0.5, model: 'fashion-cnn-noise-0.5' }], attacks: [] }, /defenses\[0\]\.sigma: sigma must be a finite number > 0, got -0.5/],
      [{ certify: { n0: 1000, n: 100 } }, /certify.n0 \(1000\) must not exceed certify.n \(100\)/],
      [{ certify: { alpha: 1.5 } }, /certify.alpha must be in \(0, 1\), got 1.5/],
    ] as const) {
      fs.writeFileSync(path.join(tmp, 'c.json'), JSON.stringify(keys));
      const r = await run(['reproduce', '--preset', 'smoothing', '--config', path.join(tmp, 'c.json'), '--out', out]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    }
    const noFull = await run(['reproduce', '--preset', 'baselines', '--full', '--out', out]);
    expect(noFull.code).toBe(2);
    expect(noFull.err).toMatch(/--full with --preset baselines: that preset has no full variant \(presets with one: smoothing\)/);
    expect(fs.existsSync(out)).toBe(false);
    // --full with the preset: the estimate first, then one cell (dense clean) and stop.
    const full = await run(['reproduce', '--preset', 'smoothing', '--full', '--n', '2', '--stop-after', '1', '--workers', '0', '--no-figures', '--out', out]);
    expect(full.code, full.err).toBe(0);
    expect(full.err).toMatch(/reproduce \(smoothing-full\): [0-9]+ defense × attack pairs/);
    expect(full.err).toMatch(/estimated time on this machine: [0-9.]+ (h|days|min|s) \(resumable/);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).certify.n).toBe(100000);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 300_000);
});
