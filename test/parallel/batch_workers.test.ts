import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, BatchWorkers } from 'saplab';
import { sliceSizes } from '../../lib/parallel/batch_workers';
import { useWasm, liveCounts } from '../backend/backend_compare';
import { compileBatchWorker } from './worker_script';

function equalBits(a: tf.Tensor, b: tf.Tensor): boolean {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

describe('BatchWorkers', () => {
  let script: string;
  let net: tf.LayersModel;
  beforeAll(async () => {
    await useWasm();
    script = compileBatchWorker();
    net = fashionCnn({ seed: 3 });
  });
  afterAll(() => {
    net.dispose();
    fs.rmSync(script, { force: true });
  });

  it('cuts a batch into contiguous slices of near-equal size', () => {
    expect(sliceSizes(256, 2)).toEqual([128, 128]);
    expect(sliceSizes(7, 3)).toEqual([3, 2, 2]);
    expect(sliceSizes(1, 3)).toEqual([1]);
  });

  it('gives exactly the single-thread input gradient and logits (1 and 2 workers, uneven slices)', async () => {
    const x = tf.randomUniform([13, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const y = tf.randomUniform([13], 0, 10, 'int32', 6) as tf.Tensor1D;
    const single = await BatchWorkers.start(net, { workers: 0 });
    const g0 = await single.inputGradient(x, y);
    const l0 = await single.logits(x);
    // The single-thread path is the usual mean cross-entropy gradient.
    const ref = tf.tidy(() => tf.grad((a: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), net.apply(a) as tf.Tensor) as tf.Scalar)(x));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(g0, ref))).dataSync()[0])).toBeLessThan(1e-7);
    for (const workers of [1, 2]) {
      const pool = await BatchWorkers.start(net, { workers, workerScript: script });
      try {
        expect(pool.workers).toBe(workers);
        const before = liveCounts();
        const g = await pool.inputGradient(x, y);
        const l = await pool.logits(x);
        expect(g.shape).toEqual(x.shape);
        expect(l.shape).toEqual([13, 10]);
        expect(equalBits(g, g0)).toBe(true);
        expect(equalBits(l, l0)).toBe(true);
        tf.dispose([g, l]);
        expect(liveCounts()).toEqual(before);
      } finally {
        await pool.close();
      }
    }
    tf.dispose([x, y, g0, l0, ref]);
    await single.close();
  });

  it('follows weight changes after syncWeights', async () => {
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const local = fashionCnn({ seed: 4 });
    const pool = await BatchWorkers.start(local, { workers: 1, workerScript: script });
    try {
      local.setWeights(net.getWeights());
      await pool.syncWeights();
      const l = await pool.logits(x);
      const ref = tf.tidy(() => net.apply(x) as tf.Tensor);
      expect(equalBits(l, ref)).toBe(true);
      tf.dispose([l, ref]);
    } finally {
      await pool.close();
      local.dispose();
      x.dispose();
    }
  });

  it('rejects bad arguments and use after close', async () => {
    await expect(BatchWorkers.start(net, { workers: -1 })).rejects.toThrow(/workers/);
    await expect(BatchWorkers.start(net, { workers: 1, workerScript: path.join(__dirname, 'missing.js') })).rejects.toThrow();
    const pool = await BatchWorkers.start(net, { workers: 0 });
    const x = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
    const y = tf.tensor1d([1, 2, 3], 'int32');
    await expect(pool.inputGradient(x, y)).rejects.toThrow(/rows/);
    y.dispose();
    await pool.close();
    await expect(pool.logits(x)).rejects.toThrow(/closed/);
    x.dispose();
  });
});
