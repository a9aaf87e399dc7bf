import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn } from 'saplab';
import { measureSapPredictSplit } from '../../lib/bench/sap_predict_split';
import { runBench } from '../../lib/bench/bench';
import { formatBench } from '../../lib/bench/format';
import { useWasm } from '../backend/backend_compare';
import { compileStochasticWorker } from '../parallel/worker_script';

describe('SAP-100 predictProbs split benchmark', () => {
  it('times one thread against workers and finds the probabilities identical; runBench reports it', async () => {
    await useWasm();
    const script = compileStochasticWorker();
    const net = fashionCnn({ seed: 2 });
    try {
      const before = tf.memory().numTensors;
      const r = await measureSapPredictSplit(net, { workers: 1, images: 7, samples: 2, repeats: 1, warmup: 0, workerScript: script });
      expect(tf.memory().numTensors).toBe(before);
      expect(r).toMatchObject({ images: 7, samples: 2, workers: 1, identical: true });
      expect(r.split.timesMs.length).toBe(1);
      expect(r.speedup).toBeGreaterThan(0);
      const b = await runBench({ batch: 2, repeats: 1, warmup: 0, torch: false, stock: false, workloads: ['forward'], sapPredictSplit: { workers: 1, images: 5, samples: 2, repeats: 1, warmup: 0, workerScript: script } });
      expect(b.sapPredictSplit).toMatchObject({ images: 5, samples: 2, workers: 1, identical: true });
      expect(formatBench(b)).toMatch(/SAP-100 predictProbs, 5 images × 2 passes: .*bit-identical/);
    } finally {
      net.dispose();
      fs.rmSync(script, { force: true });
    }
  });
});
