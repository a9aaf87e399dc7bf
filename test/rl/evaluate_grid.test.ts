import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'child_process';
import { buildRlConfig, runRlEvaluate, rlComparisons, type RlEvaluateConfig, type RlCell } from 'saplab';
import { rlGridPairs } from '../../lib/rl/evaluate_config';
import { rlResultRows } from '../../lib/rl/evaluate_report';

function tiny(): RlEvaluateConfig {
  return buildRlConfig('quick', {
    episodes: 12,
    eps: [0, 0.3],
    samples: 2,
    batchSize: 5,
    attacks: [
      { name: 'FGSM', method: 'fgsm' },
      { name: 'FGSM-MC', method: 'fgsm', eotSamples: 2, only: ['SAP-100', 'random-100'], denseAs: 'FGSM' },
      { name: 'PGD-EOT', method: 'pgd', steps: 2, relStepsize: 0.5, eotSamples: 2 },
    ],
  });
}

const quiet = { progress: { mode: 'off' as const }, figures: false, log: () => {} };

describe('rl evaluate grid', () => {
  it('resumes after a stop with the table of an uninterrupted run; paired comparisons; no leaks; other protocol refused', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rleval-'));
    const config = tiny();
    const before = tf.memory().numTensors;
    const whole = await runRlEvaluate({ config, preset: 'quick', outDir: path.join(tmp, 'a'), ...quiet });
    expect(tf.memory().numTensors).toBe(before);
    expect(whole.status).toBe('complete');
    // 3 clean + dense 2 attacks + 2 stochastic agents × 3 attacks, one eps each.
    expect(whole.computed).toBe(3 + 2 + 6);
    const stopped = await runRlEvaluate({ config, preset: 'quick', outDir: path.join(tmp, 'b'), stopAfterCells: 4, ...quiet });
    expect(stopped.status).toBe('stopped');
    expect(fs.readdirSync(path.join(tmp, 'b', 'cells')).length).toBe(4);
    const resumed = await runRlEvaluate({ config, preset: 'quick', outDir: path.join(tmp, 'b'), ...quiet });
    expect(resumed.reused).toBe(4);
    const strip = (cells: RlCell[]) => rlResultRows(config, cells).map(({ seconds: _s, ...r }) => r);
    expect(strip(resumed.cells)).toEqual(strip(whole.cells));
    // Every cell played the same 12 episodes; returns are ±1.
    for (const c of whole.cells) {
      expect(c.returns.length).toBe(12);
      expect(c.returns.every((r) => r === 1 || r === -1)).toBe(true);
      expect(c.meanReturn).toBeCloseTo(c.returns.reduce((a, b) => a + b, 0) / 12, 12);
    }
    const comps = rlComparisons(config, whole.cells);
    const mc = comps.find((r) => r.attack === 'FGSM-MC' && r.agent === 'SAP-100' && r.baseline === 'dense')!;
    expect(mc.baselineAttack).toBe('FGSM');
    const sapCell = whole.cells.find((c) => c.agent === 'SAP-100' && c.attack === 'FGSM-MC')!;
    const denseCell = whole.cells.find((c) => c.agent === 'dense' && c.attack === 'FGSM')!;
    expect(mc.diff).toBeCloseTo(sapCell.meanReturn - denseCell.meanReturn, 12);
    expect(mc.low).toBeLessThanOrEqual(mc.diff);
    expect(mc.high).toBeGreaterThanOrEqual(mc.diff);
    expect(comps.some((r) => r.agent === 'SAP-100' && r.baseline === 'random-100')).toBe(true);
    // Files of the report.
    for (const f of ['results.csv', 'results.json', 'comparisons.csv', 'comparisons.json', 'checks.json', 'summary.md', 'run.json', 'config.json']) expect(fs.existsSync(path.join(tmp, 'a', f)), f).toBe(true);
    const summary = fs.readFileSync(path.join(tmp, 'a', 'summary.md'), 'utf8');
    expect(summary).toMatch(/The paper's claim under the paper's attack/);
    expect(summary).toMatch(/Under the adaptive attack/);
    expect(summary).toMatch(/12 episodes per cell/);
    const csv = fs.readFileSync(path.join(tmp, 'a', 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('game,model,agent,kind,sampleFraction,samples,attack,eps,episodes,meanReturn,returnLow,returnHigh,flipRate,seed,seconds');
    expect(csv.length).toBe(1 + whole.computed);
    await expect(runRlEvaluate({ config: { ...config, episodes: 10 }, preset: 'quick', outDir: path.join(tmp, 'b'), ...quiet })).rejects.toThrow(/different protocol/);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 240_000);

  const cliJs = path.resolve(__dirname, '../../dist/cli/main.js');
  it.skipIf(!fs.existsSync(cliJs))('survives a killed run: after SIGKILL mid-grid the rerun keeps the finished cells and ends with the table of an uninterrupted run (needs npm run build)', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rlkill-'));
    const out = path.join(tmp, 'killed');
    const child = spawn(process.execPath, [cliJs, 'rl', 'evaluate', '--quick', '--episodes', '30', '--samples', '3', '--eps', '0,0.3', '--out', out, '--no-figures'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const cellsDir = path.join(out, 'cells');
    const count = () => (fs.existsSync(cellsDir) ? fs.readdirSync(cellsDir).filter((f) => f.endsWith('.json')).length : 0);
    const deadline = Date.now() + 120_000;
    while (count() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const kept = count();
    const config = buildRlConfig('quick', { episodes: 30, samples: 3, eps: [0, 0.3] });
    const total = rlGridPairs(config).length;
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThan(total); // killed before the end: no report
    expect(fs.existsSync(path.join(out, 'results.csv'))).toBe(false);
    const resumed = await runRlEvaluate({ config, preset: 'quick', outDir: out, ...quiet });
    expect(resumed.status).toBe('complete');
    expect(resumed.reused).toBe(kept);
    const whole = await runRlEvaluate({ config, preset: 'quick', outDir: path.join(tmp, 'whole'), ...quiet });
    const strip = (cells: RlCell[]) => rlResultRows(config, cells).map(({ seconds: _s, ...r }) => r);
    expect(strip(resumed.cells)).toEqual(strip(whole.cells));
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 300_000);
});
