/**
 * Two activation-space stochastic baselines of the SAP paper (Dhillon et al., ICLR 2018, section
 * 4), inserted after every ReLU of a pretrained model like SAP, with SAP's guarantees: seeded,
 * fresh randomness on every call, the original weights shared and never touched, no fine-tuning.
 *
 * - Dropout at inference (the paper's DRO): each unit is kept with probability `1 − rate` and
 *   scaled by `1 / (1 − rate)`, so `E[out] = h`. Backward: `'mask'` multiplies the gradient by
 *   the same multiplier (the exact gradient of the draw); `'identity'` passes it through (BPDA).
 * - Gaussian activation noise: `out = h + sigma · std(h) · ε`, `ε ~ N(0, 1)` per unit, `std(h)`
 *   the standard deviation of the example's activations at that layer (population, over all its
 *   units). The noise is additive and its scale is treated as a constant, so the backward pass is
 *   the identity (the exact gradient of the draw up to the scale's dependence on `h`; BPDA is the
 *   same thing).
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED, deriveSeed, Rng } from '../seed';
import type { Model } from '../models/model';
import { insertAfterRelu } from './relu_sites';

/**
 * `n` standard normal draws from `rng` (Box–Muller on pairs of 32-bit uniforms), as float32: the
 * noise of the Gaussian baselines, several times faster than `tf.randomNormal` on wasm and cpu.
 */
export function standardNormals(n: number, rng: Rng): Float32Array {
  const u = rng.fillUint32(new Uint32Array(n + (n & 1)));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log((u[i] + 1) / 4294967297));
    const t = (2 * Math.PI * u[i + 1]) / 4294967296;
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** `'dropout'` or `'gaussian'` (see the file comment). */
export type ActivationNoiseKind = 'dropout' | 'gaussian';

/** Arguments of the activation-noise layer (dropout or Gaussian noise after a ReLU). */
export interface ActivationNoiseLayerArgs {
  kind: ActivationNoiseKind;
  /** Dropout rate in `[0, 1)`; for `'dropout'`. */
  rate?: number;
  /** Noise scale `>= 0` relative to `std(h)`; for `'gaussian'`. */
  sigma?: number;
  /** Backward pass of dropout: `'mask'` (default) or `'identity'` (BPDA). */
  gradient?: 'mask' | 'identity';
  /** Seed of the layer's random stream. Default `DEFAULT_SEED`. */
  seed?: number;
  name?: string;
}

/** Throws unless `rate` is a dropout rate in `[0, 1)`. */
export function checkRate(rate: unknown): number {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate >= 1) throw new Error(`dropout rate must be a number in [0, 1), got ${rate}`);
  return rate;
}

/** Throws unless `sigma` is a finite number `>= 0`. */
export function checkSigma(sigma: unknown, what = 'sigma'): number {
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0) throw new Error(`${what} must be a finite number >= 0, got ${sigma}`);
  return sigma;
}

/** Dropout or Gaussian noise on the activations it receives, fresh on every call. */
export class ActivationNoiseLayer extends tf.layers.Layer {
  static className = 'ActivationNoiseLayer';
  kind: ActivationNoiseKind;
  rate: number;
  sigma: number;
  gradient: 'mask' | 'identity';
  seed: number;
  private rng: Rng;

  constructor(args: ActivationNoiseLayerArgs) {
    super({ name: args.name, trainable: false });
    if (args.kind !== 'dropout' && args.kind !== 'gaussian') throw new Error(`kind must be 'dropout' or 'gaussian', got ${JSON.stringify(args.kind)}`);
    this.kind = args.kind;
    this.rate = args.kind === 'dropout' ? checkRate(args.rate) : 0;
    this.sigma = args.kind === 'gaussian' ? checkSigma(args.sigma) : 0;
    this.gradient = args.gradient ?? 'mask';
    if (this.gradient !== 'mask' && this.gradient !== 'identity') throw new Error(`gradient must be 'mask' or 'identity', got ${JSON.stringify(this.gradient)}`);
    this.seed = args.seed ?? DEFAULT_SEED;
    this.rng = new Rng(this.seed);
  }

