/**
 * Weight-space baselines of the SAP paper (Dhillon et al., ICLR 2018, section 4): each forward pass
 * runs the pretrained model with perturbed *kernels* of its `Conv2D` and `Dense` layers (biases
 * and every other layer are used as they are):
 *
 * - Gaussian weight noise (RNW): `W + sigma · std(W) · ε`, fresh per forward pass, `std(W)` the
 *   standard deviation of the layer's kernel;
 * - deterministic weight pruning (DWP): the `fraction` of each kernel's weights with the smallest
 *   magnitude set to zero (exactly `round(fraction · size)` of them; ties broken by position),
 *   nothing rescaled, the same network on every pass;
 * - stochastic weight pruning (SWP): SAP's rule on each kernel, fresh per forward pass — draw
 *   `r = round(sampleFraction · size)` weights with replacement with probability `∝ |w|`, keep the
 *   drawn ones scaled by `1 / (1 − (1 − p)^r)`, zero the rest (so `E[W̃] = W`).
 *
 * One draw of the weights serves the whole batch of a call (a fresh network per forward pass, as
 * the paper describes). The model's variables are never written: the perturbed kernels are new
 * tensors, used by a functional pass over the model's graph (the graph walk of `withSap`).
 *
 * Backward: `'exact'` (default) is the gradient of the perturbed network that ran; `'identity'`
 * (BPDA) treats the perturbation as the identity in the backward pass — each perturbed layer's
 * output is `conv(x, W̃)` but its gradient is that of `conv(x, W)` at the same input.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED, Rng } from '../seed';
import { checkSampleFraction } from './sap';
import type { Model } from '../models/model';
import { sapMultipliers } from './sampler';
import { checkSigma, standardNormals } from './activation_noise';

/** `'exact'` or `'identity'` (BPDA); see the file comment. */
export type WeightGradient = 'exact' | 'identity';

interface NodeLike {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

type KernelLayer = tf.layers.Layer & {
  kernel: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  activation?: { apply(x: tf.Tensor): tf.Tensor };
};

/** `true` for the layers whose kernel the weight baselines perturb (`Conv2D`, `Dense`). */
function isKernelLayer(layer: tf.layers.Layer): boolean {
  const cls = layer.getClassName();
  return cls === 'Conv2D' || cls === 'Dense';
}

/** The kernel layers of `model` in graph order. */
export function kernelLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter(isKernelLayer);
}

function kernelCall(layer: KernelLayer, x: tf.Tensor, kernel: tf.Tensor, withActivation: boolean): tf.Tensor {
  let y: tf.Tensor;
  if (layer.getClassName() === 'Conv2D') {
    const c = layer.getConfig() as { strides: number | number[]; padding: 'valid' | 'same'; dataFormat?: string; dilationRate?: number | number[] };
    if (c.dataFormat && c.dataFormat !== 'channelsLast') throw new Error(`layer ${layer.name}: only channelsLast convolutions are supported`);
    const pair = (v: number | number[] | undefined): [number, number] => (v === undefined ? [1, 1] : Array.isArray(v) ? (v.length === 1 ? [v[0], v[0]] : [v[0], v[1]]) : [v, v]);
    y = tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, pair(c.strides), c.padding, 'NHWC', pair(c.dilationRate));
  } else {
    if (x.rank !== 2) throw new Error(`layer ${layer.name}: Dense on inputs of rank ${x.rank} is not supported (flatten first)`);
    y = tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D);
  }
  if (layer.bias) y = tf.add(y, layer.bias.read());
  return withActivation && layer.activation ? layer.activation.apply(y) : y;
}

