/**
 * APGD-T: APGD with the targeted DLR loss, run once per target class over the most likely other
 * classes (AutoAttack's `apgd-t`).
 *
 * Croce, Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse
 * parameter-free attacks", ICML 2020, https://arxiv.org/abs/2003.01690, section 4; reference
 * `fra31/auto-attack`, `autoattack/autopgd_base.py` (`APGDAttack_targeted`).
 *
 * Threat model: white-box, untargeted in effect (an image counts as broken once it is
 * misclassified, whichever class it lands in), L-inf or L2 ball of radius `eps` inside `bounds`.
 *
 * For each image with true label `y`, the target classes are the `targetClasses` most likely
 * classes other than `y`, ranked by the softmax at the clean input averaged over `eotSamples`
 * passes. For target rank `r = 1 .. targetClasses`, APGD maximises the targeted DLR loss
 * `-(z_y - z_t) / (z_π1 - (z_π3 + z_π4) / 2)` towards the rank-`r` class, on the images no earlier
 * rank has broken (as AutoAttack runs the targets in sequence on the remaining points). Per image
 * the worst case over the ranks is kept (see `scores.ts`). Needs at least `targetClasses + 1`
 * and at least 4 classes.
 *
 * Shapes: `x` `[n, h, w, c]` float32 in `bounds`; `y` `[n]` true labels; returns `[n, h, w, c]`,
 * owned by the caller.
 *
 * Defaults: `targetClasses 9` (AutoAttack's; all other classes on a 10-class problem), and APGD's
 * (`steps 100`, `restarts 1`, `norm 'linf'`, `eotSamples 1`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { deriveSeed } from '../seed';
import { apgdRun, resolveApgd, type ApgdOptions } from './apgd';
import { GradientStatsAccumulator } from './gradient';
import type { AttackResult } from './pgd';
import { averagedProbs, disposeCandidate, keepWorstCase, selectBool, worstCaseCandidate, type Candidate } from './scores';
import { checkImageIds, checkInputs, checkInt } from './validate';

/** Options of `apgdTargeted`. */
export interface ApgdTargetedOptions extends Omit<ApgdOptions, 'loss' | 'targeted' | 'trueLabels'> {
  /** Target classes tried per image, the most likely first. Default 9. */
  targetClasses?: number;
}

/**
 * Per image, the `k` most likely classes other than `y` by the scores `probs` `[n, classes]`,
 * most likely first: `[k][n]`.
 */
export function topOtherClasses(probs: tf.Tensor2D, y: tf.Tensor1D, k: number): number[][] {
  const [n, classes] = probs.shape;
  if (k > classes - 1) throw new Error(`topOtherClasses: ${k} target classes asked, but only ${classes - 1} classes differ from the label`);
  const p = probs.dataSync();
  const labels = y.dataSync();
  const out = Array.from({ length: k }, () => new Array<number>(n));
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: classes }, (_, j) => j)
      .filter((j) => j !== Math.round(labels[i]))
      .sort((a, b) => p[i * classes + b] - p[i * classes + a] || a - b);
    for (let r = 0; r < k; r++) out[r][i] = order[r];
  }
  return out;
}

