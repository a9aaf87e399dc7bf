import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ActivationNoiseLayer, fashionCnn, withActivationNoise, withDropout, lossGradient, Rng } from 'saplab';
import { expectNoLeak } from '../helpers';

/** Positive activations `[rows, units]` with a spread of magnitudes. */
function activations(rows: number, units: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(Float32Array.from({ length: rows * units }, () => 0.1 + 2 * rng.next()), [rows, units]);
}

describe('dropout at inference', () => {
  it('keeps each unit with probability 1 - rate and is unbiased (fixed seed, 5 standard errors)', () => {
    const rate = 0.3;
    const h = activations(400, 50, 1);
    const layer = new ActivationNoiseLayer({ kind: 'dropout', rate, seed: 7 });
    const out = layer.apply(h) as tf.Tensor;
    const hv = h.dataSync();
    const ov = out.dataSync();
    const n = hv.length;
    let kept = 0;
    let ratioSum = 0;
    for (let i = 0; i < n; i++) {
      const ratio = ov[i] / hv[i];
      if (ov[i] !== 0) {
        kept++;
        expect(ratio).toBeCloseTo(1 / (1 - rate), 5); // survivors scaled by exactly 1/(1-p)
      }
      ratioSum += ratio;
    }
    const seKeep = Math.sqrt((rate * (1 - rate)) / n);
    expect(Math.abs(kept / n - (1 - rate))).toBeLessThan(5 * seKeep);
    // out/h is 0 or 1/(1-p): mean 1, variance p/(1-p).
    const seMean = Math.sqrt(rate / (1 - rate) / n);
    expect(Math.abs(ratioSum / n - 1)).toBeLessThan(5 * seMean);
    tf.dispose([h, out]);
  });

  it('draws fresh masks per call; reseeding repeats the sequence', () => {
    const h = activations(4, 100, 2);
    const layer = new ActivationNoiseLayer({ kind: 'dropout', rate: 0.5, seed: 3 });
    const a = (layer.apply(h) as tf.Tensor).dataSync();
    const b = (layer.apply(h) as tf.Tensor).dataSync();
    expect(Array.from(a)).not.toEqual(Array.from(b));
    layer.reseed(3);
    expect(Array.from((layer.apply(h) as tf.Tensor).dataSync())).toEqual(Array.from(a));
    h.dispose();
  });

  it("'mask' backward multiplies by the draw's multiplier, 'identity' passes the gradient through", () => {
    const h = activations(3, 40, 4);
    const c = activations(3, 40, 5);
    for (const gradient of ['mask', 'identity'] as const) {
      const layer = new ActivationNoiseLayer({ kind: 'dropout', rate: 0.4, seed: 9, gradient });
      let out: tf.Tensor | undefined;
      const g = tf.grad((x: tf.Tensor) => {
        const o = layer.apply(x) as tf.Tensor;
        out = tf.keep(o);
        return tf.sum(tf.mul(o, c));
      })(h);
      const m = tf.div(out!, h);
      const expected = gradient === 'mask' ? tf.mul(c, m) : c;
      expect(tf.max(tf.abs(tf.sub(g, expected))).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose([g, m, out!]);
      if (gradient === 'mask') expected.dispose();
    }
    tf.dispose([h, c]);
  });

  it('rejects rates outside [0, 1)', () => {
    const net = fashionCnn({ seed: 1 });
    expect(() => withDropout(net, { rate: -0.1 })).toThrow(/rate must be a number in \[0, 1\)/);
    expect(() => withDropout(net, { rate: 1 })).toThrow(/rate must be a number in \[0, 1\)/);
    expect(() => withDropout(net, { rate: NaN })).toThrow(/rate/);
    net.dispose();
  });
});

describe('Gaussian activation noise', () => {
  it('adds noise with mean 0 and standard deviation sigma * std(h) per example (5 standard errors)', () => {
    const sigma = 0.7;
    const rows = 8;
    const units = 4000;
    const h = activations(rows, units, 6);
    const layer = new ActivationNoiseLayer({ kind: 'gaussian', sigma, seed: 11 });
    const out = layer.apply(h) as tf.Tensor;
    const hv = h.dataSync();
    const ov = out.dataSync();
    for (let r = 0; r < rows; r++) {
      let m = 0;
      for (let j = 0; j < units; j++) m += hv[r * units + j];
      m /= units;
      let v = 0;
      for (let j = 0; j < units; j++) v += (hv[r * units + j] - m) ** 2;
      const std = Math.sqrt(v / units);
      // z = (out - h) / (sigma std(h)) should be standard normal: mean SE 1/sqrt(N), std SE 1/sqrt(2N).
      let zs = 0;
      let zz = 0;
      for (let j = 0; j < units; j++) {
        const z = (ov[r * units + j] - hv[r * units + j]) / (sigma * std);
        zs += z;
        zz += z * z;
      }
      const mean = zs / units;
      const sd = Math.sqrt(zz / units - mean * mean);
      expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(units));
      expect(Math.abs(sd - 1)).toBeLessThan(5 / Math.sqrt(2 * units));
    }
    tf.dispose([h, out]);
  });

  it('sigma 0 is the identity; the backward pass is the identity', () => {
    const h = activations(2, 30, 8);
    const zero = new ActivationNoiseLayer({ kind: 'gaussian', sigma: 0, seed: 1 });
    expect(tf.max(tf.abs(tf.sub(zero.apply(h) as tf.Tensor, h))).dataSync()[0]).toBe(0);
    const layer = new ActivationNoiseLayer({ kind: 'gaussian', sigma: 1, seed: 1 });
    const c = activations(2, 30, 9);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, c)))(h);
    expect(tf.max(tf.abs(tf.sub(g, c))).dataSync()[0]).toBeLessThan(1e-6);
    expect(() => withActivationNoise(fashionCnn({ seed: 1 }), { sigma: -1 })).toThrow(/sigma must be a finite number >= 0/);
  });
});

describe('withDropout / withActivationNoise on the Fashion CNN', () => {
  it('sit after the three ReLUs, share the weights, never change them, and leak nothing', async () => {
    const net = fashionCnn({ seed: 2 });
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 3], 'int32');
    const before = net.getWeights().map((w) => Array.from(w.dataSync()));
    for (const m of [withDropout(net, { rate: 0.2, seed: 1 }), withActivationNoise(net, { sigma: 0.5, seed: 1 }), withDropout(net, { rate: 0.2, seed: 1, gradient: 'identity' })]) {
      expect(m.sites).toEqual(['conv1', 'conv2', 'dense1']);
      expect(m.stochastic).toBe(true);
      const ids = new Set(net.weights.map((w) => w.id));
      expect(m.net.weights.every((w) => ids.has(w.id))).toBe(true);
      const a = await expectNoLeak(() => m(x), (t) => t.dispose());
      void a;
      await expectNoLeak(() => lossGradient(m, x, y, { eotSamples: 2 }), (g) => g.dispose());
      const p1 = m(x);
      const p2 = m(x);
      expect(tf.max(tf.abs(tf.sub(p1, p2))).dataSync()[0]).toBeGreaterThan(0); // fresh per call
      tf.dispose([p1, p2]);
    }
    net.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(before[i]));
    tf.dispose([x, y]);
    net.dispose();
  });
});
