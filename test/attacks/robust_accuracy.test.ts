import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { attacks, makeAttack, robustAccuracy, type Attack } from 'saplab';
import { expectNoLeak } from '../helpers';
import { counting, inputDropout, linearLogits, linearModel, randomInputs, randomWeights } from './tiny_models';

const shape: [number, number, number] = [4, 4, 1];
const d = 16;
const n = 23;
const two = linearModel(randomWeights(d, 2, 51), [0.3, -0.3]);
const xs = randomInputs(n, d, 52, 0.3, 0.7);
// Labels: the model's prediction, flipped for a few examples so clean accuracy is below 1.
const ys = Array.from({ length: n }, (_, i) => {
  const z = linearLogits(two, xs.slice(i * d, (i + 1) * d));
  const pred = z[1] > z[0] ? 1 : 0;
  return i % 7 === 3 ? 1 - pred : pred;
});

/** Exact robust accuracy of the two-class linear model at linf eps (inputs far from the bounds). */
function exactAccuracy(eps: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const x = xs.slice(i * d, (i + 1) * d);
    const z = linearLogits(two, x);
    const y = ys[i];
    const margin = z[y] - z[1 - y];
    const l1 = two.w.reduce((s, row) => s + Math.abs(row[y] - row[1 - y]), 0);
    if (margin > 0 && margin - eps * l1 > 0) ok++;
  }
  return ok / n;
}

