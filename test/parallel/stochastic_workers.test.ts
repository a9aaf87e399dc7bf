import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, withSap, predictProbs, lossGradient, withInputConventions, StochasticWorkers, predictProbsParallel, lossGradientParallel } from 'saplab';
import type { LossGradient } from 'saplab';
import { useWasm } from '../backend/backend_compare';
import { compileStochasticWorker } from './worker_script';

function bits(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

function gradientBits(g: LossGradient) {
  return { grad: bits(g.grad), loss: bits(g.loss), probs: bits(g.probs), finiteDraws: bits(g.finiteDraws), nonFiniteLogits: bits(g.nonFiniteLogits), allFinite: g.allFinite, samples: g.samples };
}

describe('StochasticWorkers', () => {
  let script: string;
  let net: tf.LayersModel;
  let x: tf.Tensor4D;
  let y: tf.Tensor1D;
  beforeAll(async () => {
    await useWasm();
    script = compileStochasticWorker();
    net = fashionCnn({ seed: 3 });
    x = tf.randomUniform([41, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    y = tf.randomUniform([41], 0, 10, 'int32', 6) as tf.Tensor1D;
  });
  afterAll(() => {
    tf.dispose([x, y]);
    net.dispose();
    fs.rmSync(script, { force: true });
  });

  it('predictProbs: bit-identical to one thread (chunks cut across slices, 1 and 2 workers), streams end alike', async () => {
    const xs = tf.slice(x, [0, 0, 0, 0], [13, -1, -1, -1]) as tf.Tensor4D;
    const one = withSap(net, { seed: 4, sampleFraction: 0.5 });
    const ref = predictProbs(one, xs, { samples: 3, seed: 9, batchSize: 5 });
    const refNext = predictProbs(one, xs, { samples: 2, batchSize: 5 }); // continues the stream: no seed
    for (const workers of [1, 2]) {
      const sap = withSap(net, { seed: 4, sampleFraction: 0.5 });
      const pool = await StochasticWorkers.start(sap, { workers, workerScript: script });
      try {
        expect(pool.workers).toBe(workers);
        const before = tf.memory().numTensors;
        const p = await pool.predictProbs(xs, { samples: 3, seed: 9, batchSize: 5 });
        const next = await pool.predictProbs(xs, { samples: 2, batchSize: 5 });
        expect(bits(p)).toEqual(bits(ref));
        expect(bits(next)).toEqual(bits(refNext));
        expect(sap.sapLayers.map((l) => l.streamState())).toEqual(one.sapLayers.map((l) => l.streamState()));
        tf.dispose([p, next]);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        await pool.close();
      }
      expect(pool.threads.every((t) => t.threadId === -1)).toBe(true);
    }
    tf.dispose([xs, ref, refNext]);
  });

  it('predictProbs with input conventions, and the one-shot predictProbsParallel', async () => {
    const xs = tf.slice(x, [0, 0, 0, 0], [7, -1, -1, -1]) as tf.Tensor4D;
    const conventions = { range: [0, 255] as [0, 255], mean: [100], std: [60] };
    const ref = predictProbs(withInputConventions(withSap(net, { seed: 2 }), conventions), xs, { samples: 2, seed: 3 });
    const pool = await StochasticWorkers.start(withSap(net, { seed: 2 }), { workers: 1, workerScript: script, conventions });
    try {
      const p = await pool.predictProbs(xs, { samples: 2, seed: 3 });
      expect(bits(p)).toEqual(bits(ref));
      p.dispose();
    } finally {
      await pool.close();
    }
    const plain = predictProbs(withSap(net, { seed: 2 }), xs, { samples: 2, seed: 3 });
    const q = await predictProbsParallel(withSap(net, { seed: 2 }), xs, { samples: 2, seed: 3, workers: 1, workerScript: script });
    expect(bits(q)).toEqual(bits(plain));
    tf.dispose([xs, ref, plain, q]);
  });

  it('EOT gradient: bit-identical grad, loss, probs and counts to one thread (one draw per pass)', async () => {
    const one = withSap(net, { seed: 6 });
    const ref = lossGradient(one, x, y, { eotSamples: 3, loss: 'margin' });
    const before = tf.memory().numTensors;
    const g = await lossGradientParallel(withSap(net, { seed: 6 }), x, y, { eotSamples: 3, loss: 'margin', workers: 2, workerScript: script });
    expect(gradientBits(g)).toEqual(gradientBits(ref));
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    ref.dispose();
  });

  it('random pruning on the wasm sampler splits too: bit-identical predictions', async () => {
    const xs = tf.slice(x, [0, 0, 0, 0], [11, -1, -1, -1]) as tf.Tensor4D;
    const ref = predictProbs(withSap(net, { seed: 8, kind: 'random' }), xs, { samples: 3, seed: 2 });
    const p = await predictProbsParallel(withSap(net, { seed: 8, kind: 'random' }), xs, { samples: 3, seed: 2, workers: 1, workerScript: script });
    expect(bits(p)).toEqual(bits(ref));
    tf.dispose([xs, ref, p]);
  });

  it('runs on the main thread where slices cannot reproduce the masks: the JavaScript sampler, batched draws', async () => {
    const js = withSap(net, { seed: 6, kind: 'random', sampler: 'javascript' });
    const pool = await StochasticWorkers.start(js, { workers: 2, workerScript: script });
    expect(pool.workers).toBe(0);
    await pool.close();
    const xs = tf.slice(x, [0, 0, 0, 0], [8, -1, -1, -1]) as tf.Tensor4D;
    const ys = tf.slice(y, [0], [8]) as tf.Tensor1D;
    const ref = lossGradient(withSap(net, { seed: 6 }), xs, ys, { eotSamples: 4 });
    const g = await lossGradientParallel(withSap(net, { seed: 6 }), xs, ys, { eotSamples: 4, workers: 1, workerScript: script });
    expect(gradientBits(g)).toEqual(gradientBits(ref));
    tf.dispose([xs, ys]);
    g.dispose();
    ref.dispose();
  });

  it('an error in the main thread’s or a worker’s slice rejects the call; the pool stays usable', async () => {
    const sap = withSap(net, { seed: 1 });
    const pool = await StochasticWorkers.start(sap, { workers: 1, workerScript: script });
    try {
      const bad = tf.tidy(() => tf.concat([tf.fill([1, 28, 28, 1], NaN), tf.slice(x, [0, 0, 0, 0], [5, -1, -1, -1])]) as tf.Tensor4D);
      const before = tf.memory().numTensors;
      await expect(pool.predictProbs(bad, { samples: 2 })).rejects.toThrow(/non-finite activation/);
      expect(tf.memory().numTensors).toBe(before);
      expect(sap.sapLayers.every((l) => l.rowOffset === 0)).toBe(true);
      // The same in a worker's slice: the error names the worker, the pool stays open.
      const bad2 = tf.tidy(() => tf.reverse(bad, 0) as tf.Tensor4D);
      await expect(pool.predictProbs(bad2, { samples: 2 })).rejects.toThrow(/stochastic worker 1 of 1 failed: .*non-finite activation/);
      bad2.dispose();
      const xs = tf.slice(x, [0, 0, 0, 0], [6, -1, -1, -1]) as tf.Tensor4D;
      const ref = predictProbs(withSap(net, { seed: 1 }), xs, { samples: 2, seed: 3 });
      const p = await pool.predictProbs(xs, { samples: 2, seed: 3 });
      expect(bits(p)).toEqual(bits(ref));
      tf.dispose([bad, xs, ref, p]);
    } finally {
      await pool.close();
    }
  });

  it('a crashed worker rejects the call with a message naming it, and leaves no thread running', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stochastic-crash-'));
    const crash = path.join(tmp, 'crash.js');
    fs.writeFileSync(crash, "const { parentPort } = require('worker_threads');\nparentPort.on('message', () => process.exit(9));\nparentPort.postMessage({ id: 0 });\n");
    const pool = await StochasticWorkers.start(withSap(net, { seed: 1 }), { workers: 2, workerScript: crash });
    const before = tf.memory().numTensors;
    await expect(pool.predictProbs(x, { samples: 2 })).rejects.toThrow(/stochastic worker 1 of 2 failed: worker thread exited with code 9/);
    expect(tf.memory().numTensors).toBe(before);
    expect(pool.threads.every((t) => t.threadId === -1)).toBe(true);
    await expect(pool.predictProbs(x, { samples: 2 })).rejects.toThrow(/closed/);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
