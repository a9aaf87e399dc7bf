/**
 * Accuracy under attack for a whole sweep of eps values in one call: the numbers behind the
 * paper's accuracy-versus-eps plots (Dhillon et al., ICLR 2018, figure 1 and its tables).
 *
 * For every batch of `x` and every eps, the attack produces adversarial inputs and the model is
 * evaluated on them. An example counts as correct at eps when it is classified correctly both on
 * its clean input and on its adversarial input (as in AutoAttack, so accuracy never exceeds clean
 * accuracy). At eps 0 no attack runs: the clean prediction is used.
 *
 * Predictions of a stochastic model are the argmax of the softmax averaged over
 * `predictSamples` forward passes (the paper predicts with 100 passes of SAP; the rule is stated
 * in `scores.ts`).
 *
 * ```ts
 * const res = await robustAccuracy(sap, attacks.pgd({ steps: 40, eotSamples: 16 }), x, y, {
 *   eps: [0, 0.05, 0.1],
 *   onProgress: new Progress('PGD-40 + EOT-16', 0).callback(),
 * });
 * res.rows; // [{ eps: 0, accuracy: ... }, { eps: 0.05, ... }, { eps: 0.1, ... }]
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { deriveSeed } from '../seed';
import type { ProgressCallback } from '../util/progress';
import { averagedCorrect } from './scores';
import type { Attack } from './types';
import { checkInputs, checkInt, checkSeed } from './validate';

/** Options of `robustAccuracy`. */
export interface RobustAccuracyOptions {
  /** The eps values to sweep (each `>= 0`; 0 means clean accuracy). Required, non-empty. */
  eps: number[];
  /** Examples per attack call. Need not divide `n`. Default 100. */
  batchSize?: number;
  /**
   * Forward passes averaged (softmax) per prediction. Default 100 for a model marked
   * `stochastic` (the paper's prediction rule for SAP), else 1.
   */
  predictSamples?: number;
  /**
   * User seed. Batch `b` is attacked with seed `deriveSeed(seed, 'robustAccuracy', b)` at every
   * eps, so all eps share their random numbers (common random numbers make the curve smoother).
   * Default `DEFAULT_SEED`.
   */
  seed?: number;
  /** Called after each (batch, eps) with the number of example-attacks done and the total (`n · eps.length`). */
  onProgress?: ProgressCallback;
}

/** Accuracy under attack at each eps, with per-example correctness. */
export interface RobustAccuracyResult {
  /** The eps values, in the order given. */
  eps: number[];
  /** Accuracy at each eps, in `[0, 1]`. */
  accuracy: number[];
  /** `correct[e][i]`: example `i` classified correctly at `eps[e]` (and clean). */
  correct: boolean[][];
  /** Clean correctness per example. */
  cleanCorrect: boolean[];
  /** `{ eps, accuracy }` rows, ready for a table or a plot. */
  rows: { eps: number; accuracy: number }[];
  /** Seconds spent attacking and evaluating at each eps. */
  seconds: number[];
  /** Number of examples. */
  n: number;
  /** Forward passes per prediction used. */
  predictSamples: number;
  /** The attack's `label`, if it has one. */
  attack?: string;
}

/**
 * Runs `attack` at each eps over `x` in batches and evaluates `model` on the results.
 * `x` `[n, h, w, c]`, `y` `[n]` integer labels. Inputs are not disposed; nothing is left allocated.
 */
export async function robustAccuracy(model: Model, attack: Attack, x: tf.Tensor4D, y: tf.Tensor1D, options: RobustAccuracyOptions): Promise<RobustAccuracyResult> {
  const where = 'robustAccuracy';
  if (typeof model !== 'function') throw new Error(`${where}: model must be a Model (a function from inputs to logits)`);
  if (typeof attack !== 'function') throw new Error(`${where}: attack must be a function (model, x, y, {eps, seed}) => adversarial x`);
  if (!options || !Array.isArray(options.eps) || options.eps.length === 0) throw new Error(`${where}: eps must be a non-empty array of numbers >= 0`);
  for (const e of options.eps) {
    if (typeof e !== 'number' || !Number.isFinite(e) || e < 0) throw new Error(`${where}: every eps must be a finite number >= 0, got ${String(e)}`);
  }
  checkInputs(x, y, undefined, where);
  const n = x.shape[0];
  const batchSize = checkInt(options.batchSize, 100, 'batchSize', 1, where);
  const samples = checkInt(options.predictSamples, model.stochastic ? 100 : 1, 'predictSamples', 1, where);
  const seed = checkSeed(options.seed, where);
  const eps = options.eps.slice();
  const total = n * eps.length;
  const correct = eps.map(() => new Array<boolean>(n).fill(false));
  const cleanCorrect = new Array<boolean>(n).fill(false);
  const seconds = eps.map(() => 0);
  let done = 0;
  options.onProgress?.(0, total);

  for (let start = 0, b = 0; start < n; start += batchSize, b++) {
    const size = Math.min(batchSize, n - start);
    const xb = tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]);
    const yb = tf.slice(y, [start], [size]);
    try {
      const t0 = Date.now();
      const clean = await averagedCorrect(model, xb, yb, samples);
      for (let i = 0; i < size; i++) cleanCorrect[start + i] = clean[i];
      const cleanSeconds = (Date.now() - t0) / 1000;
      for (let e = 0; e < eps.length; e++) {
        const t1 = Date.now();
        let ok: boolean[];
        if (eps[e] === 0) {
          ok = clean;
          seconds[e] += cleanSeconds;
        } else {
          const adv = await attack(model, xb, yb, { eps: eps[e], seed: deriveSeed(seed, 'robustAccuracy', b) });
          try {
            if (!(adv instanceof tf.Tensor) || adv.shape.join() !== xb.shape.join()) {
              throw new Error(`${where}: the attack must return a tensor of shape [${xb.shape}], got ${adv instanceof tf.Tensor ? `[${adv.shape}]` : typeof adv}`);
            }
            const advOk = await averagedCorrect(model, adv, yb, samples);
            ok = advOk.map((v, i) => v && clean[i]);
          } finally {
            if (adv instanceof tf.Tensor && adv !== xb) adv.dispose();
          }
          seconds[e] += (Date.now() - t1) / 1000;
        }
        for (let i = 0; i < size; i++) correct[e][start + i] = ok[i];
        done += size;
        options.onProgress?.(done, total);
      }
    } finally {
      xb.dispose();
      yb.dispose();
    }
  }
  const accuracy = correct.map((row) => row.reduce((s, v) => s + (v ? 1 : 0), 0) / n);
  return {
    eps,
    accuracy,
    correct,
    cleanCorrect,
    rows: eps.map((e, i) => ({ eps: e, accuracy: accuracy[i] })),
    seconds,
    n,
    predictSamples: samples,
    ...(attack.label ? { attack: attack.label } : {}),
  };
}
