/**
 * Square Attack (L-inf): a score-based black-box attack by random search, no gradients.
 *
 * Andriushchenko, Croce, Flammarion, Hein, "Square Attack: a query-efficient black-box
 * adversarial attack via random search", ECCV 2020, https://arxiv.org/abs/1912.00049; reference
 * implementation `max-andr/square-attack`, `attack.py` (`square_attack_linf`, `p_selection`).
 *
 * Threat model: black-box with access to the model's output probabilities, `queries` scores per
 * example, `||x_adv - x||_inf <= eps` inside `bounds`, untargeted (or targeted).
 *
 * Algorithm (as in the reference):
 * - initialisation with vertical stripes: every column of every channel is shifted by `±eps`
 *   (random sign), `x_best = clip(x + δ)`; this costs the first query;
 * - at iteration `i` (of `queries − 1`), for each example not yet broken, a square window of side
 *   `s = round(sqrt(p · h · w))` (clamped to `[1, min(h, w) − 1]`) at a random position gets a new
 *   `±eps` per channel (re-drawn while it would not change the current best image);
 * - `p` follows the published piecewise-constant schedule over `⌊i / queries · 10000⌋`:
 *   `pInit` up to 10, then halved at 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000;
 * - the candidate replaces the best image of an example when its loss improves, or (as in
 *   AutoAttack's version) when it breaks the example; broken examples are not queried again.
 *
 * Losses: the margin loss `z_y − max_{j≠y} z_j` (minimised) by default, cross-entropy for
 * targeted attacks, as in the reference. Scores of a stochastic model are the softmax averaged
 * over `predictSamples` forward passes (losses are computed from the logs of these averaged
 * probabilities, which for one pass equals the loss on the logits): a candidate replaces an
 * image's best only when its *averaged* loss improves or its averaged prediction is wrong, and
 * an image stops being queried once its averaged prediction is wrong. This is Square with EOT
 * (asked for in `fra31/auto-attack` issue 56): with one noisy pass per score the search accepts
 * lucky draws and reports breaks that the averaged prediction does not confirm. The random search
 * of image `i` is seeded by `(seed, imageIds[i])`; a stochastic model's own randomness is the model's.
 *
 * Shapes: `x` `[n, h, w, c]` float32 in `bounds`; `y` `[n]` integer labels (target labels when
 * `targeted`); returns `[n, h, w, c]`, owned by the caller. The search state lives in JavaScript
 * arrays: each iteration builds one candidate batch and reads back its scores.
 *
 * Defaults: `queries 5000` and `pInit 0.8` (AutoAttack's settings; the reference repository's
 * L-inf default is 0.05, tuned for 10,000 queries on ImageNet), `loss 'margin'` (`'ce'` when targeted), `predictSamples` 10 for a model
 * marked `stochastic`, else 1, `bounds [0, 1]`, `seed DEFAULT_SEED`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { deriveSeed, Rng } from '../seed';
import { scoreInputs } from './scores';
import type { AttackOptions } from './types';
import { checkBounds, checkClasses, checkImageIds, checkEps, checkInputs, checkInt, checkLoss, checkPositive, checkSeed } from './validate';

export interface SquareOptions extends AttackOptions {
  /** Scores per example, including the initialisation. Default 5000. */
  queries?: number;
  /** Initial fraction of pixels changed per iteration. Default 0.8. */
  pInit?: number;
  /** `'margin'` or `'ce'`. Default `'margin'`, or `'ce'` when `targeted`. */
  loss?: 'margin' | 'ce';
  /** `y` holds target labels. Default `false`. */
  targeted?: boolean;
  /** Forward passes averaged per score. Default 10 when `model.stochastic`, else 1. */
  predictSamples?: number;
  /** Receives the query statistics when the attack finishes. */
  onStats?: (stats: SquareStats) => void;
  /**
   * Global indices of the images of `x` in a larger data set; image `i`'s random search is seeded
   * by `(seed, imageIds[i])`, so any split of a data set into batches gives the same search.
   * Default `0 .. n−1`.
   */
  imageIds?: number[];
}

