/**
 * Adversarial training on top of `trainClassifier`, with the attacks of `lib/attacks` making the
 * examples.
 *
 * - `'fgsm'`: the SAP paper's recipe (Dhillon et al., ICLR 2018, section 4): each epoch trains on
 *   80% clean and 20% FGSM examples, the FGSM examples made with the *previous epoch's* model.
 *   Before epoch `e ≥ 2` a seeded `mix` fraction of the training set is drawn and attacked with
 *   the weights as they were at the end of epoch `e − 1`; the epoch then trains on those
 *   adversarial images in place of their clean versions. Epoch 1 has no previous epoch and trains
 *   on clean images only.
 * - `'pgd'`: Madry et al. (ICLR 2018) PGD adversarial training: every batch is replaced by PGD
 *   examples of the current model (`steps` steps of `2.5 · eps / steps` from a random start).
 * - `'fast'`: the "fast" substitute for PGD training (Wong, Rice, Kolter, *Fast is better than
 *   free*, ICLR 2020): one FGSM step of `1.25 · eps` from a uniform random start in the eps-ball,
 *   projected; about twice the cost of plain training instead of `steps + 1` times. It can
 *   overfit catastrophically (robustness to PGD collapses within an epoch while FGSM accuracy
 *   rises), so after each epoch the model's accuracy under PGD is measured on a held-out slice and
 *   the best epoch's weights are kept (`keep: 'best'`).
 *
 * All attacks are L-inf, cross-entropy, seeded from `seed`; inputs in `[0, 1]`.
 */
import * as tf from '@tensorflow/tfjs';
import { pgd } from '../attacks/pgd';
import { fgsm } from '../attacks/fgsm';
import { DEFAULT_SEED, deriveSeed, permutation } from '../seed';
import { asModel, evaluateAccuracy, mapBatches } from './model';
import { EpochLog, trainClassifier, TrainOptions } from './train';

/** The adversarial training recipes (see the file comment). */
export type AdversarialMethod = 'fgsm' | 'pgd' | 'fast';
/** Every adversarial-training recipe by name. */
export const ADVERSARIAL_METHODS: readonly AdversarialMethod[] = ['fgsm', 'pgd', 'fast'];

/** Options of `trainAdversarial`. */
export interface AdversarialTrainOptions extends Omit<TrainOptions, 'batchInputs' | 'beforeEpoch'> {
  /** Recipe. Required. */
  method: AdversarialMethod;
  /** L-inf radius of the training examples. Default 0.05 for `'fgsm'`, 0.1 otherwise. */
  eps?: number;
  /** `'fgsm'` only: fraction of each epoch's training set replaced by FGSM examples. Default 0.2. */
  mix?: number;
  /** `'pgd'` only: PGD steps per batch. Default 7. */
  steps?: number;
  /** Held-out slice (not trained on) for the per-epoch check under PGD. */
  heldOut?: { x: tf.Tensor4D; y: tf.Tensor1D };
  /** PGD steps of the per-epoch check (step `2.5 · checkEps / checkSteps`, random start). Default 10. */
  checkSteps?: number;
  /** Radius of the per-epoch check. Default 0.1. */
  checkEps?: number;
  /** `'best'`: restore the epoch with the highest held-out PGD accuracy; `'last'`: keep the last. Default `'best'` when `heldOut` is given (for `'pgd'`/`'fast'`), else `'last'`. */
  keep?: 'best' | 'last';
  /** Observes the adversarial examples of the `'fgsm'` recipe: epoch, training indices, images. Test hook. */
  onAdversarial?: (epoch: number, indices: Int32Array, adv: tf.Tensor4D) => void;
}

/** The per-epoch log plus the epoch whose weights were kept. */
export interface AdversarialTrainResult {
  log: EpochLog[];
  keptEpoch: number;
}

function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}

/** Accuracy under PGD (L-inf, CE, random start) on `x`, `y`, in batches. */
export function pgdAccuracy(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D, options: { eps: number; steps: number; seed: number; batchSize?: number }): number {
  const m = asModel(model);
  const yi = tf.cast(y, 'int32') as tf.Tensor1D;
  const adv = mapBatches(x, options.batchSize ?? 256, (xb, start) =>
    pgd(m, xb, yi.slice([start], [xb.shape[0]]), { eps: options.eps, steps: options.steps, seed: deriveSeed(options.seed, 'check', start) }),
  ) as tf.Tensor4D;
  const acc = evaluateAccuracy(model, adv, y);
  tf.dispose([adv, yi]);
  return acc;
}

/**
 * Trains `model` (logits) in place with adversarial examples (see the file comment) and returns
 * the per-epoch log (`robustAccuracy`/`heldOutAccuracy` when `heldOut` is given) and the epoch
 * kept.
 */
