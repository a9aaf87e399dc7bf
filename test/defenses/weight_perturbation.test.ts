import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { asModel, fashionCnn, keepProbability, lossGradient, Rng, withStochasticWeightPruning, withWeightNoise, withWeightPruning } from 'saplab';
import { applyWithKernels, kernelLayers, pruneSmallest } from '../../lib/defenses/weight_perturbation';
import { expectNoLeak } from '../helpers';

const D = 64; // 8x8x1 inputs
const C = 10;

/** flatten → dense(10) without bias: feeding the identity reveals the kernel a pass used. */
function linearNet(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.dense({ units: C, useBias: false, kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed }) })],
  });
}
const eye = () => tf.reshape(tf.eye(D), [D, 8, 8, 1]) as tf.Tensor4D;
const kernelOf = (net: tf.LayersModel) => net.layers[1].getWeights()[0].dataSync() as Float32Array;
function pass(m: (x: tf.Tensor4D) => tf.Tensor2D): Float32Array {
  const x = eye();
  const out = m(x);
  const v = out.dataSync() as Float32Array;
  tf.dispose([x, out]);
  return v;
}
function std(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i];
  m /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return Math.sqrt(s / v.length);
}

describe('applyWithKernels', () => {
  it('with the original kernels equals the model (Fashion CNN)', () => {
    const net = fashionCnn({ seed: 4 });
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const kernels = new Map(kernelLayers(net).map((l) => [l.name, l.getWeights()[0]]));
    const a = applyWithKernels(net, x, kernels);
    const b = net.predict(x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    expect(kernelLayers(net).map((l) => l.name)).toEqual(['conv1', 'conv2', 'dense1', 'logits']);
    tf.dispose([x, a, b]);
    net.dispose();
  });
});

describe('Gaussian weight noise (RNW)', () => {
  it('a fresh W + sigma std(W) eps per pass: noise mean 0, std sigma std(W) (5 standard errors)', () => {
    const net = linearNet(1);
    const w = kernelOf(net);
    const s = std(w);
    const sigma = 0.4;
    const m = withWeightNoise(net, { sigma, seed: 3 });
    const passes = 40;
    let zs = 0;
    let zz = 0;
    let prev: Float32Array | undefined;
    for (let t = 0; t < passes; t++) {
      const wt = pass(m);
      if (prev) expect(Array.from(wt)).not.toEqual(Array.from(prev));
      prev = wt;
      for (let i = 0; i < w.length; i++) {
        const z = (wt[i] - w[i]) / (sigma * s);
        zs += z;
        zz += z * z;
      }
    }
    const n = passes * w.length;
    const mean = zs / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(Math.sqrt(zz / n - mean * mean) - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
    expect(Array.from(kernelOf(net))).toEqual(Array.from(w)); // never written
    net.dispose();
  });
});

describe('deterministic weight pruning (DWP)', () => {
  it('removes exactly the smallest-magnitude fraction and restores nothing else', () => {
    const rng = new Rng(5);
    const v = Float32Array.from({ length: 1000 }, () => rng.normal());
    const out = pruneSmallest(v, 0.3);
    const zeroed = [...out.keys()].filter((i) => out[i] === 0 && v[i] !== 0);
    expect(zeroed.length).toBe(300);
    const maxRemoved = Math.max(...zeroed.map((i) => Math.abs(v[i])));
    for (let i = 0; i < v.length; i++) {
      if (out[i] !== 0) {
        expect(out[i]).toBe(v[i]); // survivors untouched, not rescaled
        expect(Math.abs(v[i])).toBeGreaterThanOrEqual(maxRemoved);
      }
    }
    // Ties: exactly k removed, the first ones by position.
    const tied = pruneSmallest(Float32Array.from([1, 1, 1, 1]), 0.5);
    expect(Array.from(tied)).toEqual([0, 0, 1, 1]);
    expect(Array.from(pruneSmallest(v, 0))).toEqual(Array.from(v));
  });

  it('the wrapped model runs the pruned kernel on every pass, deterministically', () => {
    const net = linearNet(2);
    const w = kernelOf(net);
    const m = withWeightPruning(net, { fraction: 0.5 });
    expect(m.stochastic).toBe(false);
    const a = pass(m);
    expect(Array.from(a)).toEqual(Array.from(pruneSmallest(w, 0.5)));
    expect(Array.from(pass(m))).toEqual(Array.from(a));
    expect(Array.from(kernelOf(net))).toEqual(Array.from(w));
    m.dispose();
    net.dispose();
  });

  it('rejects f outside [0, 1)', () => {
    const net = linearNet(3);
    expect(() => withWeightPruning(net, { fraction: 1 })).toThrow(/pruning fraction must be a number in \[0, 1\)/);
    expect(() => withWeightPruning(net, { fraction: -0.2 })).toThrow(/pruning fraction/);
    expect(() => withStochasticWeightPruning(net, { sampleFraction: 0 })).toThrow(/sampleFraction must be a finite number > 0/);
    expect(() => withWeightNoise(net, { sigma: -1 })).toThrow(/sigma must be a finite number >= 0/);
    net.dispose();
  });
});

describe('stochastic weight pruning (SWP)', () => {
  it('keeps each weight with frequency 1 - (1 - p)^r and is unbiased (5 standard errors)', () => {
    const net = linearNet(4);
    const w = kernelOf(net);
    const n = w.length;
    const f = 0.5;
    const r = Math.round(f * n);
    let total = 0;
    for (let i = 0; i < n; i++) total += Math.abs(w[i]);
    const m = withStochasticWeightPruning(net, { sampleFraction: f, seed: 6 });
    const T = 400;
    const kept = new Float64Array(n);
    const sum = new Float64Array(n);
    for (let t = 0; t < T; t++) {
      const wt = pass(m);
      for (let i = 0; i < n; i++) {
        if (wt[i] !== 0) kept[i]++;
        sum[i] += wt[i];
      }
    }
    let worstKeep = 0;
    let worstMean = 0;
    for (let i = 0; i < n; i++) {
      const q = keepProbability(Math.abs(w[i]) / total, r);
      worstKeep = Math.max(worstKeep, Math.abs(kept[i] / T - q) / Math.sqrt((q * (1 - q)) / T));
      // W~_i = w_i / q with probability q: variance w_i^2 (1/q - 1).
      const se = Math.abs(w[i]) * Math.sqrt((1 / q - 1) / T);
      if (se === 0) {
        expect(sum[i] / T).toBeCloseTo(w[i], 5);
        continue;
      }
      worstMean = Math.max(worstMean, Math.abs(sum[i] / T - w[i]) / se);
    }
    expect(worstKeep).toBeLessThan(5);
    expect(worstMean).toBeLessThan(5);
    expect(Array.from(kernelOf(net))).toEqual(Array.from(w));
    net.dispose();
  });
});

describe('weight baselines on the Fashion CNN', () => {
  it('leave the shared weights unchanged after many passes and gradients, leak nothing, and BPDA follows the clean kernels', async () => {
    const net = fashionCnn({ seed: 5 });
    const before = net.getWeights().map((w) => Array.from(w.dataSync()));
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 8) as tf.Tensor4D;
    const y = tf.tensor1d([1, 2, 3, 4], 'int32');
    const models = [
      withWeightNoise(net, { sigma: 0.3, seed: 1 }),
      withWeightPruning(net, { fraction: 0.4 }),
      withStochasticWeightPruning(net, { sampleFraction: 1, seed: 1 }),
      withWeightNoise(net, { sigma: 0.3, seed: 1, gradient: 'identity' }),
    ];
    for (const m of models) {
      for (let i = 0; i < 5; i++) await expectNoLeak(() => m(x), (t) => t.dispose());
      await expectNoLeak(() => lossGradient(m, x, y, { eotSamples: 3 }), (g) => g.dispose());
    }
    net.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(before[i]));
    models.forEach((m) => m.dispose());
    net.dispose();
    // One linear layer: the BPDA gradient is exactly the clean model's gradient.
    const lin = linearNet(7);
    const xl = tf.randomUniform([5, 8, 8, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const yl = tf.tensor1d([0, 1, 2, 3, 4], 'int32');
    const noisy = withWeightNoise(lin, { sigma: 1, seed: 2, gradient: 'identity' });
    const g = tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(noisy(xx as tf.Tensor4D)))(xl));
    const g0 = tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(asModel(lin)(xx as tf.Tensor4D)))(xl));
    expect(tf.max(tf.abs(tf.sub(g, g0))).dataSync()[0]).toBeLessThan(1e-5);
    const exact = withWeightNoise(lin, { sigma: 1, seed: 2 });
    const ge = tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(exact(xx as tf.Tensor4D)))(xl));
    expect(tf.max(tf.abs(tf.sub(ge, g0))).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([x, y, xl, yl, g, g0, ge]);
    lin.dispose();
  });
});
