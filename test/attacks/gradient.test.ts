import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fgsm, lossGradient, pgd, withSap, type AttackLoss, type GradientStats, type Model } from 'saplab';
import { attackLoss } from '../../lib/attacks/losses';
import { expectNoLeak, maxAbsDiff } from '../helpers';
import { inputDropout, linearCeGradient, linearLogits, linearModel, poisonedGradients, randomInputs, randomWeights, values } from './tiny_models';

const shape: [number, number, number] = [2, 3, 1];
const d = 6;

describe('attackLoss', () => {
  const logits = tf.tensor2d([
    [2, 1, 0, -1],
    [0, 3, 1, 0.5],
  ]);
  const y = tf.tensor1d([0, 2], 'int32');
  const logSoftmax = (z: number[], j: number) => z[j] - Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
  const rows = [
    [2, 1, 0, -1],
    [0, 3, 1, 0.5],
  ];
  const cases: { loss: AttackLoss; targeted: boolean; expected: number[] }[] = [
    { loss: 'ce', targeted: false, expected: [-logSoftmax(rows[0], 0), -logSoftmax(rows[1], 2)] },
    { loss: 'ce', targeted: true, expected: [logSoftmax(rows[0], 0), logSoftmax(rows[1], 2)] },
    { loss: 'margin', targeted: false, expected: [1 - 2, 3 - 1] },
    { loss: 'margin', targeted: true, expected: [2 - 1, 1 - 3] },
    // DLR: -(z_y - max_{j != y} z_j) / (z_π1 - z_π3)
    { loss: 'dlr', targeted: false, expected: [-(2 - 1) / (2 - 0), -(1 - 3) / (3 - 0.5)] },
  ];
  it.each(cases)('$loss (targeted: $targeted) matches its closed form', ({ loss, targeted, expected }) => {
    const out = attackLoss(logits, y, loss, targeted);
    expect(out.shape).toEqual([2]);
    expect(out.dtype).toBe('float32');
    values(out).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    out.dispose();
  });

  it('is invariant to adding a constant to each row of logits', () => {
    for (const loss of ['ce', 'margin', 'dlr'] as const) {
      const a = attackLoss(logits, y, loss);
      const shifted = tf.add(logits, tf.tensor2d([[3], [-7]])) as tf.Tensor2D;
      const b = attackLoss(shifted, y, loss);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
      tf.dispose([a, b, shifted]);
    }
  });

  it('rejects the targeted DLR loss and unknown losses', () => {
    expect(() => attackLoss(logits, y, 'dlr', true)).toThrow(/targeted DLR/);
    expect(() => attackLoss(logits, y, 'hinge' as AttackLoss)).toThrow(/unknown loss/);
  });
});