export async function trainAdversarial(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D, options: AdversarialTrainOptions): Promise<AdversarialTrainResult> {
  check(options !== undefined && options !== null, 'trainAdversarial: options with a method are required');
  const method = options.method;
  check(ADVERSARIAL_METHODS.includes(method), `method must be one of ${ADVERSARIAL_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  const eps = options.eps ?? (method === 'fgsm' ? 0.05 : 0.1);
  check(Number.isFinite(eps) && eps > 0 && eps <= 1, `eps must be in (0, 1], got ${eps}`);
  const mix = options.mix ?? 0.2;
  check(Number.isFinite(mix) && mix > 0 && mix <= 1, `mix must be in (0, 1], got ${mix}`);
  const steps = options.steps ?? 7;
  check(Number.isInteger(steps) && steps >= 1, `steps must be a positive integer, got ${steps}`);
  const checkSteps = options.checkSteps ?? 10;
  check(Number.isInteger(checkSteps) && checkSteps >= 1, `checkSteps must be a positive integer, got ${checkSteps}`);
  const checkEps = options.checkEps ?? 0.1;
  check(Number.isFinite(checkEps) && checkEps > 0, `checkEps must be positive, got ${checkEps}`);
  const keep = options.keep ?? (options.heldOut && method !== 'fgsm' ? 'best' : 'last');
  check(keep === 'last' || options.heldOut !== undefined, "keep: 'best' needs a heldOut slice");
  const seed = options.seed ?? DEFAULT_SEED;
  const n = x.shape[0];
  const m = asModel(model);

  // 'fgsm' recipe: the epoch's adversarial images and, per training index, its row in them (-1: clean).
  let adv: tf.Tensor4D | undefined;
  const row = new Int32Array(n).fill(-1);
  const beforeEpoch = async (epoch: number): Promise<void> => {
    if (method !== 'fgsm') return;
    adv?.dispose();
    adv = undefined;
    row.fill(-1);
    if (epoch === 1) return;
    const k = Math.max(1, Math.round(mix * n));
    const chosen = permutation(n, deriveSeed(seed, 'fgsm-mix', epoch)).slice(0, k).sort();
    chosen.forEach((idx, r) => (row[idx] = r));
    const ids = tf.tensor1d(chosen, 'int32');
    const xs = tf.gather(x, ids) as tf.Tensor4D;
    const ys = tf.cast(tf.gather(y, ids), 'int32') as tf.Tensor1D;
    adv = mapBatches(xs, options.batchSize ?? 128, (xb, start) =>
      fgsm(m, xb, ys.slice([start], [xb.shape[0]]), { eps, seed: deriveSeed(seed, 'fgsm-gen', epoch, start) }),
    ) as tf.Tensor4D;
    tf.dispose([ids, xs, ys]);
    options.onAdversarial?.(epoch, chosen, adv);
  };

  const batchInputs = (xb: tf.Tensor4D, yb: tf.Tensor1D, b: { epoch: number; step: number; indices: Int32Array }): tf.Tensor4D => {
    const s = deriveSeed(seed, 'adv-train', b.epoch, b.step);
    const yi = tf.cast(yb, 'int32') as tf.Tensor1D;
    if (method === 'pgd') return pgd(m, xb, yi, { eps, steps, relStepsize: 2.5 / steps, randomStart: true, seed: s });
    if (method === 'fast') return pgd(m, xb, yi, { eps, steps: 1, relStepsize: 1.25, randomStart: true, seed: s });
    if (!adv) return xb;
    const rows = Array.from(b.indices, (i) => row[i]);
    if (rows.every((r) => r < 0)) return xb;
    const picked = tf.gather(adv, tf.tensor1d(rows.map((r) => Math.max(r, 0)), 'int32')) as tf.Tensor4D;
    const isAdv = tf.reshape(tf.tensor1d(rows.map((r) => (r >= 0 ? 1 : 0)), 'bool'), [rows.length, 1, 1, 1]);
    return tf.where(isAdv, picked, xb) as tf.Tensor4D;
  };

  let best = { epoch: 0, acc: -1, weights: [] as tf.Tensor[] };
  const onEpoch = async (epoch: number, entry: EpochLog): Promise<void> => {
    if (options.heldOut) {
      entry.heldOutAccuracy = evaluateAccuracy(model, options.heldOut.x, options.heldOut.y);
      entry.robustAccuracy = pgdAccuracy(model, options.heldOut.x, options.heldOut.y, { eps: checkEps, steps: checkSteps, seed: deriveSeed(seed, 'check', epoch) });
      process.stderr.write(
        `epoch ${epoch}: held-out clean ${(entry.heldOutAccuracy * 100).toFixed(2)}%, PGD-${checkSteps} eps ${checkEps} ${(entry.robustAccuracy * 100).toFixed(2)}%\n`,
      );
      if (keep === 'best' && entry.robustAccuracy > best.acc) {
        tf.dispose(best.weights);
        best = { epoch, acc: entry.robustAccuracy, weights: model.getWeights().map((w) => w.clone()) };
      }
    }
    await options.onEpoch?.(epoch, entry);
  };

  try {
    const log = await trainClassifier(model, x, y, { ...options, beforeEpoch, batchInputs, onEpoch });
    let keptEpoch = log.length;
    if (keep === 'best' && best.epoch > 0) {
      model.setWeights(best.weights);
      keptEpoch = best.epoch;
    }
    return { log, keptEpoch };
  } finally {
    adv?.dispose();
    tf.dispose(best.weights);
  }
}
