import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng, sap, randomPrune, keepProbability, drawCount, sapKeepProbabilities } from 'saplab';
import { expectNoLeak } from '../helpers';

/** A row of activations with zeros, a wide range of magnitudes, and one dominant unit. */
function activations(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const h = new Float32Array(n);
  for (let j = 0; j < n; j++) h[j] = rng.next() < 0.3 ? 0 : Math.pow(rng.next(), 3) * 2;
  h[3] = 5;
  return h;
}

/** Runs `draws` SAP calls on `h` [1, n] and returns per-unit sums of outputs and keep counts. */
function collect(op: typeof sap, h: Float32Array, draws: number, options: Parameters<typeof sap>[1]) {
  const n = h.length;
  const sums = new Float64Array(n);
  const keeps = new Float64Array(n);
  const maxKept: number[] = [];
  const rng = new Rng(options?.seed ?? 1);
  const x = tf.tensor2d(h, [1, n]);
  for (let d = 0; d < draws; d++) {
    const out = op(x, { ...options, rng });
    const v = out.dataSync();
    out.dispose();
    let kept = 0;
    for (let j = 0; j < n; j++) {
      sums[j] += v[j];
      if (v[j] !== 0) {
        keeps[j]++;
        kept++;
      }
    }
    maxKept.push(kept);
  }
  x.dispose();
  return { sums, keeps, maxKept: Math.max(...maxKept) };
}

describe('sap: statistics of the exact operator', () => {
  const n = 60;
  const h = activations(n, 11);
  const sum = h.reduce((a, b) => a + Math.abs(b), 0);
  const draws = 4000;

  for (const sampleFraction of [0.25, 1]) {
    it(`is unbiased and keeps unit j with probability 1-(1-p_j)^r (sampleFraction ${sampleFraction})`, () => {
      const r = drawCount(sampleFraction, n);
      const { sums, keeps, maxKept } = collect(sap, h, draws, { sampleFraction, seed: 5 });
      for (let j = 0; j < n; j++) {
        const q = keepProbability(Math.abs(h[j]) / sum, r);
        // Keep frequency: binomial standard error; 5 sigma over 60 units.
        const seKeep = Math.sqrt((q * (1 - q)) / draws) + 1e-12;
        expect(Math.abs(keeps[j] / draws - q)).toBeLessThanOrEqual(5 * seKeep);
        // Mean: Var(SAP(h)_j) = h_j^2 (1/q - 1); 5 standard errors.
        const mean = sums[j] / draws;
        const se = q > 0 ? Math.abs(h[j]) * Math.sqrt((1 / q - 1) / draws) : 0;
        expect(Math.abs(mean - h[j])).toBeLessThanOrEqual(5 * se + 1e-6);
      }
      // With replacement, r draws never keep more than r distinct units.
      expect(maxKept).toBeLessThanOrEqual(r);
    });
  }

  it('never keeps more than r distinct units even when r is small', () => {
    const { maxKept } = collect(sap, h, 500, { sampleFraction: 0.1, seed: 2 });
    expect(maxKept).toBeLessThanOrEqual(drawCount(0.1, n));
    expect(maxKept).toBeGreaterThan(0);
  });

  it("poisson mode keeps with probability 1 - exp(-r p_j) and is unbiased", () => {
    const r = n;
    const { sums, keeps } = collect(sap, h, draws, { sampleFraction: 1, mode: 'poisson', seed: 9 });
    for (let j = 0; j < n; j++) {
      const q = 1 - Math.exp((-r * Math.abs(h[j])) / sum);
      const seKeep = Math.sqrt((q * (1 - q)) / draws) + 1e-12;
      expect(Math.abs(keeps[j] / draws - q)).toBeLessThanOrEqual(5 * seKeep);
      const se = q > 0 ? Math.abs(h[j]) * Math.sqrt((1 / q - 1) / draws) : 0;
      expect(Math.abs(sums[j] / draws - h[j])).toBeLessThanOrEqual(5 * se + 1e-6);
    }
  });

  it('exact and poisson keep probabilities differ where r p is of order 1', () => {
    // p = 1/r: exact 1-(1-1/r)^r = 0.6352 for r = 60, poisson 1-exp(-1) = 0.6321.
    expect(keepProbability(1 / 60, 60)).toBeCloseTo(1 - Math.pow(1 - 1 / 60, 60), 12);
    expect(keepProbability(1 / 60, 60) - (1 - Math.exp(-1))).toBeGreaterThan(0.0025);
  });

  it('random pruning keeps as many units as SAP on average, but not by magnitude', () => {
    const a = collect(sap, h, 1500, { sampleFraction: 1, seed: 4 });
    const b = collect(randomPrune, h, 1500, { sampleFraction: 1, seed: 4 });
    const total = (k: Float64Array) => k.reduce((x, y) => x + y, 0) / 1500;
    const expected = Array.from(h).reduce((acc, v) => acc + keepProbability(Math.abs(v) / sum, n), 0);
    expect(Math.abs(total(a.keeps) - expected)).toBeLessThan(0.05 * expected);
    expect(Math.abs(total(b.keeps) - expected)).toBeLessThan(0.05 * expected);
    // SAP always keeps the dominant unit; random pruning keeps it only with probability q.
    expect(a.keeps[3]).toBe(1500);
    expect(b.keeps[3]).toBeLessThan(1500);
    // Unbiased too.
    const nonZero = Array.from(h).filter((v) => v !== 0).length;
    for (let j = 0; j < n; j++) {
      const q = expected / nonZero;
      const se = Math.abs(h[j]) * Math.sqrt((1 / q - 1) / 1500);
      expect(Math.abs(b.sums[j] / 1500 - h[j])).toBeLessThanOrEqual(5 * se + 1e-6);
    }
  });
});

