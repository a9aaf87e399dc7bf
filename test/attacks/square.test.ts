import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng, square, squareWithStats, type Model, type SquareStats } from 'saplab';
import { averagedCorrect } from '../../lib/attacks/scores';
import { squarePSchedule } from '../../lib/attacks/square';
import { expectNoLeak, maxAbsDiff } from '../helpers';
import { counting, inputDropout, linearLogits, linearModel, mlpModel, randomInputs, randomWeights, values } from './tiny_models';

const shape: [number, number, number] = [6, 6, 2];
const d = 72;
const n = 9;
const model = linearModel(randomWeights(d, 3, 41), [0.1, 0, -0.1]);
const argmax = (v: number[]) => v.indexOf(Math.max(...v));
const labelsOf = (xs: number[]) => Array.from({ length: xs.length / d }, (_, i) => argmax(linearLogits(model, xs.slice(i * d, (i + 1) * d))));

describe('squarePSchedule', () => {
  // The reference `p_selection` at 10,000 queries, and rescaled to other budgets.
  const cases: [number, number, number, number][] = [
    [0.8, 0, 10000, 0.8],
    [0.8, 10, 10000, 0.8],
    [0.8, 11, 10000, 0.4],
    [0.8, 50, 10000, 0.4],
    [0.8, 51, 10000, 0.2],
    [0.8, 201, 10000, 0.1],
    [0.8, 501, 10000, 0.05],
    [0.8, 1001, 10000, 0.025],
    [0.8, 2001, 10000, 0.0125],
    [0.8, 4001, 10000, 0.8 / 128],
    [0.8, 6001, 10000, 0.8 / 256],
    [0.8, 9999, 10000, 0.8 / 512],
    [0.05, 0, 1000, 0.05],
    [0.05, 1, 1000, 0.05],
    [0.05, 2, 1000, 0.025],
    [0.05, 999, 1000, 0.05 / 512],
  ];
  it.each(cases)('pInit %f, iteration %i of %i -> %f', (pInit, it, queries, expected) => {
    expect(squarePSchedule(pInit, it, queries)).toBeCloseTo(expected, 12);
  });
});