/** Query statistics of one Square Attack call. */
export interface SquareStats {
  /** Scores spent per example (1 for the initialisation plus one per iteration it was active). */
  queries: number[];
  /** Examples broken within the budget. */
  broken: number;
  /** Iterations run (the loop stops early once every example is broken). */
  iterations: number;
}

/**
 * Fraction `p` of pixels changed at iteration `it` of `queries` (the published schedule,
 * rescaled to the budget as in the reference `p_selection`).
 */
export function squarePSchedule(pInit: number, it: number, queries: number): number {
  const i = Math.floor((it / queries) * 10000);
  if (i <= 10) return pInit;
  const cuts = [50, 200, 500, 1000, 2000, 4000, 6000, 8000, 10000];
  for (let j = 0; j < cuts.length; j++) if (i <= cuts[j]) return pInit / 2 ** (j + 1);
  return pInit;
}

/** Square Attack with its query statistics. */
export function squareWithStats(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: SquareOptions): { adv: tf.Tensor4D; stats: SquareStats } {
  const where = 'square';
  if (options === undefined || options === null || typeof options !== 'object') throw new Error(`${where}: options with eps are required`);
  const eps = checkEps(options.eps, where);
  const { queries, pInit, targeted, loss, predictSamples: samples } = resolveSquareOptions(options, model.stochastic === true, where);
  const bounds = checkBounds(options.bounds, where);
  const seed = checkSeed(options.seed, where);
  const { labelMax } = checkInputs(x, y, bounds, where);

  const [n, h, w, c] = x.shape;
  const d = h * w * c;
  const queriesUsed = new Array<number>(n).fill(0);
  if (eps === 0) return { adv: tf.clone(x), stats: { queries: queriesUsed, broken: 0, iterations: 0 } };

  const [lo, hi] = bounds;
  const clip = (v: number) => (v < lo ? lo : v > hi ? hi : v);
  const xs = x.dataSync() as Float32Array;
  const labels = Int32Array.from(y.dataSync(), (v) => Math.round(v));
  const ids = checkImageIds(options.imageIds, n, where);
  const rngs = ids.map((id) => new Rng(deriveSeed(seed, 'square', id)));

  /** Scores `cand` (`m` images) for the examples `idx`: losses to maximise and broken flags. */
  const score = (cand: Float32Array, idx: number[]): { loss: Float32Array; broken: Uint8Array } => {
    const m = idx.length;
    return tf.tidy(() => {
      const xc = tf.tensor4d(cand, [m, h, w, c]);
      const yc = tf.tensor1d(idx.map((i) => labels[i]), 'int32');
      const probe = scoreInputs(model, xc, yc, { samples, loss, targeted });
      return { loss: probe.loss.dataSync() as Float32Array, broken: probe.broken.dataSync() as Uint8Array };
    });
  };

  // Initialisation: vertical stripes of ±eps per column and channel.
  const best = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const rng = rngs[i];
    for (let col = 0; col < w; col++) {
      for (let ch = 0; ch < c; ch++) {
        const shift = rng.next() < 0.5 ? -eps : eps;
        for (let row = 0; row < h; row++) {
          const k = i * d + (row * w + col) * c + ch;
          best[k] = clip(xs[k] + shift);
        }
      }
    }
  }
  const all = Array.from({ length: n }, (_, i) => i);
  // Class-count check on one example before scoring the whole batch.
  tf.tidy(() => checkClasses(model(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1])).shape[1], labelMax, undefined, where));
  const init = score(best, all);
  const bestLoss = Float32Array.from(init.loss);
  const broken = Uint8Array.from(init.broken);
  queriesUsed.fill(1);

  const maxSide = Math.min(h, w) - 1;
  let iterations = 0;
  for (let it = 0; it < queries - 1; it++) {
    const active: number[] = [];
    for (let i = 0; i < n; i++) if (!broken[i]) active.push(i);
    if (active.length === 0) break;
    iterations += 1;
    const p = squarePSchedule(pInit, it, queries);
    const side = Math.min(Math.max(Math.round(Math.sqrt(p * h * w)), 1), Math.max(maxSide, 1));
    const cand = new Float32Array(active.length * d);
    const delta = new Float32Array(d);
    for (let j = 0; j < active.length; j++) {
      const i = active[j];
      const rng = rngs[i];
      const base = i * d;
      for (let k = 0; k < d; k++) delta[k] = best[base + k] - xs[base + k];
      const top = rng.int(Math.max(h - side, 1));
      const left = rng.int(Math.max(w - side, 1));
      // Draw a new ±eps per channel for the window until it changes the current best image.
      for (let tries = 0; tries < 100; tries++) {
        for (let ch = 0; ch < c; ch++) {
          const v = rng.next() < 0.5 ? -eps : eps;
          for (let r = top; r < top + side; r++) for (let q = left; q < left + side; q++) delta[(r * w + q) * c + ch] = v;
        }
        let changes = false;
        for (let r = top; r < top + side && !changes; r++) {
          for (let q = left; q < left + side && !changes; q++) {
            for (let ch = 0; ch < c; ch++) {
              const k = (r * w + q) * c + ch;
              if (Math.abs(clip(xs[base + k] + delta[k]) - best[base + k]) >= 1e-7) {
                changes = true;
                break;
              }
            }
          }
        }
        if (changes) break;
      }
      const out = j * d;
      for (let k = 0; k < d; k++) cand[out + k] = clip(xs[base + k] + delta[k]);
    }
    const res = score(cand, active);
    for (let j = 0; j < active.length; j++) {
      const i = active[j];
      queriesUsed[i] += 1;
      if (res.loss[j] > bestLoss[i] || res.broken[j]) {
        bestLoss[i] = res.loss[j];
        broken[i] = res.broken[j];
        best.set(cand.subarray(j * d, (j + 1) * d), i * d);
      }
    }
  }
  let nBroken = 0;
  for (let i = 0; i < n; i++) nBroken += broken[i];
  return { adv: tf.tensor4d(best, [n, h, w, c]), stats: { queries: queriesUsed, broken: nBroken, iterations } };
}

