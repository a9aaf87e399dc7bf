/**
 * `SapLayer`: SAP (or the random-pruning baseline) as a `tf.layers.Layer`, serializable with
 * `getConfig` and registered with `tf.serialization.registerClass`.
 *
 * The layer owns a seeded random stream: each call draws a fresh mask, and the seed fixes the
 * *sequence* of masks (so averaging over calls, as EOT and the paper's 100-pass prediction do,
 * averages over real randomness, yet a rerun with the same seed repeats it). SAP stays active at
 * inference; it is controlled by `active`, never by the `training` flag.
 *
 * Splitting a batch over threads (`lib/parallel/stochastic_workers.ts`) uses three things that are
 * not part of the config: `rowOffset` (the first row of the next calls within the whole batch),
 * `skipPasses` (advance the stream as that many calls would) and the stream's state
 * (`streamState` / `setStreamState`). They reproduce the one-thread masks only with the WebAssembly
 * samplers of exact SAP and of random pruning (`rowKeyed()`): their masks are keyed by row, and
 * each call consumes exactly two 32-bit numbers of the stream. The JavaScript, Poisson and
 * tensor-op samplers draw rows one after another from the stream, so a row's mask depends on the
 * rows before it.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED, Rng } from '../seed';
import { checkSampleFraction, randomPrune, resolveSampler, sap, SapGradient, SapSampler } from './sap';
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
  /** Index of the first row of the next calls' inputs within a larger batch (not serialized; default 0). */
  rowOffset = 0;
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

  /**
   * `true` when the layer's masks are keyed by row, so that `rowOffset` and `skipPasses` reproduce
   * the masks of a whole batch on a slice of it: exact SAP or random pruning with the WebAssembly
   * sampler (the wasm backend with SIMD), or an inactive layer (which draws nothing).
   */
  rowKeyed(): boolean {
    if (!this.active) return true;
    if (this.kind === 'sap' && this.mode !== 'exact') return false;
    return resolveSampler(this.sampler) === 'wasm' && tf.getBackend() === 'wasm';
  }

  /**
   * Advances the stream of masks as `passes` calls would (without computing them). Needs a
   * row-keyed layer (`rowKeyed()`), whose calls consume a fixed amount of the stream each.
   */
  skipPasses(passes: number): void {
    if (!Number.isInteger(passes) || passes < 0) throw new Error(`skipPasses expects a non-negative integer, got ${passes}`);
    if (!this.rowKeyed()) throw new Error(`${this.name}: skipPasses needs the WebAssembly sampler (exact SAP or random pruning, on the wasm backend with SIMD); this layer uses ${this.kind === 'sap' && this.mode === 'poisson' ? 'the Poisson mode' : `the ${resolveSampler(this.sampler)} sampler`}, whose use of the stream depends on the data`);
    if (!this.active) return;
    for (let i = 0; i < 2 * passes; i++) this.rng.nextUint32();
  }

  /** The state of the layer's stream of masks (for `setStreamState`, e.g. in another thread). */
  streamState(): number[] {
    return this.rng.getState();
  }

  /** Continues the stream of masks from a state returned by `streamState`. */
  setStreamState(state: readonly number[]): void {
    this.rng.setState(state);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!this.active) return tf.clone(x);
    const options = { sampleFraction: this.sampleFraction, mode: this.mode, gradient: this.gradient, rng: this.rng, sampler: this.sampler, rowOffset: this.rowOffset };
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
