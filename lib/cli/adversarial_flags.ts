/** The `saplab train --adversarial ...` flags, their validation, and the held-out split they use. */
import * as tf from '@tensorflow/tfjs';
import { UsageError, type FlagSpec } from './args';
import { ADVERSARIAL_METHODS, type AdversarialMethod, type AdversarialTrainOptions } from '../models/adversarial_training';

/** Flags added to `saplab train`. */
export const ADVERSARIAL_TRAIN_FLAGS: FlagSpec = {
  adversarial: {
    type: 'string',
    help: "adversarial training: fgsm (the SAP paper's 80% clean / 20% FGSM from the previous epoch's model), pgd (Madry PGD-AT), fast (FGSM from a random start, step 1.25·eps; Wong et al. 2020)",
  },
  eps: { type: 'number', help: 'L-inf radius of the training examples (default 0.05 for fgsm, 0.1 for pgd/fast)' },
  mix: { type: 'number', help: 'fgsm: fraction of each epoch replaced by FGSM examples (default 0.2)' },
  'pgd-steps': { type: 'number', help: 'pgd: PGD steps per batch (default 7)' },
  holdout: { type: 'number', help: 'adversarial training: last N training images held out for the per-epoch PGD check (default 1000; 0 = none)' },
  'check-steps': { type: 'number', help: 'PGD steps of the per-epoch check at eps 0.1 (default 10)' },
  keep: { type: 'string', help: 'best (epoch with the highest held-out PGD accuracy; default for pgd/fast) or last' },
  resume: { type: 'string', help: 'continue a stopped run from its saved epoch folder OUT/epochs/N (runs epochs N+1..E; same result as an uninterrupted run)' },
};

/** Validated adversarial settings, or `undefined` when `--adversarial` is absent. */
export function checkAdversarialFlags(f: Record<string, any>): { method: AdversarialMethod; holdout: number; resume?: string; options: Omit<AdversarialTrainOptions, 'heldOut'> } | undefined {
  const others = ['eps', 'mix', 'pgd-steps', 'holdout', 'check-steps', 'keep', 'resume'].filter((k) => f[k] !== undefined);
  if (f.adversarial === undefined) {
    if (others.length) throw new UsageError(`--${others[0]} needs --adversarial`);
    return undefined;
  }
  const method = f.adversarial as AdversarialMethod;
  if (!ADVERSARIAL_METHODS.includes(method)) throw new UsageError(`--adversarial must be one of ${ADVERSARIAL_METHODS.join(', ')}, got ${JSON.stringify(f.adversarial)}`);
  if (f.eps !== undefined && !(f.eps > 0 && f.eps <= 1)) throw new UsageError(`--eps must be in (0, 1], got ${f.eps}`);
  if (f.mix !== undefined && !(f.mix > 0 && f.mix <= 1)) throw new UsageError(`--mix must be in (0, 1], got ${f.mix}`);
  if (f.mix !== undefined && method !== 'fgsm') throw new UsageError('--mix applies to --adversarial fgsm only');
  if (f['pgd-steps'] !== undefined && method !== 'pgd') throw new UsageError('--pgd-steps applies to --adversarial pgd only');
  for (const k of ['pgd-steps', 'check-steps']) if (f[k] !== undefined && !(Number.isInteger(f[k]) && f[k] >= 1)) throw new UsageError(`--${k} must be a positive integer, got ${f[k]}`);
  const holdout = f.holdout ?? 1000;
  if (!(Number.isInteger(holdout) && holdout >= 0)) throw new UsageError(`--holdout must be a non-negative integer, got ${holdout}`);
  if (f.keep !== undefined && f.keep !== 'best' && f.keep !== 'last') throw new UsageError(`--keep must be best or last, got ${JSON.stringify(f.keep)}`);
  if (f.keep === 'best' && holdout === 0) throw new UsageError('--keep best needs a held-out slice (--holdout > 0)');
  let firstEpoch: number | undefined;
  if (f.resume !== undefined) {
    const m = /(?:^|[\\/])(\d+)[\\/]?$/.exec(String(f.resume));
    if (!m) throw new UsageError(`--resume must be a saved epoch folder OUT/epochs/N, got ${JSON.stringify(f.resume)}`);
    firstEpoch = Number(m[1]) + 1;
    if (f.epochs !== undefined && firstEpoch > f.epochs) throw new UsageError(`--resume ${f.resume} is already at epoch ${firstEpoch - 1} of --epochs ${f.epochs}`);
  }
  return {
    method,
    resume: f.resume,
    holdout,
    options: { method, eps: f.eps, mix: f.mix, steps: f['pgd-steps'], checkSteps: f['check-steps'], keep: f.keep, firstEpoch },
  };
}

/** The last `holdout` images of a training split as a held-out slice, the rest for training. */
export function splitHeldOut(train: { x: tf.Tensor4D; y: tf.Tensor1D }, holdout: number): { trainX: tf.Tensor4D; trainY: tf.Tensor1D; heldOut?: { x: tf.Tensor4D; y: tf.Tensor1D } } {
  const n = train.x.shape[0];
  if (holdout >= n) throw new UsageError(`--holdout ${holdout} leaves no training images (the split has ${n})`);
  const k = n - holdout;
  const trainX = train.x.slice([0, 0, 0, 0], [k, -1, -1, -1]);
  const trainY = train.y.slice([0], [k]);
  if (holdout === 0) return { trainX, trainY };
  return { trainX, trainY, heldOut: { x: train.x.slice([k, 0, 0, 0], [holdout, -1, -1, -1]), y: train.y.slice([k], [holdout]) } };
}
