import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { runBench, BenchResult } from '../../lib/bench/bench';
import { formatBench } from '../../lib/bench/format';
import { WORKLOADS } from '../../lib/bench/workloads';
import { torchAvailable } from '../../lib/bench/torch';
import { useWasm } from '../backend/backend_compare';
import { compileSplitWorker } from '../parallel/worker_script';

const TINY = { batch: 2, repeats: 1, warmup: 0 };

function expectWellFormed(r: BenchResult, stock: boolean) {
  expect(r.batch).toBe(2);
  expect(typeof r.backend).toBe('string');
  const expected = Object.keys(WORKLOADS).flatMap((n) => [n, ...(stock && WORKLOADS[n].compareStock ? [`${n} [stock]`] : [])]);
  expect(r.rows.map((row) => row.name)).toEqual(expected);
  for (const row of r.rows) {
    expect(Number.isFinite(row.medianMs) && row.medianMs >= 0).toBe(true);
    expect(row.minMs).toBeLessThanOrEqual(row.medianMs);
    expect(row.timesMs.length).toBe(1);
    expect(Number.isFinite(row.ratioToForward)).toBe(true);
  }
  expect(r.rows[0].ratioToForward).toBe(1);
  if (stock) expect(r.speedupOverStock['input-gradient']).toBeGreaterThan(0);
  expect(r.profile?.kernels.length).toBeGreaterThan(0);
  expect(r.workerSplit).toBeNull();
  expect(r.throughput).toBeNull();
  expect(r.sapPredictSplit).toBeNull();
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
}

describe('saplab bench', () => {
  beforeAll(useWasm);

  it('runs a tiny configuration and returns well-formed results (with stock kernels on wasm)', async () => {
    const before = tf.memory().numTensors;
    const r = await runBench({ ...TINY, torch: false });
    expectWellFormed(r, tf.getBackend() === 'wasm');
    expect(r.torch.available).toBe(false);
    expect(r.wasmKernels).toBe(tf.getBackend() === 'wasm');
    expect(tf.memory().numTensors).toBe(before);
    expect(formatBench(r)).toMatch(/input-gradient/);
  });

  it('measures worker-thread splits of the input gradient and of SAP-100 prediction on wasm', async () => {
    const script = compileSplitWorker();
    try {
      const r = await runBench({ ...TINY, torch: false, stock: false, workloads: ['forward'], workerSplit: { workers: 1, images: 5, workerScript: script }, sapPredictSplit: { workers: 1, images: 5, samples: 2, repeats: 1, warmup: 0, workerScript: script } });
      expect(tf.getBackend()).toBe('wasm'); // set by beforeAll(useWasm), which fails without wasm
      expect(r.workerSplit).toMatchObject({ workload: 'input-gradient', images: 5, batchSize: 3, workers: 1 });
      expect(r.sapPredictSplit).toMatchObject({ workload: 'sap-predict', images: 5, batchSize: 3, samples: 2, workers: 1, identical: true });
      expect(r.workerSplit!.identical).toBe(true);
      expect(r.workerSplit!.speedup).toBeGreaterThan(0);
      expect(r.workerSplit!.split.timesMs.length).toBe(1);
      expect(formatBench(r)).toMatch(/input gradient of 5 examples in batches of 3: .*bit-identical/);
      expect(formatBench(r)).toMatch(/SAP-100 prediction, 5 images in batches of 3 × 2 passes: .*bit-identical/);
    } finally {
      fs.rmSync(script, { force: true });
    }
  });

  it('takes new workloads from the table', async () => {
    WORKLOADS['test-sum'] = { description: 'sum of the inputs', make: (ctx) => () => void tf.tidy(() => tf.sum(ctx.x).dataSync()) };
    try {
      const r = await runBench({ ...TINY, torch: false, stock: false, workloads: ['forward', 'test-sum'] });
      expect(r.rows.map((row) => row.name)).toEqual(['forward', 'test-sum']);
      expect(r.profile).toBeNull();
    } finally {
      delete WORKLOADS['test-sum'];
    }
    await expect(runBench({ ...TINY, torch: false, workloads: ['nope'] })).rejects.toThrow(/unknown workload/);
  });

  it.skipIf(!torchAvailable().ok)('runs the same model in PyTorch (same logits and input gradient)', async () => {
    const r = await runBench({ ...TINY, stock: false });
    expect(r.torch.available).toBe(true);
    expect(r.torch.rows!.map((row) => `${row.name}/${row.threads}`)).toEqual(['forward/1', 'input-gradient/1', 'forward/2', 'input-gradient/2']);
    expect(r.torch.check!.logitsMaxAbsDiff).toBeLessThan(1e-4);
    expect(r.torch.check!.gradientMaxRelDiff).toBeLessThan(1e-3);
    expect(r.torch.ratios!['input-gradient']).toBeGreaterThan(0);
  });
});
