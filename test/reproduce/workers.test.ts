import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runReproduce } from '../../lib/reproduce/run';
import { buildConfig, ReproduceConfig } from '../../lib/reproduce/config';
import { compileCellWorker } from '../parallel/worker_script';

function tiny(): ReproduceConfig {
  return buildConfig('quick', {
    n: 10,
    eps: [0, 0.1],
    predictSamples: 2,
    batchSize: 6,
    defenses: [
      { name: 'dense', kind: 'dense' },
      { name: 'SAP-100', kind: 'sap', sampleFraction: 1 },
    ],
    attacks: [
      { name: 'FGSM-MC', method: 'fgsm', eotSamples: 3 },
      { name: 'PGD-EOT', method: 'pgd', steps: 2, eotSamples: 2 },
      { name: 'AutoAttack', method: 'autoattack', steps: 2, eotSamples: 2 },
    ],
  });
}

const quiet = { progress: { mode: 'off' as const }, figures: false, log: () => {} };

describe('reproduce with worker threads', () => {
  it('computes the same cells (correctness per example, gradient statistics) as the main thread alone', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'repro-workers-'));
    const config = tiny();
    const one = await runReproduce({ config, preset: 'quick', outDir: path.join(tmp, 'one'), workers: 0, ...quiet });
    const two = await runReproduce({ config, preset: 'quick', outDir: path.join(tmp, 'two'), workers: 1, workerScript: compileCellWorker(), ...quiet });
    expect(one.workers).toBe(0);
    expect(two.workers).toBe(1);
    const strip = (cells: typeof one.cells) => cells.map(({ seconds: _s, ...c }) => c);
    expect(strip(two.cells)).toEqual(strip(one.cells));
    expect(two.cells.some((c) => c.kind === 'sap' && c.gradientStats && c.gradientStats.draws > 0)).toBe(true);
    // The suite's cells too: same per-image worst case and attribution on a worker thread.
    expect(two.cells.filter((c) => c.suite).map((c) => c.defense)).toEqual(['dense', 'SAP-100']);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a crashed worker fails its cell with its error; the run completes the other cells', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'repro-crash-'));
    const crash = path.join(tmp, 'crash.js');
    fs.writeFileSync(crash, "const { parentPort } = require('worker_threads');\nparentPort.on('message', () => process.exit(9));\nparentPort.postMessage({ id: 0 });\n");
    const config = tiny();
    const r = await runReproduce({ config, preset: 'quick', outDir: path.join(tmp, 'out'), workers: 1, workerScript: crash, ...quiet });
    expect(r.status).toBe('complete');
    const failed = r.cells.filter((c) => c.error);
    expect(failed.length).toBe(1);
    expect(failed[0].error).toMatch(/exited with code 9/);
    expect(r.cells.length).toBe(r.computed);
    expect(r.cells.filter((c) => !c.error).length).toBe(r.cells.length - 1);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
