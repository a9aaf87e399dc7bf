/**
 * The SAP paper's stochastic baselines by name, each with its strength parameter, the range the
 * calibration searches, and a constructor: the one place the reproduction grid and the notebooks
 * build them from.
 *
 * | kind | parameter | meaning |
 * |---|---|---|
 * | `dropout` | `rate` in [0, 1) | dropout at inference after every ReLU (the paper's DRO) |
 * | `activation-noise` | `sigma` >= 0 | `h + sigma · std(h) · ε` after every ReLU |
 * | `weight-noise` | `sigma` >= 0 | fresh `W + sigma · std(W) · ε` per pass (RNW) |
 * | `weight-pruning` | `fraction` in [0, 1) | smallest-magnitude weights of each kernel removed (DWP) |
 * | `stochastic-weight-pruning` | `sampleFraction` > 0 | SAP's rule on each kernel, fresh per pass (SWP) |
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { DEFAULT_SEED } from '../seed';
import { withActivationNoise, withDropout } from './activation_noise';
import { calibrateStrength, CalibrateResult } from './calibrate';
import { withStochasticWeightPruning, withWeightNoise, withWeightPruning } from './weight_perturbation';

/** Every stochastic baseline defense by name. */
export const BASELINE_KINDS = ['dropout', 'activation-noise', 'weight-noise', 'weight-pruning', 'stochastic-weight-pruning'] as const;
/** Name of a stochastic baseline defense. */
export type BaselineKind = (typeof BASELINE_KINDS)[number];

/** Each baseline's parameter key and the interval `calibrateBaseline` searches. */
export const BASELINE_PARAMETERS: Record<BaselineKind, { key: 'rate' | 'sigma' | 'fraction' | 'sampleFraction'; range: [number, number]; increasing: boolean; scale: 'linear' | 'log' }> = {
  dropout: { key: 'rate', range: [0, 0.95], increasing: false, scale: 'linear' },
  'activation-noise': { key: 'sigma', range: [0, 4], increasing: false, scale: 'linear' },
  'weight-noise': { key: 'sigma', range: [0, 2], increasing: false, scale: 'linear' },
  'weight-pruning': { key: 'fraction', range: [0, 0.99], increasing: false, scale: 'linear' },
  'stochastic-weight-pruning': { key: 'sampleFraction', range: [0.001, 20], increasing: true, scale: 'log' },
};

/** `true` for a baseline kind. */
export function isBaselineKind(kind: unknown): kind is BaselineKind {
  return typeof kind === 'string' && (BASELINE_KINDS as readonly string[]).includes(kind);
}

/** Options of `makeBaseline`. */
export interface BaselineOptions {
  /** Seed of the baseline's random stream. Default `DEFAULT_SEED`. */
  seed?: number;
  /** `true`: the BPDA backward (identity through the perturbation). Default `false`. */
  bpda?: boolean;
}

/** The baseline `kind` at strength `value` on a pretrained model (weights shared, never written). */
export function makeBaseline(
  net: tf.LayersModel,
  kind: BaselineKind,
  value: number,
  options: BaselineOptions = {},
): Model & {
  /** Frees what the baseline holds (the weight baselines' cached kernels). */
  dispose?: () => void;
} {
  const seed = options.seed ?? DEFAULT_SEED;
  const bpda = options.bpda ?? false;
  switch (kind) {
    case 'dropout':
      return withDropout(net, { rate: value, seed, gradient: bpda ? 'identity' : 'mask' });
    case 'activation-noise':
      return withActivationNoise(net, { sigma: value, seed });
    case 'weight-noise':
      return withWeightNoise(net, { sigma: value, seed, gradient: bpda ? 'identity' : 'exact' });
    case 'weight-pruning':
      return withWeightPruning(net, { fraction: value, gradient: bpda ? 'identity' : 'exact' });
    case 'stochastic-weight-pruning':
      return withStochasticWeightPruning(net, { sampleFraction: value, seed, gradient: bpda ? 'identity' : 'exact' });
    default:
      throw new Error(`unknown baseline kind ${JSON.stringify(kind)}; known: ${BASELINE_KINDS.join(', ')}`);
  }
}

/** Options of `calibrateBaseline`. */
export interface CalibrateBaselineOptions {
  /** Held-out images and labels (not the evaluated ones). */
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  /** Clean accuracy to match (e.g. SAP-100's on the same slice). */
  target: number;
  /** Softmax passes per prediction. Default 8. */
  samples?: number;
  /** Seed of the baseline's stream and of the predictions. Default `DEFAULT_SEED`. */
  seed?: number;
  /** See `calibrateStrength`. */
  tolerance?: number;
  maxIterations?: number;
  /** Applied to each candidate before it is evaluated (e.g. input conventions). Default: none. */
  wrap?: (m: Model) => Model;
}

/** The strength of `kind` whose held-out clean accuracy matches `target` (bisection). */
export function calibrateBaseline(net: tf.LayersModel, kind: BaselineKind, options: CalibrateBaselineOptions): CalibrateResult {
  if (!isBaselineKind(kind)) throw new Error(`unknown baseline kind ${JSON.stringify(kind)}; known: ${BASELINE_KINDS.join(', ')}`);
  const p = BASELINE_PARAMETERS[kind];
  const seed = options.seed ?? DEFAULT_SEED;
  return calibrateStrength({
    build: (v) => {
      const m = makeBaseline(net, kind, v, { seed });
      if (!options.wrap) return m;
      const w = options.wrap(m) as Model & { dispose?: () => void };
      w.dispose = m.dispose;
      return w;
    },
    x: options.x,
    y: options.y,
    target: options.target,
    range: p.range,
    increasing: p.increasing,
    scale: p.scale,
    samples: options.samples,
    seed,
    tolerance: options.tolerance,
    maxIterations: options.maxIterations,
  });
}