/** APGD-T with its gradient statistics. */
export function apgdTargetedWithStats(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: ApgdTargetedOptions): AttackResult {
  const where = 'apgdTargeted';
  const o = resolveApgd({ ...options, loss: 'dlr' }, where);
  const targetClasses = checkInt(options.targetClasses, 9, 'targetClasses', 1, where);
  const { labelMax } = checkInputs(x, y, o.bounds, where);
  const n = x.shape[0];
  const ids = checkImageIds(options.imageIds, n, where);
  const stats = new GradientStatsAccumulator();
  if (o.eps === 0) return { adv: tf.clone(x), stats: stats.finish() };
  const targets = tf.tidy(() => averagedProbs(model, x, o.eotSamples));
  let ranks: number[][];
  try {
    if (targets.shape[1] < 4) throw new Error(`${where}: the targeted DLR loss needs at least 4 classes, got ${targets.shape[1]}`);
    ranks = topOtherClasses(targets, y, targetClasses);
  } finally {
    targets.dispose();
  }
  const labels = Array.from(y.dataSync(), (v) => Math.round(v));
  let best: Candidate | undefined;
  try {
    for (let r = 0; r < targetClasses; r++) {
      // The images no earlier target rank has broken.
      const brokenSoFar = best ? best.broken.dataSync() : new Uint8Array(n);
      const open = Array.from({ length: n }, (_, i) => i).filter((i) => !brokenSoFar[i]);
      if (open.length === 0) break;
      const all = open.length === n;
      const idx = all ? undefined : tf.tensor1d(open, 'int32');
      const xs = idx ? tf.gather(x, idx) : x;
      const ys = idx ? tf.tensor1d(open.map((i) => labels[i]), 'int32') : y;
      const ts = tf.tensor1d(open.map((i) => ranks[r][i]), 'int32');
      let cand: Candidate;
      try {
        cand = worstCaseCandidate(o.restarts, (restart) =>
          apgdRun(model, xs, { loss: ts, targeted: true, trueLabels: ys, judge: ys, judgeTargeted: false }, { ...o, targeted: true }, labelMax, deriveSeed(o.seed, 'apgd-t', r, 'restart', restart), open.map((i) => ids[i]), stats, where),
        );
      } finally {
        if (idx) tf.dispose([idx, xs, ys]);
        ts.dispose();
      }
      if (!best) {
        best = all ? cand : scatterCandidate(x, open, cand);
        if (!all) disposeCandidate(cand);
        continue;
      }
      const full = all ? cand : scatterCandidate(x, open, cand, best);
      if (!all) disposeCandidate(cand);
      const next = keepWorstCase(best, full);
      disposeCandidate(best);
      disposeCandidate(full);
      best = next;
    }
    const adv = best!.adv;
    tf.dispose([best!.broken, best!.loss, best!.key]);
    best = undefined;
    return { adv, stats: stats.finish() };
  } finally {
    disposeCandidate(best);
    stats.dispose();
  }
}

/**
 * A full-batch candidate from one computed on the images `open`: those rows from `cand`, the
 * others from `base` (or, without `base`, `x` with key −1 so that any later candidate replaces them).
 */
function scatterCandidate(x: tf.Tensor4D, open: number[], cand: Candidate, base?: Candidate): Candidate {
  return tf.tidy(() => {
    const n = x.shape[0];
    const pos = new Int32Array(n).fill(-1);
    open.forEach((i, j) => (pos[i] = j));
    const take = tf.tensor1d(Array.from(pos, (v) => v >= 0), 'bool');
    const gatherIdx = tf.tensor1d(Array.from(pos, (v) => Math.max(v, 0)), 'int32');
    const pick = (t: tf.Tensor, fallback: tf.Tensor): tf.Tensor => {
      const g = tf.gather(t, gatherIdx);
      const mask = tf.reshape(take, [n, ...t.shape.slice(1).map(() => 1)]);
      return tf.where(mask, g, fallback);
    };
    return {
      adv: pick(cand.adv, base ? base.adv : x) as tf.Tensor4D,
      broken: selectBool(take, tf.gather(cand.broken, gatherIdx), base ? base.broken : tf.zeros([n], 'bool')),
      loss: pick(cand.loss, base ? base.loss : tf.fill([n], -Infinity)) as tf.Tensor1D,
      key: pick(cand.key, base ? base.key : tf.fill([n], -1)) as tf.Tensor1D,
    };
  });
}

/** APGD-T (see the file comment). Gradient statistics go to `options.onStats`. */
export function apgdTargeted(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: ApgdTargetedOptions): tf.Tensor4D {
  const { adv, stats } = apgdTargetedWithStats(model, x, y, options);
  options.onStats?.(stats);
  return adv;
}
