import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { apgd, apgdWithStats, Rng, type AttackLoss, type AttackNorm, type Model } from 'saplab';
import { APGD_MOMENTUM, apgdCheckpoints, apgdSchedule } from '../../lib/attacks/apgd';
import { averagedCorrect } from '../../lib/attacks/scores';
import { expectNoLeak, maxAbsDiff } from '../helpers';
import { counting, inputDropout, linearLogits, linearModel, mlpModel, randomInputs, randomWeights, values } from './tiny_models';

const shape: [number, number, number] = [4, 4, 1];
const d = 16;
const n = 7;
const labels = [0, 1, 2, 1, 0, 2, 1];
const model = linearModel(randomWeights(d, 3, 31), [0.1, 0, -0.1]);
const two = linearModel(randomWeights(d, 2, 32), [0.1, -0.1]);
const argmax = (v: number[]) => v.indexOf(Math.max(...v));
const softmax = (v: number[]) => {
  const e = v.map((z) => Math.exp(z - Math.max(...v)));
  return e.map((z) => z / e.reduce((a, b) => a + b, 0));
};

function perExample(t: tf.Tensor): number[][] {
  const v = values(t);
  return Array.from({ length: t.shape[0] }, (_, i) => v.slice(i * d, (i + 1) * d));
}

