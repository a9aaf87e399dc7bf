/**
 * `SapLayer`: SAP (or the random-pruning baseline) as a `tf.layers.Layer`, serializable with
 * `getConfig` and registered with `tf.serialization.registerClass`.
 *
 * The layer owns a seeded random stream: each call draws a fresh mask, and the seed fixes the
 * *sequence* of masks (so averaging over calls, as EOT and the paper's 100-pass prediction do,
 * averages over real randomness, yet a rerun with the same seed repeats it). SAP stays active at
 * inference; it is controlled by `active`, never by the `training` flag.
 *
 * Work split over threads, processes or machines reseeds the layer per batch (`reseed`, see
 * `predictBatchRange` and `lib/parallel/batch_ranges.ts`), so a batch's masks depend only on the
 * seed it gets, whichever sampler draws them.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED, Rng } from '../seed';
import { checkSampleFraction, randomPrune, sap, SapGradient, SapSampler } from './sap';
import type { SapMode } from './sampler';

/** Arguments of `SapLayer` / `sapLayer`. */
export interface SapLayerArgs {
  /** r / N (SAP-100 is 1). Default 1. */
  sampleFraction?: number;
  /** `'exact'` (default) or `'poisson'`. */
  mode?: SapMode;
  /** `'mask'` (default) or `'identity'` (BPDA). */
  gradient?: SapGradient;
  /** `'sap'` (default) or `'random'` (uniform random pruning with SAP's expected survivors). */
  kind?: 'sap' | 'random';
  /** Exact sampler (`SapOptions.sampler`). Default `'auto'`. */
  sampler?: SapSampler;
  /** Seed of the layer's stream of masks. Default `DEFAULT_SEED`. */
  seed?: number;
  /** When `false` the layer is the identity. Default `true`. */
  active?: boolean;
  name?: string;
}

/** A layer applying SAP (or random pruning) to its input, with its own seeded stream of masks. */
export class SapLayer extends tf.layers.Layer {
  static className = 'SapLayer';
  sampleFraction: number;
  mode: SapMode;
  gradient: SapGradient;
  kind: 'sap' | 'random';
  sampler: SapSampler;
  seed: number;
  active: boolean;
  private rng: Rng;

  constructor(args: SapLayerArgs = {}) {
    super({ name: args.name, trainable: false });
    this.sampleFraction = args.sampleFraction ?? 1;
    checkSampleFraction(this.sampleFraction);
    this.mode = args.mode ?? 'exact';
    this.gradient = args.gradient ?? 'mask';
    this.kind = args.kind ?? 'sap';
    this.sampler = args.sampler ?? 'auto';
    this.seed = args.seed ?? DEFAULT_SEED;
    this.active = args.active ?? true;
    this.rng = new Rng(this.seed);
    this.supportsMasking = true;
  }

  /** Restarts the stream of masks from `seed` (default: the layer's own seed). */
  reseed(seed: number = this.seed): void {
    this.seed = seed;
    this.rng = new Rng(seed);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!this.active) return tf.clone(x);
    const options = { sampleFraction: this.sampleFraction, mode: this.mode, gradient: this.gradient, rng: this.rng, sampler: this.sampler };
    return tf.tidy(() => (this.kind === 'random' ? randomPrune(x, options) : sap(x, options)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      sampleFraction: this.sampleFraction,
      mode: this.mode,
      gradient: this.gradient,
      kind: this.kind,
      seed: this.seed,
      active: this.active,
      ...(this.sampler !== 'auto' ? { sampler: this.sampler } : {}),
    };
  }
}
tf.serialization.registerClass(SapLayer);

/** Factory in the style of `tf.layers`: `sapLayer({ sampleFraction: 1, seed: 7 })`. */
export function sapLayer(args: SapLayerArgs = {}): SapLayer {
  return new SapLayer(args);
}
