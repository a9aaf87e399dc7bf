/** Tiny hand-built models for the attack tests, with closed forms computed in plain JavaScript. */
import * as tf from '@tensorflow/tfjs';
import { Rng, type Model } from 'saplab';

/** A linear model `logits = flatten(x) W + b`; `W` is `[d][classes]` over NHWC-flattened inputs. */
export function linearModel(w: number[][], b: number[]): Model & { w: number[][]; b: number[] } {
  const d = w.length;
  const classes = b.length;
  const wt = tf.keep(tf.tensor2d(w, [d, classes]));
  const bt = tf.keep(tf.tensor1d(b));
  const m = ((x: tf.Tensor4D) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], d]), wt), bt))) as Model & { w: number[][]; b: number[] };
  m.stochastic = false;
  m.label = 'linear';
  m.w = w;
  m.b = b;
  return m;
}

/** Seeded random weights `[d][classes]` in `[-1, 1]`, never too close to zero. */
export function randomWeights(d: number, classes: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: d }, () =>
    Array.from({ length: classes }, () => {
      const v = 0.1 + 0.9 * rng.next();
      return rng.next() < 0.5 ? -v : v;
    }),
  );
}

/** Seeded inputs `[n, h, w, c]` uniform in `[lo, hi]`, as a flat array. */
export function randomInputs(n: number, d: number, seed: number, lo = 0, hi = 1): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n * d }, () => lo + (hi - lo) * rng.next());
}

/** Logits of the linear model for one flat input. */
export function linearLogits(m: { w: number[][]; b: number[] }, x: ArrayLike<number>): number[] {
  return m.b.map((bj, j) => bj + m.w.reduce((s, row, k) => s + row[j] * x[k], 0));
}

/** Gradient of the cross-entropy of label `y` for one flat input: `W (softmax(z) - e_y)`. */
export function linearCeGradient(m: { w: number[][]; b: number[] }, x: ArrayLike<number>, y: number): number[] {
  const z = linearLogits(m, x);
  const mx = Math.max(...z);
  const e = z.map((v) => Math.exp(v - mx));
  const s = e.reduce((a, v) => a + v, 0);
  const p = e.map((v) => v / s);
  return m.w.map((row) => row.reduce((acc, wj, j) => acc + wj * (p[j] - (j === y ? 1 : 0)), 0));
}

/**
 * A stochastic model: inverted dropout of the inputs with rate `rate`, then `base`. Each call draws
 * a fresh mask from a seeded stream, so the sequence of masks is reproducible.
 */
export function inputDropout(base: Model, rate: number, seed: number): Model & { calls: () => number } {
  const rng = new Rng(seed);
  let calls = 0;
  const m = ((x: tf.Tensor4D) => {
    calls += 1;
    const s = rng.seed();
    return tf.tidy(() => {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', s), rate), 'float32');
      return base(tf.mul(x, tf.div(keep, 1 - rate)) as tf.Tensor4D);
    });
  }) as Model & { calls: () => number };
  m.stochastic = true;
  m.label = 'dropout';
  m.calls = () => calls;
  return m;
}

/** Wraps a model and counts its calls. */
export function counting(base: Model): Model & { calls: () => number } {
  let calls = 0;
  const m = ((x: tf.Tensor4D) => {
    calls += 1;
    return base(x);
  }) as Model & { calls: () => number };
  m.stochastic = base.stochastic;
  m.calls = () => calls;
  return m;
}

/**
 * Identity in the forward pass; in the backward pass the gradient of example `i` is multiplied by
 * `factor(call, i)` (e.g. `Infinity` or `NaN`), where `call` counts the calls of the model.
 */
export function poisonedGradients(base: Model, factor: (call: number, example: number) => number): Model & { calls: () => number } {
  let calls = 0;
  const m = ((x: tf.Tensor4D) => {
    const call = calls++;
    const n = x.shape[0];
    const f = Array.from({ length: n }, (_, i) => factor(call, i));
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const xx = args[0] as tf.Tensor;
      return {
        value: tf.clone(xx),
        gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.reshape(tf.tensor1d(f), [n, 1, 1, 1])),
      };
    });
    return base(op(x) as tf.Tensor4D);
  }) as Model & { calls: () => number };
  m.stochastic = true;
  m.calls = () => calls;
  return m;
}

/** Flat array of a tensor (test convenience). */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** A small ReLU network `relu(flatten(x) W1) W2` with seeded weights (nonlinear, deterministic). */
export function mlpModel(d: number, hidden: number, classes: number, seed: number): Model {
  const w1 = tf.keep(tf.tensor2d(randomWeights(d, hidden, seed).flat(), [d, hidden]));
  const w2 = tf.keep(tf.tensor2d(randomWeights(hidden, classes, seed + 1).flat(), [hidden, classes]));
  const m: Model = (x) => tf.tidy(() => tf.matMul(tf.relu(tf.matMul(tf.reshape(x, [x.shape[0], d]), w1)), w2));
  m.stochastic = false;
  m.label = 'mlp';
  return m;
}