describe('sap: seeds, shapes, batches', () => {
  it('same seed gives the same mask, different seeds differ', () => {
    const x = tf.tensor2d(activations(200, 3), [1, 200]);
    const a = sap(x, { seed: 7 });
    const b = sap(x, { seed: 7 });
    const c = sap(x, { seed: 8 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    tf.dispose([x, a, b, c]);
  });

  it('rank 4 is SAP over all non-batch dimensions of each example', () => {
    const h = activations(2 * 4 * 4 * 3, 5);
    const x4 = tf.tensor4d(h, [2, 4, 4, 3]);
    const x2 = tf.tensor2d(h, [2, 48]);
    const a = sap(x4, { seed: 3 });
    const b = sap(x2, { seed: 3 });
    expect(a.shape).toEqual([2, 4, 4, 3]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([x4, x2, a, b]);
  });

  it('samples the examples of a batch independently', () => {
    const row = activations(100, 8);
    const rows = 400;
    const batch = new Float32Array(rows * 100);
    for (let i = 0; i < rows; i++) batch.set(row, i * 100);
    const out = sap(tf.tensor2d(batch, [rows, 100]), { seed: 1 });
    const v = out.dataSync();
    out.dispose();
    // Identical rows get different masks...
    let identicalPairs = 0;
    for (let i = 1; i < rows; i++) {
      let same = true;
      for (let j = 0; j < 100 && same; j++) same = (v[i * 100 + j] !== 0) === (v[(i - 1) * 100 + j] !== 0);
      if (same) identicalPairs++;
    }
    expect(identicalPairs).toBeLessThan(5);
    // ...and the keep indicators of neighbouring rows are uncorrelated (|corr| < 5/sqrt(rows)).
    const unit = 20;
    const k = Array.from({ length: rows }, (_, i) => (v[i * 100 + unit] !== 0 ? 1 : 0));
    const mean = k.reduce((a: number, b) => a + b, 0) / rows;
    let cov = 0;
    let varr = 0;
    for (let i = 1; i < rows; i++) cov += (k[i] - mean) * (k[i - 1] - mean);
    for (let i = 0; i < rows; i++) varr += (k[i] - mean) ** 2;
    if (varr > 0) expect(Math.abs(cov / varr)).toBeLessThan(5 / Math.sqrt(rows));
  });

  it('an all-zero example gives zeros, never NaN; tiny p stays finite in float32', () => {
    const h = new Float32Array(2 * 1000);
    h[1000] = 1e6; // example 2: one huge unit and many tiny ones
    for (let j = 1001; j < 2000; j++) h[j] = 1e-3;
    const out = sap(tf.tensor2d(h, [2, 1000]), { seed: 1, sampleFraction: 0.5 });
    const v = out.dataSync();
    out.dispose();
    for (let j = 0; j < 1000; j++) expect(v[j]).toBe(0);
    for (let j = 1000; j < 2000; j++) expect(Number.isFinite(v[j])).toBe(true);
    expect(v[1000]).toBeCloseTo(1e6, -1);
  });

  it('rejects bad options and inputs with clear errors', () => {
    const x = tf.tensor2d([[1, 2]]);
    expect(() => sap(x, { sampleFraction: 0 })).toThrow(/sampleFraction/);
    expect(() => sap(x, { sampleFraction: -1 })).toThrow(/sampleFraction/);
    expect(() => sap(x, { sampleFraction: NaN })).toThrow(/sampleFraction/);
    expect(() => sap(tf.tensor1d([1, 2]))).toThrow(/rank/);
    expect(() => sap(tf.tensor2d([[1, NaN]]))).toThrow(/non-finite/);
    expect(() => sap(x, { mode: 'fast' as never })).toThrow(/mode/);
    expect(() => sap(x, { gradient: 'none' as never })).toThrow(/gradient/);
    x.dispose();
  });

  it('sapKeepProbabilities matches 1-(1-p)^r', () => {
    const h = activations(30, 2);
    const sum = h.reduce((a, b) => a + b, 0);
    const q = sapKeepProbabilities(tf.tensor2d(h, [1, 30]), { sampleFraction: 1 });
    const v = q.dataSync();
    q.dispose();
    for (let j = 0; j < 30; j++) expect(v[j]).toBeCloseTo(keepProbability(h[j] / sum, 30), 6);
  });
});

describe('sap: gradients and memory', () => {
  const h = activations(40, 4);
  const w = tf.tensor2d(Array.from({ length: 40 }, (_, j) => Math.sin(j + 1)), [1, 40]);

  it("'mask' backward is dy times the forward multiplier (finite differences with the mask fixed)", () => {
    const x = tf.tensor2d(h, [1, 40]);
    const out = sap(x, { seed: 12 });
    const m = tf.divNoNan(out, x); // the forward multiplier (0 where pruned)
    const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(w, sap(xx, { seed: 12 }))))(x);
    // f(x) = sum(w * m * x) with m fixed; central differences per unit.
    const mv = m.dataSync();
    const wv = w.dataSync();
    const gv = g.dataSync();
    const f = (xv: Float32Array) => xv.reduce((acc, v, j) => acc + wv[j] * mv[j] * v, 0);
    for (let j = 0; j < 40; j++) {
      const e = 1e-2;
      const xp = Float32Array.from(h);
      const xm = Float32Array.from(h);
      xp[j] += e;
      xm[j] -= e;
      const fd = (f(xp) - f(xm)) / (2 * e);
      expect(gv[j]).toBeCloseTo(fd, 3);
    }
    tf.dispose([x, out, m, g]);
  });

  it("'identity' backward passes dy through (BPDA)", () => {
    const x = tf.tensor2d(h, [1, 40]);
    const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(w, sap(xx, { seed: 12, gradient: 'identity' }))))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(w.dataSync()));
    tf.dispose([x, g]);
  });

  it('leaks no tensors in forward and backward passes', async () => {
    const x = tf.tensor4d(activations(2 * 5 * 5 * 2, 1), [2, 5, 5, 2]);
    for (const gradient of ['mask', 'identity'] as const) {
      await expectNoLeak(() => sap(x, { seed: 1, gradient }), (t) => t.dispose());
      await expectNoLeak(() => tf.grad((xx: tf.Tensor) => tf.sum(sap(xx, { seed: 1, gradient })))(x), (t) => t.dispose());
      await expectNoLeak(() => randomPrune(x, { seed: 1, gradient }), (t) => t.dispose());
    }
    await expectNoLeak(() => sapKeepProbabilities(x), (t) => t.dispose());
    x.dispose();
  });
});