describe('apgd schedule', () => {
  it('uses the published constants: momentum 0.75, checkpoints at 22%, shrinking by 3% down to 6% of the steps', () => {
    expect(APGD_MOMENTUM).toBe(0.75);
    expect(apgdSchedule(100)).toEqual({ first: 22, decrement: 3, minimum: 6 });
    // Windows 22, 19, 16, 13, 10, 7, 6, 6 (0-based iteration of each check).
    expect(apgdCheckpoints(100)).toEqual([21, 40, 56, 69, 79, 86, 92, 98]);
    expect(apgdSchedule(10)).toEqual({ first: 2, decrement: 1, minimum: 1 });
    expect(apgdCheckpoints(5)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('apgd', () => {
  const invariantCases: { norm: AttackNorm; bounds: [number, number]; eps: number; loss: AttackLoss }[] = [
    { norm: 'linf', bounds: [0, 1], eps: 0.1, loss: 'ce' },
    { norm: 'linf', bounds: [-1, 1], eps: 0.2, loss: 'dlr' },
    { norm: 'linf', bounds: [0, 1], eps: 0.05, loss: 'margin' },
    { norm: 'l2', bounds: [0, 1], eps: 0.5, loss: 'ce' },
    { norm: 'l2', bounds: [-1, 1], eps: 1.5, loss: 'dlr' },
  ];
  it.each(invariantCases)('stays in the $norm ball (eps $eps) and in bounds $bounds with loss $loss', ({ norm, bounds, eps, loss }) => {
    const xs = randomInputs(n, d, 5, bounds[0], bounds[1]);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const adv = apgd(model, x, y, { eps, norm, bounds, loss, steps: 12, restarts: 2, seed: 3 });
    expect(adv.shape).toEqual([n, ...shape]);
    expect(adv.dtype).toBe('float32');
    perExample(adv).forEach((a, i) => {
      const delta = a.map((v, k) => v - xs[i * d + k]);
      a.forEach((v) => {
        expect(v).toBeGreaterThanOrEqual(bounds[0]);
        expect(v).toBeLessThanOrEqual(bounds[1]);
      });
      if (norm === 'linf') expect(Math.max(...delta.map(Math.abs))).toBeLessThanOrEqual(eps + 1e-6);
      else expect(Math.sqrt(delta.reduce((s, v) => s + v * v, 0))).toBeLessThanOrEqual(eps * (1 + 1e-5));
    });
    tf.dispose([x, y, adv]);
  });

  it('on a two-class linear model returns the loss-maximising corner x + eps * sign(w_other - w_y)', () => {
    // The first step (2 eps from a start inside the ball) lands on the corner; the loss never
    // rises above it, so both the broken iterate and the best point are that corner.
    const xs = randomInputs(n, d, 6, 0.3, 0.7);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y2 = labels.map((l) => l % 2);
    const y = tf.tensor1d(y2, 'int32');
    for (const eps of [0.01, 0.2]) {
      const adv = apgd(two, x, y, { eps, steps: 10 });
      perExample(adv).forEach((a, i) => {
        for (let k = 0; k < d; k++) {
          const wDiff = two.w[k][1 - y2[i]] - two.w[k][y2[i]];
          expect(a[k] - xs[i * d + k]).toBeCloseTo(eps * Math.sign(wDiff), 5);
        }
      });
      adv.dispose();
    }
    tf.dispose([x, y]);
  });

  it.each(['ce', 'dlr', 'margin'] as const)('with loss %s breaks every example of a linear model at a large eps', (loss) => {
    const xs = randomInputs(n, d, 7, 0.4, 0.6);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const adv = apgd(model, x, y, { eps: 0.4, steps: 20, loss });
    perExample(adv).forEach((a, i) => expect(argmax(linearLogits(model, a))).not.toBe(labels[i]));
    tf.dispose([x, y, adv]);
  });

  it('targeted (margin) reaches the target class', () => {
    const xs = randomInputs(n, d, 8, 0.4, 0.6);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const targets = labels.map((l) => (l + 2) % 3);
    const t = tf.tensor1d(targets, 'int32');
    const adv = apgd(model, x, t, { eps: 0.4, steps: 20, targeted: true, loss: 'margin' });
    perExample(adv).forEach((a, i) => expect(argmax(linearLogits(model, a))).toBe(targets[i]));
    tf.dispose([x, t, adv]);
  });

  it('unbroken examples get their highest-loss point, never a lower loss than the start of a short run', () => {
    // A tiny eps leaves the examples unbroken; the returned point has the best loss seen.
    const xs = randomInputs(n, d, 9, 0.3, 0.7);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const ys = Array.from({ length: n }, (_, i) => argmax(linearLogits(model, xs.slice(i * d, (i + 1) * d))));
    const y = tf.tensor1d(ys, 'int32');
    const margin = (a: number[], i: number) => {
      const z = linearLogits(model, a);
      return Math.max(...z.filter((_, j) => j !== ys[i])) - z[ys[i]];
    };
    const short = apgd(model, x, y, { eps: 0.002, steps: 1, loss: 'margin', seed: 1 });
    const long = apgd(model, x, y, { eps: 0.002, steps: 25, loss: 'margin', seed: 1 });
    const s = perExample(short);
    perExample(long).forEach((a, i) => {
      expect(margin(a, i)).toBeLessThan(0);
      expect(margin(a, i)).toBeGreaterThanOrEqual(margin(s[i], i) - 1e-6);
    });
    tf.dispose([x, y, short, long]);
  });

  it('seeded: same seed same result, different seeds differ', () => {
    const x = tf.tensor4d(randomInputs(n, d, 10), [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const mlp = mlpModel(d, 8, 3, 3);
    const a = apgd(mlp, x, y, { eps: 0.3, steps: 3, seed: 1 });
    const b = apgd(mlp, x, y, { eps: 0.3, steps: 3, seed: 1 });
    const c = apgd(mlp, x, y, { eps: 0.3, steps: 3, seed: 2 });
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0);
    tf.dispose([x, y, a, b, c]);
  });

  it('EOT: steps + 1 gradient calls per restart, eotSamples passes each, counted in the stats', () => {
    const x = tf.tensor4d(randomInputs(n, d, 11), [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const m = counting(inputDropout(model, 0.3, 4));
    const { adv, stats } = apgdWithStats(m, x, y, { eps: 0.1, steps: 6, eotSamples: 3, restarts: 2, loss: 'dlr' });
    expect(m.calls()).toBe(2 * 7 * 3);
    expect(stats).toEqual({ gradientCalls: 14, draws: 14 * 3 * n, nonFiniteDraws: 0, noFiniteDraw: 0, nonFiniteLogits: 0 });
    tf.dispose([x, y, adv]);
  });

  it('restarts never weaken the attack on a deterministic model', () => {
    const xs = randomInputs(40, d, 12, 0.2, 0.8);
    const x = tf.tensor4d(xs, [40, ...shape]);
    const ys = Array.from({ length: 40 }, (_, i) => argmax(linearLogits(model, xs.slice(i * d, (i + 1) * d))));
    const y = tf.tensor1d(ys, 'int32');
    const broken = (t: tf.Tensor) => perExample(t).map((a, i) => argmax(linearLogits(model, a)) !== ys[i]);
    const opts = { eps: 0.04, steps: 3, seed: 6 };
    const b1 = broken(apgd(model, x, y, opts));
    const b3 = broken(apgd(model, x, y, { ...opts, restarts: 3 }));
    b1.forEach((v, i) => v && expect(b3[i]).toBe(true));
    tf.dispose([x, y]);
  });

  it('leaves no tensors behind', async () => {
    const x = tf.tensor4d(randomInputs(n, d, 13), [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    await expectNoLeak(() => apgd(inputDropout(model, 0.2, 1), x, y, { eps: 0.1, steps: 8, eotSamples: 2, restarts: 2 }), (a) => a.dispose());
    await expectNoLeak(() => apgd(model, x, y, { eps: 0.5, norm: 'l2', steps: 8, loss: 'dlr' }), (a) => a.dispose());
    tf.dispose([x, y]);
  });

  it('with EOT on a model with a saturated softmax, APGD-DLR is at least as strong as APGD-CE (where the CE gradient vanishes)', async () => {
    // Logits s × a linear model with a random scale s ~ U(500, 1500) per example and pass: the
    // argmax never changes with s, but the softmax is one-hot in float32, so the cross-entropy
    // gradient W (softmax − e_y) is exactly zero at every correctly classified draw, while DLR is
    // scale-invariant and keeps its gradient.
    const classes = 5;
    const base = linearModel(randomWeights(d, classes, 61), [0.1, 0, -0.1, 0.05, -0.05]);
    const scaled = (seed: number): Model => {
      const rng = new Rng(seed);
      const f: Model = (xx) => tf.tidy(() => tf.mul(base(xx), tf.randomUniform([xx.shape[0], 1], 500, 1500, 'float32', rng.seed())) as tf.Tensor2D);
      f.stochastic = true;
      return f;
    };
    const m = 24;
    const xs = randomInputs(m, d, 62, 0.4, 0.6);
    const ys = Array.from({ length: m }, (_, i) => argmax(linearLogits(base, xs.slice(i * d, (i + 1) * d))));
    const x = tf.tensor4d(xs, [m, ...shape]);
    const y = tf.tensor1d(ys, 'int32');
    const brokenBy = async (loss: AttackLoss) => {
      const adv = apgd(scaled(5), x, y, { eps: 0.2, steps: 20, eotSamples: 4, loss, seed: 7 });
      const ok = await averagedCorrect(scaled(9), adv, y, 32);
      adv.dispose();
      return ok.filter((v) => !v).length;
    };
    const ce = await brokenBy('ce');
    const dlr = await brokenBy('dlr');
    expect(dlr).toBeGreaterThanOrEqual(ce);
    // (With these seeds: DLR breaks 24 of 24, CE 9.)
    expect(dlr).toBeGreaterThanOrEqual(0.75 * m);
    expect(ce).toBeLessThanOrEqual(m / 2);
    tf.dispose([x, y]);
  });

  it('earlyStop: an image leaves the batch once broken; every image keeps its own iterate, in order', () => {
    const m = 30;
    const xs = randomInputs(m, d, 14, 0.2, 0.8);
    const x = tf.tensor4d(xs, [m, ...shape]);
    const ys = Array.from({ length: m }, (_, i) => argmax(linearLogits(model, xs.slice(i * d, (i + 1) * d))));
    const y = tf.tensor1d(ys, 'int32');
    const rows: number[] = [];
    const rec: Model = (xx) => (rows.push(xx.shape[0]), model(xx));
    rec.stochastic = false;
    const eps = 0.2; // breaks 14 of the 30 images with these seeds
    const early = apgd(rec, x, y, { eps, steps: 12, earlyStop: true, seed: 2 });
    const full = apgd(model, x, y, { eps, steps: 12, seed: 2 });
    const broken = (t: tf.Tensor) => perExampleOf(t, m).map((a, i) => argmax(linearLogits(model, a)) !== ys[i]);
    const be = broken(early);
    const bf = broken(full);
    // Some but not all images break; early stopping breaks the same ones (the kept iterate of a
    // broken image is its first breaking one, which on a deterministic model stays broken).
    expect(be.filter(Boolean).length).toBeGreaterThan(0);
    expect(be.filter(Boolean).length).toBeLessThan(m);
    expect(be).toEqual(bf);
    // The batch shrinks, never grows, and ends with the unbroken images only.
    expect(rows[0]).toBe(m);
    rows.forEach((r, i) => i > 0 && expect(r).toBeLessThanOrEqual(rows[i - 1]));
    expect(rows[rows.length - 1]).toBe(be.filter((b) => !b).length);
    // Each output row lies in the eps-ball of its own input (no mix-up of rows).
    perExampleOf(early, m).forEach((a, i) => a.forEach((v, k) => expect(Math.abs(v - xs[i * d + k])).toBeLessThanOrEqual(eps + 1e-6)));
    // Unbroken images ran the whole budget and end where the full run ends.
    const e = values(early);
    const f = values(full);
    be.forEach((b, i) => !b && expect(e.slice(i * d, (i + 1) * d)).toEqual(f.slice(i * d, (i + 1) * d)));
    tf.dispose([x, y, early, full]);
  });

  it('stopAt: a broken image stays in the batch until its true class is at most stopAt, and ends deeper', () => {
    const m = 30;
    const xs = randomInputs(m, d, 14, 0.2, 0.8);
    const x = tf.tensor4d(xs, [m, ...shape]);
    const ys = Array.from({ length: m }, (_, i) => argmax(linearLogits(model, xs.slice(i * d, (i + 1) * d))));
    const y = tf.tensor1d(ys, 'int32');
    const recorder = () => {
      const rows: number[] = [];
      const rec: Model = (xx) => (rows.push(xx.shape[0]), model(xx));
      rec.stochastic = false;
      return { rec, rows };
    };
    const eps = 0.2;
    const asap = recorder();
    const deep = recorder();
    const first = apgd(asap.rec, x, y, { eps, steps: 12, earlyStop: true, seed: 2 });
    const late = apgd(deep.rec, x, y, { eps, steps: 12, earlyStop: true, stopAt: 0.05, seed: 2 });
    const trueProb = (t: tf.Tensor) => perExampleOf(t, m).map((a, i) => softmax(linearLogits(model, a))[ys[i]]);
    const broken = (t: tf.Tensor) => perExampleOf(t, m).map((a, i) => argmax(linearLogits(model, a)) !== ys[i]);
    const pFirst = trueProb(first);
    const pLate = trueProb(late);
    const bFirst = broken(first);
    // The same images break (on a deterministic model a kept break stays a break) ...
    expect(broken(late)).toEqual(bFirst);
    // ... but some were only just broken at the first break and end deeper with stopAt.
    const deeper = bFirst.filter((b, i) => b && pLate[i] < pFirst[i] - 1e-4).length;
    expect(deeper).toBeGreaterThan(0);
    bFirst.forEach((b, i) => b && expect(pLate[i]).toBeLessThanOrEqual(pFirst[i] + 1e-6));
    // More gradient rows are spent: the shallow breaks keep being attacked.
    const sum = (r: number[]) => r.reduce((a, v) => a + v, 0);
    expect(sum(deep.rows)).toBeGreaterThan(sum(asap.rows));
    // Bad values are refused.
    expect(() => apgd(model, x, y, { eps, steps: 2, earlyStop: true, stopAt: 0 })).toThrow(/stopAt must be in \(0, 1\]/);
    expect(() => apgd(model, x, y, { eps, steps: 2, earlyStop: true, stopAt: 1.5 })).toThrow(/stopAt/);
    tf.dispose([x, y, first, late]);
  });

  it('start: the first run starts at the given point, projected onto the ball; a broken start is kept as is', () => {
    const m = 12;
    const xs = randomInputs(m, d, 16, 0.2, 0.8);
    const x = tf.tensor4d(xs, [m, ...shape]);
    const ys = Array.from({ length: m }, (_, i) => argmax(linearLogits(model, xs.slice(i * d, (i + 1) * d))));
    const y = tf.tensor1d(ys, 'int32');
    const eps = 0.3;
    // A strong adversarial start: the full APGD output at this eps.
    const strong = apgd(model, x, y, { eps, steps: 20, seed: 3 });
    const broken = perExampleOf(strong, m).map((a, i) => argmax(linearLogits(model, a)) !== ys[i]);
    expect(broken.some(Boolean)).toBe(true);
    // One step of early-stopping APGD from it: every image broken at the start keeps the start.
    const again = apgd(model, x, y, { eps, steps: 1, earlyStop: true, start: strong, seed: 4 });
    const s0 = perExampleOf(strong, m);
    perExampleOf(again, m).forEach((a, i) => broken[i] && expect(a).toEqual(s0[i]));
    // A start outside the ball is projected onto it.
    const far = tf.add(x, 1) as tf.Tensor4D;
    const proj = apgd(model, x, y, { eps, steps: 1, start: far, seed: 4 });
    perExampleOf(proj, m).forEach((a, i) => a.forEach((v, k) => expect(Math.abs(v - xs[i * d + k])).toBeLessThanOrEqual(eps + 1e-6)));
    expect(() => apgd(model, x, y, { eps, steps: 1, start: tf.slice(x, [0, 0, 0, 0], [2, -1, -1, -1]) as tf.Tensor4D })).toThrow(/start must be a tensor of the shape of x/);
    tf.dispose([x, y, strong, again, far, proj]);
  });

  it('earlyStop leaves no tensors behind, with EOT and when every image breaks', async () => {
    const x = tf.tensor4d(randomInputs(n, d, 15), [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    await expectNoLeak(() => apgd(inputDropout(model, 0.2, 1), x, y, { eps: 0.1, steps: 8, eotSamples: 2, earlyStop: true }), (a) => a.dispose());
    await expectNoLeak(() => apgd(model, x, y, { eps: 0.9, steps: 8, earlyStop: true, loss: 'dlr' }), (a) => a.dispose());
    tf.dispose([x, y]);
  });
});

function perExampleOf(t: tf.Tensor, m: number): number[][] {
  const v = values(t);
  return Array.from({ length: m }, (_, i) => v.slice(i * d, (i + 1) * d));
}