/** Square Attack, L-inf (see the file comment). Query statistics go to `options.onStats`. */
export function square(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: SquareOptions): tf.Tensor4D {
  const { adv, stats } = squareWithStats(model, x, y, options);
  options.onStats?.(stats);
  return adv;
}

/** Square's options other than `eps`, `bounds`, `seed` and the callback, with their defaults filled in. */
export interface ResolvedSquareOptions {
  queries: number;
  pInit: number;
  loss: 'margin' | 'ce';
  targeted: boolean;
  predictSamples: number;
}

/** The keys of `ResolvedSquareOptions`: the options a protocol may fix for the Square Attack. */
export const SQUARE_OPTION_KEYS: readonly (keyof ResolvedSquareOptions)[] = ['queries', 'pInit', 'loss', 'targeted', 'predictSamples'];

/**
 * The Square Attack's defaults and checks, declared once (`predictSamples` defaults to 10 against
 * a stochastic model, else 1). Throws the error `square` itself would give for a bad option.
 */
export function resolveSquareOptions(options: Omit<SquareOptions, 'eps'> | Partial<SquareOptions>, stochastic: boolean, where = 'square'): ResolvedSquareOptions {
  const queries = checkInt(options.queries, 5000, 'queries', 1, where);
  const pInit = checkPositive(options.pInit, 0.8, 'pInit', where);
  if (pInit > 1) throw new Error(`${where}: pInit must be in (0, 1], got ${pInit}`);
  const targeted = options.targeted ?? false;
  const loss = checkLoss(options.loss, where, ['margin', 'ce'], targeted ? 'ce' : 'margin') as 'margin' | 'ce';
  const predictSamples = checkInt(options.predictSamples, stochastic ? 10 : 1, 'predictSamples', 1, where);
  return { queries, pInit, loss, targeted, predictSamples };
}
