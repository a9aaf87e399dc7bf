/**
 * Types shared by saplab's attacks.
 *
 * Every attack has the shape `attack(model, x, y, options) => adv`:
 * - `model` is a `Model` (logits `[n, classes]`; deterministic or stochastic). Attacks use it,
 *   never own or modify it.
 * - `x` is `[n, h, w, c]` float32 inside `bounds` (default `[0, 1]`), `y` integer labels `[n]`
 *   (the true labels, or the target labels when `targeted` is set).
 * - The result is a new tensor of adversarial inputs with the shape of `x`; the caller owns it.
 *   Inputs are never disposed.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';

/** The threat model's norm: `'linf'` (max-abs, the paper's setting) or `'l2'` (Euclidean). */
export type AttackNorm = 'linf' | 'l2';

/**
 * Per-example loss the gradient attacks maximise (see `attackLoss`):
 * - `'ce'`: cross-entropy of the label;
 * - `'margin'`: Carlini–Wagner margin, max other logit − true logit (the loss of the released
 *   EOT attack on SAP, Athalye et al. 2018);
 * - `'dlr'`: Difference of Logits Ratio (Croce & Hein 2020), shift- and scale-invariant.
 */
export type AttackLoss = 'ce' | 'margin' | 'dlr';

/** Every threat-model norm the attacks accept. */
export const ATTACK_NORMS: readonly AttackNorm[] = ['linf', 'l2'];
/** Every loss the gradient attacks accept. */
export const ATTACK_LOSSES: readonly AttackLoss[] = ['ce', 'margin', 'dlr'];

/** Options every attack takes. */
export interface AttackOptions {
  /** Radius of the perturbation ball (in the units of `x`). Required, `>= 0`. */
  eps: number;
  /** Valid input range `[lo, hi]`; inputs must lie in it and outputs are clipped to it. Default `[0, 1]`. */
  bounds?: [number, number];
  /** User seed; every random choice of the attack is derived from it. Default `DEFAULT_SEED`. */
  seed?: number;
}

/**
 * What happened inside the gradient computations of one attack call. Non-finite gradients
 * (SAP's rescaling `1 / (1 - (1 - p)^r)` can explode) are dropped from the EOT average and
 * counted here, never silently turned into a zero step.
 */
export interface GradientStats {
  /** Gradient evaluations over the whole batch (steps × restarts, plus APGD's initial one). */
  gradientCalls: number;
  /** Forward–backward passes counted per example: examples × `gradientCalls` × `eotSamples`. */
  draws: number;
  /** Of `draws`, those dropped from the average because the gradient or the loss was not finite. */
  nonFiniteDraws: number;
  /**
   * Example-evaluations (examples × `gradientCalls`) with no finite draw at all. Such an example
   * keeps its previous step direction (on its first step it does not move).
   */
  noFiniteDraw: number;
  /** Forward passes per example with a non-finite logit (left out of the averaged probabilities). */
  nonFiniteLogits: number;
}

/** `GradientStats` with every count at 0. */
export function zeroGradientStats(): GradientStats {
  return { gradientCalls: 0, draws: 0, nonFiniteDraws: 0, noFiniteDraw: 0, nonFiniteLogits: 0 };
}

/** Adds the counts of `s` into `acc` (mutated) and returns `acc`. */
export function addGradientStats(acc: GradientStats, s: GradientStats): GradientStats {
  acc.gradientCalls += s.gradientCalls;
  acc.draws += s.draws;
  acc.nonFiniteDraws += s.nonFiniteDraws;
  acc.noFiniteDraw += s.noFiniteDraw;
  acc.nonFiniteLogits += s.nonFiniteLogits;
  return acc;
}

/** Options of the attacks that follow a loss gradient (`fgsm`, `pgd`, `apgd`). */
export interface GradientAttackOptions extends AttackOptions {
  /** Loss to maximise. Default `'ce'`. */
  loss?: AttackLoss;
  /** When `true`, `y` holds target labels and the attack pushes towards them. Default `false`. */
  targeted?: boolean;
  /**
   * Expectation over Transformation: the loss gradient is averaged over this many stochastic
   * forward–backward passes (each call of a stochastic `model` draws fresh randomness).
   * Default 1. The paper's own attack averages 100; AutoAttack's "rand" version uses 20.
   */
  eotSamples?: number;
  /** Receives the gradient statistics once, when the attack call finishes. */
  onStats?: (stats: GradientStats) => void;
}

/**
 * An attack with all options but `eps` and `seed` fixed, as `robustAccuracy` calls it. Build one
 * with `attacks.pgd({...})`, `attacks.fgsm(...)`, `attacks.apgd(...)`, `attacks.square(...)` or
 * `makeAttack(name, options)`; any function of this shape works.
 */
export type Attack = ((
  model: Model,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  options: { eps: number; seed?: number },
) => tf.Tensor4D | Promise<tf.Tensor4D>) & {
  /** A short name for tables and figures, e.g. `pgd(linf, steps=40, eot=16)`. */
  label?: string;
};