describe('robustAccuracy', () => {
  const x = tf.tensor4d(xs, [n, ...shape]);
  const y = tf.tensor1d(ys, 'int32');
  const eps = [0, 0.01, 0.03, 0.1, 0.2];

  it('sweeps eps in one call; FGSM on a linear model gives the exact linf robust accuracy', async () => {
    const res = await robustAccuracy(two, attacks.fgsm(), x, y, { eps, batchSize: 5 });
    expect(res.eps).toEqual(eps);
    expect(res.n).toBe(n);
    expect(res.predictSamples).toBe(1);
    expect(res.correct.length).toBe(eps.length);
    res.correct.forEach((row) => expect(row.length).toBe(n));
    eps.forEach((e, i) => expect(res.accuracy[i]).toBeCloseTo(exactAccuracy(e), 10));
    expect(res.accuracy[0]).toBeLessThan(1);
    expect(res.accuracy[eps.length - 1]).toBeLessThan(res.accuracy[0]);
    expect(res.rows).toEqual(eps.map((e, i) => ({ eps: e, accuracy: res.accuracy[i] })));
    expect(res.cleanCorrect).toEqual(res.correct[0]);
    expect(res.attack).toBe('fgsm');
  });

  it('gives the same per-example results for batch sizes that do and do not divide n', async () => {
    const attack = attacks.pgd({ steps: 3 });
    const runs = await Promise.all([1, 4, 23, 100].map((batchSize) => robustAccuracy(two, attack, x, y, { eps: [0, 0.05], batchSize, seed: 1 })));
    // PGD's random start depends on the batch, so compare with a deterministic attack too.
    const det = await Promise.all([3, 7, 23].map((batchSize) => robustAccuracy(two, attacks.fgsm(), x, y, { eps: [0.05], batchSize })));
    det.forEach((r) => expect(r.correct).toEqual(det[0].correct));
    runs.forEach((r) => expect(r.correct[0]).toEqual(runs[0].correct[0]));
    runs.forEach((r) => expect(r.correct[1]).toEqual(det[0].correct[0]));
  });

  it('does not attack at eps 0 and attacks each batch once per positive eps', async () => {
    let calls = 0;
    const seen: { eps: number; seed?: number }[] = [];
    const spy: Attack = (model, xb, yb, o) => {
      calls++;
      seen.push(o);
      return tf.clone(xb);
    };
    const res = await robustAccuracy(two, spy, x, y, { eps: [0, 0.1, 0.2], batchSize: 10, seed: 3 });
    expect(calls).toBe(3 * 2);
    expect(new Set(seen.map((s) => s.eps))).toEqual(new Set([0.1, 0.2]));
    // One seed per batch, shared by all eps.
    expect(seen[0].seed).toBe(seen[1].seed);
    expect(seen[0].seed).not.toBe(seen[2].seed);
    // An attack that returns x leaves accuracy at the clean accuracy.
    expect(res.accuracy).toEqual([res.accuracy[0], res.accuracy[0], res.accuracy[0]]);
  });

  it('counts an example as correct only when it is correct clean and after the attack', async () => {
    // A "helpful attack" that replaces each input by one the model classifies as its label, so
    // every adversarial prediction is correct; clean mistakes must still count as mistakes.
    const pred = (i: number) => {
      const z = linearLogits(two, xs.slice(i * d, (i + 1) * d));
      return z[1] > z[0] ? 1 : 0;
    };
    const proto = [0, 1].map((c) => Array.from({ length: n }, (_, i) => i).find((i) => pred(i) === c)!);
    const helpful: Attack = (model, xb, yb) => tf.tidy(() => tf.gather(x, tf.gather(tf.tensor1d(proto, 'int32'), yb)));
    const res = await robustAccuracy(two, helpful, x, y, { eps: [0.1], batchSize: 6 });
    expect(res.cleanCorrect.some((v) => !v)).toBe(true);
    res.correct[0].forEach((v, i) => expect(v).toBe(res.cleanCorrect[i]));
  });

  it('accepts an asynchronous attack', async () => {
    const later: Attack = async (model, xb, yb, o) => {
      await new Promise((r) => setTimeout(r, 1));
      return attacks.fgsm()(model, xb, yb, o);
    };
    const [a, b] = await Promise.all([later, attacks.fgsm()].map((att) => robustAccuracy(two, att, x, y, { eps: [0.1], batchSize: 9 })));
    expect(a.correct).toEqual(b.correct);
  });

  it('reports progress monotonically up to n * eps.length', async () => {
    const seen: [number, number][] = [];
    await robustAccuracy(two, attacks.fgsm(), x, y, { eps: [0, 0.1], batchSize: 10, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen[0]).toEqual([0, 2 * n]);
    expect(seen[seen.length - 1]).toEqual([2 * n, 2 * n]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);
  });

  it('predicts a stochastic model with the softmax averaged over predictSamples passes (default 100)', async () => {
    const m = counting(inputDropout(two, 0.1, 1));
    const res = await robustAccuracy(m, attacks.fgsm(), x, y, { eps: [0], batchSize: 10 });
    expect(res.predictSamples).toBe(100);
    expect(m.calls()).toBe(3 * 100);
    const m2 = counting(inputDropout(two, 0.1, 1));
    await robustAccuracy(m2, attacks.fgsm({ eotSamples: 2 }), x, y, { eps: [0.1], batchSize: 23, predictSamples: 5 });
    expect(m2.calls()).toBe(5 + 2 + 5);
  });

  it('builds attacks by name with fixed options and a label', () => {
    expect(makeAttack('pgd', { steps: 40, eotSamples: 16 }).label).toBe('pgd(steps=40, eot=16)');
    expect(attacks.apgd({ loss: 'dlr', eotSamples: 20 }).label).toBe('apgd(loss=dlr, eot=20)');
    expect(attacks.square().label).toBe('square');
    expect(() => makeAttack('cw' as 'pgd')).toThrow(/unknown attack/);
    expect(() => attacks.pgd({ eps: 0.1 } as never)).toThrow(/eps and seed are given per call/);
  });

  it('works with every attack factory and leaves no tensors behind', async () => {
    for (const attack of [attacks.fgsm(), attacks.pgd({ steps: 2, restarts: 2 }), attacks.apgd({ steps: 3 }), attacks.square({ queries: 10 })]) {
      const res = await expectNoLeak(() => robustAccuracy(two, attack, x, y, { eps: [0, 0.1], batchSize: 10 }));
      expect(res.accuracy[1]).toBeLessThanOrEqual(res.accuracy[0]);
    }
  });

  it('rejects bad arguments with clear errors', async () => {
    const a = attacks.fgsm();
    await expect(robustAccuracy(two, a, x, y, { eps: [] })).rejects.toThrow(/non-empty/);
    await expect(robustAccuracy(two, a, x, y, { eps: [0.1, -0.1] })).rejects.toThrow(/eps must be a finite number >= 0/);
    await expect(robustAccuracy(two, a, x, y, { eps: [NaN] })).rejects.toThrow(/eps/);
    await expect(robustAccuracy(two, a, x, y, { eps: [0.1], batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(robustAccuracy(two, a, x, y, { eps: [0.1], predictSamples: 0 })).rejects.toThrow(/predictSamples/);
    const short = tf.tensor1d([0, 1], 'int32');
    await expect(robustAccuracy(two, a, x, short, { eps: [0.1] })).rejects.toThrow(/23 examples but y has 2 labels/);
    short.dispose();
    const bad: Attack = (m, xb) => tf.zeros([1, 1, 1, 1]) as tf.Tensor4D;
    await expect(expectNoLeak(() => robustAccuracy(two, bad, x, y, { eps: [0.1] }).catch((e) => e.message))).resolves.toMatch(/must return a tensor of shape/);
  });
});