describe('lossGradient', () => {
  const model = linearModel(randomWeights(d, 3, 11), [0.1, -0.2, 0.05]);
  const xs = randomInputs(4, d, 12);
  const x = tf.tensor4d(xs, [4, ...shape]);
  const y = tf.tensor1d([0, 1, 2, 1], 'int32');

  it('returns the cross-entropy gradient of a linear model in closed form, with shapes and dtypes', () => {
    const g = lossGradient(model, x, y);
    expect(g.grad.shape).toEqual([4, ...shape]);
    expect(g.loss.shape).toEqual([4]);
    expect(g.probs.shape).toEqual([4, 3]);
    expect(g.finiteDraws.shape).toEqual([4]);
    expect([g.grad.dtype, g.loss.dtype, g.probs.dtype]).toEqual(['float32', 'float32', 'float32']);
    const grad = values(g.grad);
    for (let i = 0; i < 4; i++) {
      const expected = linearCeGradient(model, xs.slice(i * d, (i + 1) * d), [0, 1, 2, 1][i]);
      expected.forEach((v, k) => expect(grad[i * d + k]).toBeCloseTo(v, 5));
    }
    expect(values(g.finiteDraws)).toEqual([1, 1, 1, 1]);
    g.dispose();
  });

  it.each(['ce', 'margin', 'dlr'] as const)('with a deterministic model, EOT over 8 draws equals the plain gradient (%s)', (loss) => {
    const plain = lossGradient(model, x, y, { loss });
    const eot = lossGradient(model, x, y, { loss, eotSamples: 8 });
    expect(maxAbsDiff(plain.grad, eot.grad)).toBeLessThan(1e-6);
    expect(maxAbsDiff(plain.loss, eot.loss)).toBeLessThan(1e-5);
    expect(maxAbsDiff(plain.probs, eot.probs)).toBeLessThan(1e-6);
    expect(values(eot.finiteDraws)).toEqual([8, 8, 8, 8]);
    plain.dispose();
    eot.dispose();
  });

  it('with a deterministic model, EOT leaves FGSM and PGD unchanged', () => {
    const a = fgsm(model, x, y, { eps: 0.1 });
    const b = fgsm(model, x, y, { eps: 0.1, eotSamples: 5 });
    const c = pgd(model, x, y, { eps: 0.1, steps: 5, seed: 3 });
    const e = pgd(model, x, y, { eps: 0.1, steps: 5, seed: 3, eotSamples: 4 });
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    expect(maxAbsDiff(c, e)).toBeLessThan(1e-6);
    tf.dispose([a, b, c, e]);
  });

  it('with a stochastic model, the variance of the EOT gradient falls like 1/k', () => {
    // Input dropout (rate 0.5) over the linear model: each call draws a fresh mask. Across
    // independent seeds the per-coordinate variance of a k-draw average is var(1) / k, so k = 16
    // should sit near var(1) / 16; the bound var(1) / 8 leaves a factor of two for the sampling
    // error of the variance estimates (60 replicates, 24 coordinates).
    const reps = 60;
    const variance = (k: number) => {
      const draws: number[][] = [];
      for (let r = 0; r < reps; r++) {
        const m = inputDropout(model, 0.5, 1000 * k + r);
        const g = lossGradient(m, x, y, { eotSamples: k });
        draws.push(values(g.grad));
        g.dispose();
      }
      let total = 0;
      for (let j = 0; j < draws[0].length; j++) {
        const mean = draws.reduce((s, v) => s + v[j], 0) / reps;
        total += draws.reduce((s, v) => s + (v[j] - mean) ** 2, 0) / (reps - 1);
      }
      return total;
    };
    const v1 = variance(1);
    const v4 = variance(4);
    const v16 = variance(16);
    expect(v1).toBeGreaterThan(0);
    expect(v4).toBeLessThan(v1 / 2);
    expect(v16).toBeLessThan(v1 / 8);
    expect(v16).toBeGreaterThan(v1 / 40);
  });

  it('through SAP (withSap on a small ReLU network) the EOT gradient variance also falls like 1/k', () => {
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const net = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: shape }),
        tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: init(1) }),
        tf.layers.dense({ units: 3, kernelInitializer: init(2) }),
      ],
    });
    const reps = 40;
    const variance = (k: number) => {
      const draws: number[][] = [];
      for (let r = 0; r < reps; r++) {
        const g = lossGradient(withSap(net, { seed: 100 * k + r + 1 }), x, y, { eotSamples: k, loss: 'margin' });
        draws.push(values(g.grad));
        g.dispose();
      }
      let total = 0;
      for (let j = 0; j < draws[0].length; j++) {
        const mean = draws.reduce((s, v) => s + v[j], 0) / reps;
        total += draws.reduce((s, v) => s + (v[j] - mean) ** 2, 0) / (reps - 1);
      }
      return total;
    };
    const v1 = variance(1);
    expect(v1).toBeGreaterThan(0);
    expect(variance(16)).toBeLessThan(v1 / 8);
    net.dispose();
  });

  it('same model seed gives the same EOT gradient, a different one differs', () => {
    const a = lossGradient(inputDropout(model, 0.5, 5), x, y, { eotSamples: 3 });
    const b = lossGradient(inputDropout(model, 0.5, 5), x, y, { eotSamples: 3 });
    const c = lossGradient(inputDropout(model, 0.5, 6), x, y, { eotSamples: 3 });
    expect(maxAbsDiff(a.grad, b.grad)).toBe(0);
    expect(maxAbsDiff(a.grad, c.grad)).toBeGreaterThan(1e-3);
    [a, b, c].forEach((g) => g.dispose());
  });

  it('drops non-finite draws per example and counts them', () => {
    // Example 0: infinite gradient on even calls; example 1: NaN on every call; others finite.
    const poisoned = poisonedGradients(model, (call, i) => (i === 0 && call % 2 === 0 ? Infinity : i === 1 ? NaN : 1));
    const g = lossGradient(poisoned, x, y, { eotSamples: 4 });
    expect(values(g.finiteDraws)).toEqual([2, 0, 4, 4]);
    const plain = lossGradient(model, x, y);
    const grad = values(g.grad);
    const ref = values(plain.grad);
    for (let k = 0; k < 4 * d; k++) {
      if (k >= d && k < 2 * d) expect(grad[k]).toBe(0); // no finite draw: zero, and reported
      else expect(grad[k]).toBeCloseTo(ref[k], 5); // finite draws averaged
    }
    expect(values(g.loss)[1]).toBe(-Infinity);
    expect(grad.every(Number.isFinite)).toBe(true);
    g.dispose();
    plain.dispose();
  });

  it('reports the counts through onStats, and an example without a finite draw keeps its previous direction', () => {
    // Example 1 has a finite gradient on the first call only; afterwards every draw is NaN.
    const poisoned = poisonedGradients(model, (call, i) => (i === 1 && call > 0 ? NaN : 1));
    let stats: GradientStats | undefined;
    const eps = 0.3;
    const adv = pgd(poisoned, x, y, { eps, steps: 3, relStepsize: 0.1, randomStart: false, onStats: (s) => (stats = s) });
    expect(stats).toEqual({ gradientCalls: 3, draws: 12, nonFiniteDraws: 2, noFiniteDraw: 2, nonFiniteLogits: 0 });
    // Three steps of 0.1 * eps along the sign of the first gradient of example 1.
    const first = linearCeGradient(model, xs.slice(d, 2 * d), 1);
    const moved = values(adv).slice(d, 2 * d).map((v, k) => v - xs[d + k]);
    moved.forEach((v, k) => {
      const expected = Math.min(Math.max(xs[d + k] + 3 * 0.1 * eps * Math.sign(first[k]), 0), 1) - xs[d + k];
      expect(v).toBeCloseTo(expected, 5);
    });
    adv.dispose();
  });

  it('marks a call with only finite draws allFinite, and one with a dropped draw not', () => {
    const g = lossGradient(model, x, y, { eotSamples: 3 });
    expect(g.allFinite).toBe(true);
    expect(values(g.nonFiniteLogits)).toEqual([0, 0, 0, 0]);
    g.dispose();
    const poisoned = poisonedGradients(model, (call, i) => (i === 2 && call === 1 ? Infinity : 1));
    const h = lossGradient(poisoned, x, y, { eotSamples: 3 });
    expect(h.allFinite).toBe(false);
    expect(values(h.finiteDraws)).toEqual([3, 3, 2, 3]);
    h.dispose();
  });

  it('runs the draws of a model with independent rows as fewer, larger passes, with the same average', () => {
    const sizes: number[] = [];
    const flagged = Object.assign(
      (xx: tf.Tensor4D) => {
        sizes.push(xx.shape[0]);
        return model(xx);
      },
      { stochastic: true, independentRows: true },
    );
    const plain = lossGradient(model, x, y);
    const batched = lossGradient(flagged, x, y, { eotSamples: 10, rowsPerPass: 16 });
    // 4 examples: 4 draws a pass (16 rows), then 4, then the remaining 2.
    expect(sizes).toEqual([16, 16, 8]);
    expect(maxAbsDiff(plain.grad, batched.grad)).toBeLessThan(1e-6);
    expect(maxAbsDiff(plain.loss, batched.loss)).toBeLessThan(1e-5);
    expect(maxAbsDiff(plain.probs, batched.probs)).toBeLessThan(1e-6);
    expect(values(batched.finiteDraws)).toEqual([10, 10, 10, 10]);
    sizes.length = 0;
    lossGradient(flagged, x, y, { eotSamples: 3, rowsPerPass: 0 }).dispose();
    expect(sizes).toEqual([4, 4, 4]);
    [plain, batched].forEach((g) => g.dispose());
  });

  it('counts non-finite draws of a batched pass per example and per draw', () => {
    // Rows of the repeated batch are draws: poison example 0 in the first draw of the first pass.
    const poisoned = poisonedGradients(model, (call, i) => (i === 0 && call === 0 ? NaN : 1));
    const flagged = Object.assign((xx: tf.Tensor4D) => poisoned(xx), { stochastic: true, independentRows: true });
    const g = lossGradient(flagged, x, y, { eotSamples: 4, rowsPerPass: 8 });
    expect(values(g.finiteDraws)).toEqual([3, 4, 4, 4]);
    expect(g.allFinite).toBe(false);
    g.dispose();
  });

  it('leaves no tensors behind', async () => {
    await expectNoLeak(() => lossGradient(inputDropout(model, 0.3, 1), x, y, { eotSamples: 3, loss: 'dlr' }), (g) => g.dispose());
    await expectNoLeak(() => {
      const poisoned = poisonedGradients(model, () => NaN);
      return lossGradient(poisoned, x, y, { eotSamples: 2 });
    }, (g) => g.dispose());
  });

  it('rejects a bad eotSamples', () => {
    expect(() => lossGradient(model, x, y, { eotSamples: 0 })).toThrow(/eotSamples/);
    expect(() => lossGradient(model, x, y, { eotSamples: 1.5 })).toThrow(/eotSamples/);
  });
});

