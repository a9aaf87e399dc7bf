/**
 * Fast Gradient (Sign) Method: one step of the PGD loop.
 *
 * Goodfellow, Shlens, Szegedy, "Explaining and Harnessing Adversarial Examples", ICLR 2015,
 * https://arxiv.org/abs/1412.6572. With `eotSamples: 100` this is the attack of the SAP paper
 * (Dhillon et al., ICLR 2018, https://arxiv.org/abs/1803.01442): FGSM whose gradient is the
 * average of 100 Monte-Carlo gradient samples through the stochastic network.
 *
 * Threat model: white-box, one gradient step, untargeted (or targeted); L-inf:
 * `x_adv = clip(x + eps · sign(g))`; L2: `x_adv = clip(x + eps · g / ||g||_2)`, with `g` the
 * (EOT) loss gradient at `x` and `clip` to `bounds`. It is `pgd` with `steps: 1`,
 * `relStepsize: 1`, `randomStart: false`, `restarts: 1`.
 *
 * Shapes: `x` `[n, h, w, c]` float32 in `bounds`; `y` `[n]` integer labels (target labels when
 * `targeted`); returns `[n, h, w, c]`, owned by the caller.
 *
 * Defaults: `norm 'linf'`, `loss 'ce'`, `eotSamples 1`, `bounds [0, 1]`, `seed DEFAULT_SEED`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { resolvePgdOptions, runPgd, type AttackResult } from './pgd';
import type { AttackLoss, AttackNorm, GradientAttackOptions } from './types';

export interface FgsmOptions extends GradientAttackOptions {
  /** `'linf'` (sign of the gradient) or `'l2'` (normalised gradient). Default `'linf'`. */
  norm?: AttackNorm;
}

function asPgd(options: FgsmOptions) {
  if (options === undefined || options === null || typeof options !== 'object') throw new Error('fgsm: options with eps are required');
  return { ...options, steps: 1, relStepsize: 1, randomStart: false, restarts: 1 };
}

/** One fast-gradient step (see the file comment). Statistics go to `options.onStats`. */
export function fgsm(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: FgsmOptions): tf.Tensor4D {
  const { adv, stats } = runPgd(model, x, y, asPgd(options), 'fgsm');
  options.onStats?.(stats);
  return adv;
}

/** `fgsm` that also returns the gradient statistics. */
export function fgsmWithStats(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: FgsmOptions): AttackResult {
  return runPgd(model, x, y, asPgd(options), 'fgsm');
}

/** FGSM's options other than `eps`, `bounds`, `seed` and the callback, with their defaults filled in. */
export interface ResolvedFgsmOptions {
  norm: AttackNorm;
  loss: AttackLoss;
  targeted: boolean;
  eotSamples: number;
}

/** The keys of `ResolvedFgsmOptions`: the options a protocol may fix for FGSM. */
export const FGSM_OPTION_KEYS: readonly (keyof ResolvedFgsmOptions)[] = ['norm', 'loss', 'targeted', 'eotSamples'];

/** FGSM's defaults and checks (those of its one PGD step); throws the error `fgsm` would give. */
export function resolveFgsmOptions(options: Omit<FgsmOptions, 'eps'> | Partial<FgsmOptions>, where = 'fgsm'): ResolvedFgsmOptions {
  const { norm, loss, targeted, eotSamples } = resolvePgdOptions({ ...options, steps: 1, relStepsize: 1, randomStart: false, restarts: 1 }, where);
  return { norm, loss, targeted, eotSamples };
}
