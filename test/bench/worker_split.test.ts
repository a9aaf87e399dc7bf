import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn } from 'saplab';
import { measureWorkerSplit } from '../../lib/bench/worker_split';
import { useWasm } from '../backend/backend_compare';
import { compileBatchWorker } from '../parallel/worker_script';

describe('bench worker split', () => {
  beforeAll(useWasm);

  it('times one thread against main thread + worker, with bit-identical gradients and no leak', async () => {
    const script = compileBatchWorker();
    const net = fashionCnn({ seed: 5 });
    try {
      const before = tf.memory().numTensors;
      const r = await measureWorkerSplit(net, { workers: 1, batch: 3, workerScript: script }, 2, 0, 7);
      expect(tf.memory().numTensors).toBe(before);
      expect(r).toMatchObject({ batch: 3, workers: 1, identical: true });
      expect(r.singleThread.timesMs.length).toBe(2);
      expect(r.split.timesMs.length).toBe(2);
      expect(r.speedup).toBeCloseTo(r.singleThread.medianMs / r.split.medianMs, 1);
    } finally {
      net.dispose();
      fs.rmSync(script, { force: true });
    }
  });
});
