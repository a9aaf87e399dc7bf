import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn } from '../../lib/models/fashion_cnn';
import { lossGradient } from '../../lib/attacks/gradient';
import { predictBatchRange } from '../../lib/defenses/predict';
import { computeSplitRange, measureThreadSplit, splitModel, SplitContext } from '../../lib/bench/thread_split';
import { useWasm } from '../backend/backend_compare';
import { compileSplitWorker } from '../parallel/worker_script';

describe('bench thread splits', () => {
  beforeAll(useWasm);

  it('computes a range of batches as the one-thread functions do', () => {
    const net = fashionCnn({ seed: 5 });
    const x = tf.randomUniform([5, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = tf.tensor1d([1, 2, 3, 4, 5], 'int32');
    try {
      const before = tf.memory().numTensors;
      const grad: SplitContext = { model: splitModel(net, 'input-gradient', 1), x, y, data: { workload: 'input-gradient', batchSize: 2, samples: 1, seed: 1 } };
      const g = tf.tidy(() => lossGradient(grad.model, tf.slice(x, [2], [2]) as tf.Tensor4D, tf.slice(y, [2], [2])).grad.dataSync());
      expect(Array.from(computeSplitRange(grad, { first: 1, end: 2 }))).toEqual(Array.from(g));
      const sap: SplitContext = { ...grad, model: splitModel(net, 'sap-predict', 1), data: { workload: 'sap-predict', batchSize: 2, samples: 3, seed: 1 } };
      const p = predictBatchRange(sap.model, x, { samples: 3, seed: 1, batchSize: 2, first: 1, end: 3 });
      expect(Array.from(computeSplitRange(sap, { first: 1, end: 3 }))).toEqual(Array.from(p.dataSync()));
      p.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      tf.dispose([x, y]);
      net.dispose();
    }
  });

  it.each(['input-gradient', 'sap-predict'] as const)('times %s on one thread against main thread + worker, bit-identical, no leak', async (workload) => {
    const script = compileSplitWorker();
    const net = fashionCnn({ seed: 5 });
    try {
      const before = tf.memory().numTensors;
      const r = await measureThreadSplit(net, workload, { workers: 1, images: 5, batchSize: 2, samples: 2, repeats: 2, warmup: 0, seed: 7, workerScript: script });
      expect(tf.memory().numTensors).toBe(before);
      expect(r).toMatchObject({ workload, images: 5, batchSize: 2, samples: workload === 'sap-predict' ? 2 : 1, workers: 1, identical: true });
      expect(r.singleThread.timesMs.length).toBe(2);
      expect(r.split.timesMs.length).toBe(2);
      expect(r.speedup).toBeCloseTo(r.singleThread.medianMs / r.split.medianMs, 1);
      expect(r.startMs).toBeGreaterThan(0);
      await expect(measureThreadSplit(net, workload, { workers: 0 })).rejects.toThrow(/workers must be a positive integer/);
    } finally {
      net.dispose();
      fs.rmSync(script, { force: true });
    }
  });
});