describe('square', () => {
  it.each([
    { bounds: [0, 1] as [number, number], eps: 0.1 },
    { bounds: [-1, 1] as [number, number], eps: 0.3 },
  ])('perturbs every pixel by exactly ±eps unless clipped, inside bounds $bounds', ({ bounds, eps }) => {
    const xs = randomInputs(n, d, 1, bounds[0], bounds[1]);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(labelsOf(xs), 'int32');
    const adv = square(model, x, y, { eps, bounds, queries: 50, seed: 2 });
    expect(adv.shape).toEqual([n, ...shape]);
    expect(adv.dtype).toBe('float32');
    values(adv).forEach((v, k) => {
      expect(v).toBeGreaterThanOrEqual(bounds[0]);
      expect(v).toBeLessThanOrEqual(bounds[1]);
      const delta = v - xs[k];
      expect(Math.abs(delta)).toBeLessThanOrEqual(eps + 1e-6);
      const clipped = v === bounds[0] || v === bounds[1];
      if (!clipped) expect(Math.abs(delta)).toBeCloseTo(eps, 5);
    });
    tf.dispose([x, y, adv]);
  });

  it('breaks a linear model within its query budget, and broken examples stop spending queries', () => {
    const xs = randomInputs(n, d, 3, 0.3, 0.7);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const ys = labelsOf(xs);
    const y = tf.tensor1d(ys, 'int32');
    let stats: SquareStats | undefined;
    const adv = square(model, x, y, { eps: 0.25, queries: 300, seed: 4, onStats: (s) => (stats = s) });
    const a = values(adv);
    const brokenNow = ys.map((l, i) => argmax(linearLogits(model, a.slice(i * d, (i + 1) * d))) !== l);
    expect(brokenNow.every(Boolean)).toBe(true);
    expect(stats!.broken).toBe(n);
    expect(stats!.queries.length).toBe(n);
    stats!.queries.forEach((q) => {
      expect(q).toBeGreaterThanOrEqual(1);
      expect(q).toBeLessThanOrEqual(300);
    });
    expect(stats!.iterations).toBeLessThan(299);
    tf.dispose([x, y, adv]);
  });

  it('targeted (cross-entropy by default) reaches the target class', () => {
    const xs = randomInputs(n, d, 5, 0.3, 0.7);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const targets = labelsOf(xs).map((l) => (l + 1) % 3);
    const t = tf.tensor1d(targets, 'int32');
    const adv = square(model, x, t, { eps: 0.3, queries: 400, targeted: true, seed: 6 });
    const a = values(adv);
    targets.forEach((target, i) => expect(argmax(linearLogits(model, a.slice(i * d, (i + 1) * d)))).toBe(target));
    tf.dispose([x, t, adv]);
  });

  it('does more with more queries (margin on an MLP never worse with a larger budget and the same seed)', () => {
    const mlp = mlpModel(d, 16, 3, 7);
    const xs = randomInputs(n, d, 7, 0.2, 0.8);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const logits = mlp(x);
    const y = tf.argMax(logits, 1) as tf.Tensor1D;
    const res = [5, 60].map((queries) => squareWithStats(mlp, x, y, { eps: 0.05, queries, seed: 8 }));
    const lossOf = (adv: tf.Tensor4D) => tf.tidy(() => {
      const z = mlp(adv);
      const oh = tf.oneHot(y, 3);
      return values(tf.sub(tf.max(tf.sub(z, tf.mul(oh, 1e9)), 1), tf.sum(tf.mul(z, oh), 1)));
    });
    const [few, many] = res.map((r) => lossOf(r.adv));
    // Not pointwise comparable (different p schedules), but on average more queries help.
    expect(many.reduce((s, v) => s + v, 0)).toBeGreaterThan(few.reduce((s, v) => s + v, 0));
    res.forEach((r) => r.adv.dispose());
    tf.dispose([x, logits, y]);
  });

  it('seeded: same seed same result, different seeds differ', () => {
    const xs = randomInputs(n, d, 9, 0.2, 0.8);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(labelsOf(xs), 'int32');
    const a = square(model, x, y, { eps: 0.05, queries: 20, seed: 1 });
    const b = square(model, x, y, { eps: 0.05, queries: 20, seed: 1 });
    const c = square(model, x, y, { eps: 0.05, queries: 20, seed: 2 });
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0);
    tf.dispose([x, y, a, b, c]);
  });

  it('scores a stochastic model with predictSamples passes per query (default 10), a deterministic one with 1', () => {
    const xs = randomInputs(n, d, 10, 0.2, 0.8);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(labelsOf(xs), 'int32');
    // Tiny eps: nothing breaks, so every iteration runs. One extra pass checks the class count.
    const stochastic = counting(inputDropout(model, 0.1, 1));
    const s1 = squareWithStats(stochastic, x, y, { eps: 1e-4, queries: 6, seed: 1 });
    expect(s1.stats.iterations).toBe(5);
    expect(stochastic.calls()).toBe(1 + 6 * 10);
    const s2 = squareWithStats(stochastic, x, y, { eps: 1e-4, queries: 6, seed: 1, predictSamples: 3 });
    expect(stochastic.calls()).toBe(1 + 6 * 10 + 1 + 6 * 3);
    const det = counting(model);
    const s3 = squareWithStats(det, x, y, { eps: 1e-4, queries: 6, seed: 1 });
    expect(det.calls()).toBe(1 + 6);
    [s1, s2, s3].forEach((r) => r.adv.dispose());
    tf.dispose([x, y]);
  });

  it('eps 0 returns a copy of x', () => {
    const x = tf.tensor4d(randomInputs(n, d, 11), [n, ...shape]);
    const y = tf.tensor1d(labelsOf(values(x)), 'int32');
    const adv = square(model, x, y, { eps: 0 });
    expect(maxAbsDiff(adv, x)).toBe(0);
    tf.dispose([x, y, adv]);
  });

  it('leaves no tensors behind', async () => {
    const xs = randomInputs(n, d, 12);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(labelsOf(xs), 'int32');
    await expectNoLeak(() => square(inputDropout(model, 0.1, 2), x, y, { eps: 0.1, queries: 30, predictSamples: 2 }), (a) => a.dispose());
    await expectNoLeak(() => square(model, x, y, { eps: 0.1, queries: 30, loss: 'ce' }), (a) => a.dispose());
    tf.dispose([x, y]);
  });

  it('averaged scores: single-pass scoring reports breaks the averaged prediction does not confirm; averaged scoring reports none', async () => {
    // A noisy stochastic model: its class c(x) is the argmax of the linear model, and each pass,
    // per example, with probability q = 0.2 it outputs the next class (c + 1) mod 3 instead
    // (logits 10 · one-hot). Its averaged softmax puts about 0.8 on c(x) and 0.2 on c + 1, so its
    // averaged prediction is c(x) everywhere. The examples are chosen so that c is constant on
    // their eps-ball: no perturbation can really break them.
    const q = 0.2;
    const noisy = (seed: number): Model => {
      const rng = new Rng(seed);
      const f: Model = (xx) =>
        tf.tidy(() => {
          const c = tf.argMax(model(xx), 1);
          const flip = tf.cast(tf.less(tf.randomUniform([xx.shape[0]], 0, 1, 'float32', rng.seed()), q), 'int32');
          return tf.mul(tf.oneHot(tf.cast(tf.mod(tf.add(c, flip), 3), 'int32'), 3), 10) as tf.Tensor2D;
        });
      f.stochastic = true;
      return f;
    };
    const eps = 0.01;
    const pool = randomInputs(200, d, 21, 0.3, 0.7);
    const safe: number[] = [];
    for (let i = 0; i < 200 && safe.length < 20; i++) {
      const xi = pool.slice(i * d, (i + 1) * d);
      const z = linearLogits(model, xi);
      const c = argmax(z);
      // Every other logit stays below z_c on the whole eps-ball: margin > eps · ||w_c − w_j||_1.
      const ok = [0, 1, 2].every((j) => j === c || z[c] - z[j] > eps * model.w.reduce((s, row) => s + Math.abs(row[c] - row[j]), 0));
      if (ok) safe.push(i);
    }
    expect(safe.length).toBe(20);
    const xs = safe.flatMap((i) => pool.slice(i * d, (i + 1) * d));
    const m = safe.length;
    const x = tf.tensor4d(xs, [m, ...shape]);
    const ys = labelsOf(xs);
    const y = tf.tensor1d(ys, 'int32');
    const confirmed = async (adv: tf.Tensor4D) => (await averagedCorrect(noisy(99), adv, y, 400)).filter((ok) => !ok).length;

    // One pass per score: a query misreads with probability 0.2, so over 60 queries an example is
    // reported broken unless all 60 read right (0.8^60 < 2e-6).
    const single = squareWithStats(noisy(1), x, y, { eps, queries: 60, predictSamples: 1, seed: 3 });
    expect(single.stats.broken).toBe(m);
    // 64 passes per score: a score misreads only if at least 32 of 64 passes flip,
    // P(Bin(64, 0.2) >= 32) < 1e-7, so over 60 × 20 scores (probability < 1e-4) none is reported.
    const averaged = squareWithStats(noisy(2), x, y, { eps, queries: 60, predictSamples: 64, seed: 3 });
    expect(averaged.stats.broken).toBe(0);
    expect(averaged.stats.queries.every((v) => v === 60)).toBe(true);
    // The averaged prediction (400 passes) confirms no break of either; in closed form c(adv) = c(x).
    for (const r of [single, averaged]) {
      expect(await confirmed(r.adv)).toBe(0);
      const a = values(r.adv);
      ys.forEach((l, i) => expect(argmax(linearLogits(model, a.slice(i * d, (i + 1) * d)))).toBe(l));
      r.adv.dispose();
    }
    tf.dispose([x, y]);
  });
});