  /** Restarts the layer's random stream from `seed`. */
  reseed(seed: number = this.seed): void {
    this.seed = seed;
    this.rng = new Rng(seed);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const h = Array.isArray(inputs) ? inputs[0] : inputs;
    const opSeed = this.rng.seed();
    if (this.kind === 'dropout') {
      const rate = this.rate;
      const identity = this.gradient === 'identity';
      const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
        const m = tf.tidy(() => tf.div(tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', opSeed), rate), 'float32'), 1 - rate));
        if (!identity) save([m]);
        const value = tf.mul(x, m);
        if (identity) m.dispose();
        return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => (identity ? tf.clone(dy) : tf.mul(dy, saved[0])) };
      }) as unknown as Parameters<typeof tf.customGrad>[0]);
      return tf.tidy(() => op(h));
    }
    const sigma = this.sigma;
    const eps = standardNormals(h.size, this.rng);
    const op = tf.customGrad(((x: tf.Tensor) => {
      const value = tf.tidy(() => {
        const rows = x.shape[0];
        const flat = tf.reshape(x, [rows, -1]);
        const { variance } = tf.moments(flat, 1, true);
        const scale = tf.reshape(tf.mul(tf.sqrt(variance), sigma), [rows, ...x.shape.slice(1).map(() => 1)]);
        return tf.add(x, tf.mul(scale, tf.tensor(eps, x.shape, 'float32')));
      });
      return { value, gradFunc: (dy: tf.Tensor) => tf.clone(dy) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return tf.tidy(() => op(h));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kind: this.kind, rate: this.rate, sigma: this.sigma, gradient: this.gradient, seed: this.seed };
  }
}
tf.serialization.registerClass(ActivationNoiseLayer);

/** A stochastic model with an `ActivationNoiseLayer` after every ReLU. */
export type ActivationNoiseModel = Model & {
  net: tf.LayersModel;
  noiseLayers: ActivationNoiseLayer[];
  sites: string[];
  /** Restarts every noise layer's random stream from `seed`. */
  reseed: (seed: number) => void;
};

function wrap(model: tf.LayersModel, args: Omit<ActivationNoiseLayerArgs, 'seed' | 'name'>, seed: number, label: string): ActivationNoiseModel {
  new ActivationNoiseLayer({ ...args, seed: 1 }); // validates before the graph is rebuilt
  const { net, layers, sites } = insertAfterRelu(
    model,
    (site, i) => new ActivationNoiseLayer({ ...args, seed: deriveSeed(seed, args.kind, i), name: `${args.kind}_after_${site}_${i}` }),
    args.kind,
  );
  const fn = ((x: tf.Tensor4D) => net.apply(x, { training: false }) as tf.Tensor2D) as ActivationNoiseModel;
  fn.stochastic = true;
  fn.label = label;
  fn.net = net;
  fn.noiseLayers = layers;
  fn.sites = sites;
  fn.reseed = (s: number) => layers.forEach((l, i) => l.reseed(deriveSeed(s, args.kind, i)));
  return fn;
}

/** Options of `withDropout`. */
export interface WithDropoutOptions {
  /** Probability of dropping a unit, in `[0, 1)`. Required. */
  rate: number;
  /** Seed of the stream of masks. Default `DEFAULT_SEED`. */
  seed?: number;
  /** `'mask'` (default) or `'identity'` (BPDA). */
  gradient?: 'mask' | 'identity';
}

/** Dropout at inference after every ReLU of a pretrained model (the paper's DRO baseline). */
export function withDropout(model: tf.LayersModel, options: WithDropoutOptions): ActivationNoiseModel {
  const rate = checkRate(options?.rate);
  return wrap(model, { kind: 'dropout', rate, gradient: options.gradient }, options.seed ?? DEFAULT_SEED, `dropout-${rate}`);
}

/** Options of `withActivationNoise`. */
export interface WithActivationNoiseOptions {
  /** Noise standard deviation relative to the layer's activation std, `>= 0`. Required. */
  sigma: number;
  /** Seed of the noise stream. Default `DEFAULT_SEED`. */
  seed?: number;
}

/** Gaussian noise `h + sigma · std(h) · ε` after every ReLU of a pretrained model. */
export function withActivationNoise(model: tf.LayersModel, options: WithActivationNoiseOptions): ActivationNoiseModel {
  const sigma = checkSigma(options?.sigma);
  return wrap(model, { kind: 'gaussian', sigma }, options.seed ?? DEFAULT_SEED, `activation-noise-${sigma}`);
}
