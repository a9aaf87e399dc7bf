import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runReproduce } from '../../lib/reproduce/run';
import { buildConfig } from '../../lib/reproduce/presets';
import { mergeShards } from '../../lib/reproduce/merge';
import type { CellResult } from '../../lib/reproduce/cell';
import { compileCellWorker } from '../parallel/worker_script';
import { runCli } from '../cli/run_cli';

// The quick protocol on 24 images in batches of 8: three batches, so up to three shards.
const config = buildConfig('quick', { n: 24, batchSize: 8 });
const quiet = { progress: { mode: 'off' as const }, figures: false, log: () => {} };
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
/** What must not depend on the split: every cell but its time. */
const strip = (cells: CellResult[]) => cells.map(({ seconds: _s, ...c }) => c);

describe('shards and merge', () => {
  it('the quick protocol in 3 shards, on 1 and on 2 threads, merges into the unsplit run: per-image correctness in every cell, comparisons, checks', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shards-'));
    const whole = await runReproduce({ config, preset: 'quick', outDir: path.join(tmp, 'whole'), workers: 0, ...quiet });
    expect(whole.status).toBe('complete');
    const workerScript = compileCellWorker();
    for (const workers of [0, 1]) {
      const dirs: string[] = [];
      for (const index of [2, 0, 1]) {
        const dir = path.join(tmp, `w${workers}-s${index}`);
        const r = await runReproduce({ config, preset: 'quick', outDir: dir, workers, workerScript, shard: { index, count: 3 }, ...quiet });
        expect(r.status).toBe('complete');
        expect(r.workers).toBe(workers);
        // A shard holds its own 8 images and writes no report.
        expect(r.cells.every((c) => c.n === 8 && c.correct.length === 8 && c.imageStart === index * 8)).toBe(true);
        expect(fs.existsSync(path.join(dir, 'summary.md'))).toBe(false);
        dirs.push(dir);
      }
      const out = path.join(tmp, `merged-${workers}`);
      const merged = await mergeShards({ shards: dirs, outDir: out, ...quiet });
      expect(strip(merged.cells)).toEqual(strip(whole.cells));
      for (const f of ['comparisons.json', 'comparisons.csv', 'checks.json']) expect(read(out, f), f).toBe(read(path.join(tmp, 'whole'), f));
      expect(JSON.parse(read(out, 'run.json')).mergedFrom.map((m: { shard: string }) => m.shard)).toEqual(['0/3', '1/3', '2/3']);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 600_000);

  it('merge exits 2 naming a shard of another protocol, a missing shard or one given twice, and writes nothing', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'merge-bad-'));
    const small = buildConfig('quick', { n: 8, batchSize: 4, eps: [0, 0.1], attacks: [{ name: 'FGSM', method: 'fgsm' }], defenses: [{ name: 'dense', kind: 'dense' }] });
    const shard = async (name: string, index: number, seed = small.seed) => {
      const dir = path.join(tmp, name);
      await runReproduce({ config: { ...small, seed }, preset: 'quick', outDir: dir, workers: 0, shard: { index, count: 2 }, ...quiet });
      return dir;
    };
    const a = await shard('a', 0);
    const b = await shard('b', 1);
    const other = await shard('other', 1, 7);
    const out = path.join(tmp, 'out');
    for (const [shards, message] of [
      [[a, other], /shard 1\/2 in .*other is of a different protocol than .*a/],
      [[a], /shard 1\/2 is missing/],
      [[a, b, b], /shard 1\/2 is given twice \(.*b and .*b\)/],
      [[a, path.join(tmp, 'nowhere')], /nowhere is not a reproduce run folder/],
    ] as const) {
      const r = await runCli(['merge', '--out', out, '--no-figures', ...shards]);
      expect(r.code, String(message)).toBe(2);
      expect(r.err).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    }
    // A shard folder refuses another shard, and a whole run refuses a shard's folder.
    await expect(runReproduce({ config: small, preset: 'quick', outDir: a, workers: 0, shard: { index: 1, count: 2 }, ...quiet })).rejects.toThrow(/holds shard 0\/2, not 1\/2/);
    await expect(runReproduce({ config: small, preset: 'quick', outDir: a, workers: 0, ...quiet })).rejects.toThrow(/holds shard 0\/2 of this protocol/);
    const ok = await runCli(['merge', '--out', out, '--no-figures', b, a]);
    expect(ok.code).toBe(0);
    expect(fs.existsSync(path.join(out, 'summary.md'))).toBe(true);
    // More shards than batches (3 shards of 2 batches): shared batches computed twice, the same cells.
    const whole = await runReproduce({ config: small, preset: 'quick', outDir: path.join(tmp, 'whole'), workers: 0, ...quiet });
    const thirds: string[] = [];
    for (const index of [0, 1, 2]) {
      const dir = path.join(tmp, `third${index}`);
      await runReproduce({ config: small, preset: 'quick', outDir: dir, workers: 0, shard: { index, count: 3 }, ...quiet });
      thirds.push(dir);
    }
    const merged = await mergeShards({ shards: thirds, outDir: path.join(tmp, 'merged3'), ...quiet });
    expect(strip(merged.cells)).toEqual(strip(whole.cells));
    for (const f of ['comparisons.json', 'checks.json']) expect(read(path.join(tmp, 'merged3'), f), f).toBe(read(path.join(tmp, 'whole'), f));
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 300_000);
});