describe("lossGradient with average 'probs' (the loss of the averaged softmax)", () => {
  const shape4: [number, number, number] = [2, 3, 1];
  const a = linearModel(randomWeights(6, 3, 41), [0.2, 0, -0.2]);
  const b = linearModel(randomWeights(6, 3, 42), [-0.1, 0.3, 0]);
  /** A "stochastic" model whose draws alternate between `a` and `b`, one draw per call. */
  const alternating = (): Model => {
    let call = 0;
    const m: Model = (xx) => (call++ % 2 === 0 ? a : b)(xx);
    m.stochastic = true;
    return m;
  };
  const softmax = (z: number[]) => {
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    return e.map((v) => v / e.reduce((s, u) => s + u, 0));
  };
  const arrDiff = (u: number[], v: number[]) => Math.max(...u.map((e, k) => Math.abs(e - v[k])));
  const xs = randomInputs(4, 6, 43);
  const ys = [0, 1, 2, 1];

  it('gradient (p_a ∇CE_a + p_b ∇CE_b) / (p_a + p_b) and loss −log((p_a + p_b) / 2), the closed form', () => {
    const x = tf.tensor4d(xs, [4, ...shape4]);
    const y = tf.tensor1d(ys, 'int32');
    const g = lossGradient(alternating(), x, y, { eotSamples: 2, average: 'probs' });
    const std = lossGradient(alternating(), x, y, { eotSamples: 2 });
    const grad = values(g.grad);
    const loss = values(g.loss);
    let differs = 0;
    ys.forEach((yi, i) => {
      const xi = xs.slice(i * 6, (i + 1) * 6);
      const pa = softmax(linearLogits(a, xi))[yi];
      const pb = softmax(linearLogits(b, xi))[yi];
      const ga = linearCeGradient(a, xi, yi);
      const gb = linearCeGradient(b, xi, yi);
      const expected = ga.map((v, k) => (pa * v + pb * gb[k]) / (pa + pb));
      expected.forEach((v, k) => expect(grad[i * 6 + k]).toBeCloseTo(v, 5));
      expect(loss[i]).toBeCloseTo(-Math.log((pa + pb) / 2), 5);
      // The plain EOT gradient is the unweighted mean: different unless p_a = p_b.
      const mean = ga.map((v, k) => (v + gb[k]) / 2);
      if (Math.abs(pa - pb) > 0.05) differs += arrDiff(mean, expected) > 1e-3 ? 1 : 0;
    });
    expect(differs).toBeGreaterThan(0);
    // The averaged probabilities are those of the plain average.
    expect(arrDiff(values(g.probs), values(std.probs))).toBeLessThan(1e-6);
    g.dispose();
    std.dispose();
    tf.dispose([x, y]);
  });

  it('targeted: the gradient of log E[p_t]; one sample: the plain cross-entropy gradient', () => {
    const x = tf.tensor4d(xs, [4, ...shape4]);
    const t = tf.tensor1d([2, 2, 0, 0], 'int32');
    const g = lossGradient(alternating(), x, t, { eotSamples: 2, average: 'probs', targeted: true });
    const grad = values(g.grad);
    [2, 2, 0, 0].forEach((ti, i) => {
      const xi = xs.slice(i * 6, (i + 1) * 6);
      const pa = softmax(linearLogits(a, xi))[ti];
      const pb = softmax(linearLogits(b, xi))[ti];
      const ga = linearCeGradient(a, xi, ti);
      const gb = linearCeGradient(b, xi, ti);
      // ∇ log E[p_t] = −(p_a ∇CE_a + p_b ∇CE_b) / (p_a + p_b)
      ga.forEach((v, k) => expect(grad[i * 6 + k]).toBeCloseTo(-(pa * v + pb * gb[k]) / (pa + pb), 5));
      expect(values(g.loss)[i]).toBeCloseTo(Math.log((pa + pb) / 2), 5);
    });
    const one = lossGradient(a, x, t, { average: 'probs', targeted: true });
    const plain = lossGradient(a, x, t, { targeted: true });
    expect(arrDiff(values(one.grad), values(plain.grad))).toBe(0);
    tf.dispose([x, t]);
    for (const r of [g, one, plain]) r.dispose();
  });

  it("refuses average 'probs' with a loss other than cross-entropy, and a bad value", () => {
    const x = tf.tensor4d(xs, [4, ...shape4]);
    const y = tf.tensor1d(ys, 'int32');
    expect(() => lossGradient(alternating(), x, y, { eotSamples: 2, average: 'probs', loss: 'dlr' })).toThrow(/cross-entropy/);
    expect(() => lossGradient(alternating(), x, y, { eotSamples: 2, average: 'mean' as never })).toThrow(/average must be/);
    tf.dispose([x, y]);
  });

  it('leaves no tensors behind', async () => {
    const x = tf.tensor4d(xs, [4, ...shape4]);
    const y = tf.tensor1d(ys, 'int32');
    await expectNoLeak(() => lossGradient(alternating(), x, y, { eotSamples: 4, average: 'probs' }), (r) => r.dispose());
    tf.dispose([x, y]);
  });
});