/** Forward value of `a`, gradient of `b`: the straight-through combination for BPDA. */
const straightThrough = tf.customGrad(((a: tf.Tensor, b: tf.Tensor) => ({
  value: tf.clone(a),
  gradFunc: (dy: tf.Tensor) => [tf.zerosLike(dy), tf.clone(dy)],
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Logits of `model` on `x` with the kernels of the layers named in `kernels` replaced; with
 * `gradient: 'identity'` their backward pass is that of the original kernels. `model` is read,
 * never modified.
 */
export function applyWithKernels(model: tf.LayersModel, x: tf.Tensor4D, kernels: Map<string, tf.Tensor>, gradient: WeightGradient = 'exact'): tf.Tensor2D {
  return tf.tidy(() => {
    const map = new Map<number, tf.Tensor>();
    if (model.inputs.length !== 1) throw new Error('only single-input models are supported');
    map.set(model.inputs[0].id, x);
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      for (const node of layer.inboundNodes as unknown as NodeLike[]) {
        if (!node.inputTensors.every((t) => map.has(t.id))) continue;
        const ins = node.inputTensors.map((t) => map.get(t.id)!);
        const k = kernels.get(layer.name);
        let out: tf.Tensor | tf.Tensor[];
        if (k) {
          const kl = layer as KernelLayer;
          if (gradient === 'identity') {
            const pre = straightThrough(kernelCall(kl, ins[0], k, false), kernelCall(kl, ins[0], kl.kernel.read(), false)) as tf.Tensor;
            out = kl.activation ? kl.activation.apply(pre) : pre;
          } else out = kernelCall(kl, ins[0], k, true);
        } else out = layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor | tf.Tensor[];
        const outs = Array.isArray(out) ? out : [out];
        node.outputTensors.forEach((t, i) => map.set(t.id, outs[i]));
      }
    }
    const y = map.get(model.outputs[0].id);
    if (!y) throw new Error(`could not evaluate ${model.name} up to its output`);
    return y as tf.Tensor2D;
  });
}

/** A model returned by the weight baselines. `dispose()` frees cached kernels (DWP). */
export type WeightDefenseModel = Model & {
  /** Names of the perturbed layers. */
  layers: string[];
  /** Restarts the random stream from `seed`. */
  reseed: (seed: number) => void;
  /** Frees the cached kernels. */
  dispose: () => void;
};

function check(model: tf.LayersModel, gradient: WeightGradient | undefined): WeightGradient {
  if (!(model instanceof tf.LayersModel)) throw new Error('expected a tf.LayersModel');
  if (kernelLayers(model).length === 0) throw new Error(`model ${model.name} has no Conv2D or Dense layer to perturb`);
  const g = gradient ?? 'exact';
  if (g !== 'exact' && g !== 'identity') throw new Error(`gradient must be 'exact' or 'identity', got ${JSON.stringify(g)}`);
  return g;
}

function build(model: tf.LayersModel, label: string, stochastic: boolean, gradient: WeightGradient, seed: number, kernelsFor: (rng: Rng) => Map<string, tf.Tensor>, cleanup = () => {}): WeightDefenseModel {
  let rng = new Rng(seed);
  const fn = ((x: tf.Tensor4D) => tf.tidy(() => applyWithKernels(model, x, kernelsFor(rng), gradient))) as WeightDefenseModel;
  fn.stochastic = stochastic;
  fn.label = label;
  fn.layers = kernelLayers(model).map((l) => l.name);
  fn.reseed = (s: number) => (rng = new Rng(s));
  fn.dispose = cleanup;
  return fn;
}

/** Options of `withWeightNoise`. */
export interface WeightNoiseOptions {
  /** Noise standard deviation relative to each kernel's std, `>= 0`. Required. */
  sigma: number;
  /** Seed of the noise stream. Default `DEFAULT_SEED`. */
  seed?: number;
  /** `'exact'` (default) or `'identity'` (BPDA). */
  gradient?: WeightGradient;
}

/** Gaussian weight noise (RNW): a fresh `W + sigma · std(W) · ε` per forward pass. */
export function withWeightNoise(model: tf.LayersModel, options: WeightNoiseOptions): WeightDefenseModel {
  const sigma = checkSigma(options?.sigma);
  const gradient = check(model, options.gradient);
  const layers = kernelLayers(model) as KernelLayer[];
  const stds = layers.map((l) => tf.tidy(() => Math.sqrt(tf.moments(l.kernel.read()).variance.dataSync()[0])));
  return build(model, `weight-noise-${sigma}`, true, gradient, options.seed ?? DEFAULT_SEED, (rng) => {
    const m = new Map<string, tf.Tensor>();
    layers.forEach((l, i) => {
      const w = l.kernel.read();
      m.set(l.name, tf.add(w, tf.mul(tf.tensor(standardNormals(w.size, rng), w.shape, 'float32'), sigma * stds[i])));
    });
    return m;
  });
}

/** Throws unless `fraction` is in `[0, 1)`. */
export function checkPruneFraction(fraction: unknown): number {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction < 0 || fraction >= 1) throw new Error(`pruning fraction must be a number in [0, 1), got ${fraction}`);
  return fraction;
}

/**
 * The kernel values with the `round(fraction · n)` smallest magnitudes set to zero (ties broken by
 * position, lower index first); a new array.
 */
export function pruneSmallest(values: Float32Array, fraction: number): Float32Array {
  checkPruneFraction(fraction);
  const k = Math.round(fraction * values.length);
  const out = Float32Array.from(values);
  if (k === 0) return out;
  const order = new Int32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => Math.abs(values[a]) - Math.abs(values[b]) || a - b);
  for (let i = 0; i < k; i++) out[order[i]] = 0;
  return out;
}

/** Options of `withWeightPruning`. */
export interface WeightPruningOptions {
  /** Fraction of each kernel's weights removed (smallest magnitudes), in `[0, 1)`. Required. */
  fraction: number;
  /** `'exact'` (default) or `'identity'` (BPDA). */
  gradient?: WeightGradient;
}

/** Deterministic weight pruning (DWP): the smallest-magnitude `fraction` of each kernel removed. */
export function withWeightPruning(model: tf.LayersModel, options: WeightPruningOptions): WeightDefenseModel {
  const fraction = checkPruneFraction(options?.fraction);
  const gradient = check(model, options.gradient);
  const layers = kernelLayers(model) as KernelLayer[];
  const pruned = new Map<string, tf.Tensor>();
  for (const l of layers) {
    const w = l.kernel.read();
    pruned.set(l.name, tf.keep(tf.tensor(pruneSmallest(w.dataSync() as Float32Array, fraction), w.shape, 'float32')));
  }
  return build(model, `weight-pruning-${fraction}`, false, gradient, DEFAULT_SEED, () => pruned, () => pruned.forEach((t) => t.dispose()));
}

/** Options of `withStochasticWeightPruning`. */
export interface StochasticWeightPruningOptions {
  /** r / n for each kernel (n its number of weights), `> 0`; 1 is SAP-100's rule. Required. */
  sampleFraction: number;
  /** Seed of the stream of masks. Default `DEFAULT_SEED`. */
  seed?: number;
  /** `'exact'` (default) or `'identity'` (BPDA). */
  gradient?: WeightGradient;
}

/** Stochastic weight pruning (SWP): SAP's sampling rule on each kernel, fresh per forward pass. */
export function withStochasticWeightPruning(model: tf.LayersModel, options: StochasticWeightPruningOptions): WeightDefenseModel {
  const f = options?.sampleFraction;
  checkSampleFraction(f);
  const gradient = check(model, options.gradient);
  const layers = kernelLayers(model) as KernelLayer[];
  const values = layers.map((l) => Float32Array.from(l.kernel.read().dataSync() as Float32Array));
  return build(model, `stochastic-weight-pruning-${f}`, true, gradient, options.seed ?? DEFAULT_SEED, (rng) => {
    const m = new Map<string, tf.Tensor>();
    layers.forEach((l, i) => {
      const v = values[i];
      const mult = new Float32Array(v.length);
      sapMultipliers(v, 1, v.length, { sampleFraction: f, mode: 'exact' }, rng, mult);
      m.set(l.name, tf.mul(l.kernel.read(), tf.tensor(mult, l.kernel.read().shape, 'float32')));
    });
    return m;
  });
}
