/**
 * Stochastic Activation Pruning (Dhillon et al., ICLR 2018, arXiv:1803.01442, Algorithm 1) as a
 * TF.js op, and the uniform random-pruning baseline the paper compares it with.
 *
 * Forward: `SAP(h) = m * h` with the multiplier `m` of `sampler.ts` (kept units scaled by
 * `1 / (1 - (1 - p_j)^r)`, others 0), per example over all non-batch dimensions.
 * Backward (`tf.customGrad`): `gradient: 'mask'` (default) multiplies the incoming gradient by the
 * same `m`, as the authors' operator does (no gradient flows through `p`); `gradient: 'identity'`
 * passes it through unchanged — the straight-through (BPDA) backward that adaptive attacks use.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED, Rng } from '../seed';
import { drawCount, keepProbability, randomPruneMultipliers, sapMultipliers, SapMode } from './sampler';
import { wasmRandomPrune, wasmSapExact, wasmSapSamplerActive } from '../backend/wasm_sap_sampler';
import { tensorSapExact } from './tensor_sampler';

/** SAP's backward pass: `mask` (the operator's own) or `identity` (BPDA). */
export type SapGradient = 'mask' | 'identity';

/** Options of `sap`. */
export interface SapOptions {
  /** r / N, the number of draws relative to the number of units (SAP-100 is 1). Default 1. */
  sampleFraction?: number;
  /** Seed of this call's mask. Default: the next draw of a process-wide stream (seeded with
   * `DEFAULT_SEED`), so a program's sequence of masks is reproducible. */
  seed?: number;
  /** `'exact'` (default) or `'poisson'` (the approximation of Athalye et al. 2018). */
  mode?: SapMode;
  /** Backward pass: `'mask'` (default) or `'identity'` (BPDA). */
  gradient?: SapGradient;
  /** A generator to draw from instead of `seed` (used by layers that own a stream). */
  rng?: Rng;
  /**
   * Which exact sampler: `'auto'` (default: the WebAssembly kernel on wasm with SIMD, JavaScript on cpu,
   * tensor ops on every other backend), `'wasm'`, `'javascript'` or `'tensor-ops'`. All draw from
   * the same distribution; they consume seeds differently, so masks differ between samplers.
   */
  sampler?: SapSampler;
}

/** The exact SAP samplers (see `SapOptions.sampler`). */
export type SapSampler = 'auto' | 'wasm' | 'javascript' | 'tensor-ops';

const processStream = new Rng(DEFAULT_SEED);

/** Throws unless `f` is a finite number > 0 (a valid sampleFraction). */
export function checkSampleFraction(f: number): void {
  if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0) {
    throw new Error(`sampleFraction must be a finite number > 0, got ${f}`);
  }
}

function checkInput(h: tf.Tensor, what: string): void {
  if (!(h instanceof tf.Tensor)) throw new Error(`${what} expects a tf.Tensor`);
  if (h.rank < 2) throw new Error(`${what} expects a batch of activations (rank 2 or 4, [batch, ...units]); got rank ${h.rank} [${h.shape}]`);
  if (h.dtype !== 'float32') throw new Error(`${what} expects float32 activations, got ${h.dtype}`);
}

type MultiplierFn = (values: Float32Array, rows: number, n: number, out: Float32Array) => void;

/** Computes `[y, m]` (`y = x * m`) for a batch `x`. */
type Sampler = (x: tf.Tensor) => [tf.Tensor, tf.Tensor];

/** A sampler that reads the activations back to JavaScript and fills the multiplier there. */
function jsSampler(fill: MultiplierFn): Sampler {
  return (x) => {
    const values = x.dataSync() as Float32Array;
    const rows = x.shape[0];
    const n = rows === 0 ? 0 : values.length / rows;
    const m = new Float32Array(values.length);
    if (values.length > 0) fill(values, rows, n, m);
    const mT = tf.tensor(m, x.shape, 'float32');
    return [tf.mul(x, mT), mT];
  };
}

/** Applies a sampled multiplier with the chosen backward pass. */
function applySampler(h: tf.Tensor, gradient: SapGradient, sample: Sampler): tf.Tensor {
  if (gradient !== 'mask' && gradient !== 'identity') throw new Error(`gradient must be 'mask' or 'identity', got ${JSON.stringify(gradient)}`);
  const forward = (x: tf.Tensor, save: tf.GradSaveFunc) => {
    const [value, m] = sample(x);
    if (gradient === 'mask') save([m]);
    else m.dispose();
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => (gradient === 'mask' ? tf.mul(dy, saved[0]) : tf.clone(dy)),
    };
  };
  const op = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(h);
}

/** The exact sampler `choice` stands for on the active backend (`'auto'` resolved). */
function resolveSampler(choice: SapSampler): Exclude<SapSampler, 'auto'> {
  if (choice !== 'auto') return choice;
  const backend = tf.getBackend();
  if (backend === 'wasm') return wasmSapSamplerActive() ? 'wasm' : 'javascript';
  return backend === 'cpu' ? 'javascript' : 'tensor-ops';
}

/**
 * The exact sampler to use: the WebAssembly kernel on wasm (activations never leave the wasm
 * heap), tensor ops on the native backends (nothing leaves the device); `undefined` means the
 * JavaScript sampler (cpu).
 */
function exactSampler(h: tf.Tensor, sampleFraction: number, rng: Rng, choice: SapSampler): Sampler | undefined {
  if (h.size === 0) return undefined;
  const backend = tf.getBackend();
  const which = resolveSampler(choice);
  const r = drawCount(sampleFraction, h.size / h.shape[0]);
  if (which === 'wasm') {
    if (!wasmSapSamplerActive()) throw new Error(`the wasm SAP sampler needs the wasm backend with WebAssembly SIMD (active: ${backend})`);
    const seedLo = rng.nextUint32();
    const seedHi = rng.nextUint32();
    return (x) => wasmSapExact(x, { r, seedLo, seedHi });
  }
  if (which === 'tensor-ops') {
    const seed = rng.seed();
    return (x) => tensorSapExact(x, r, seed);
  }
  if (which !== 'javascript') throw new Error(`sampler must be 'auto', 'wasm', 'javascript' or 'tensor-ops', got ${JSON.stringify(choice)}`);
  return undefined;
}

/**
 * SAP on a batch of activations `h` (`[batch, units]` or `[batch, h, w, c]`, float32).
 * Returns a new tensor of the same shape; each call draws a fresh mask (fixed by `seed`).
 */
export function sap(h: tf.Tensor, options: SapOptions = {}): tf.Tensor {
  checkInput(h, 'sap');
  const sampleFraction = options.sampleFraction ?? 1;
  checkSampleFraction(sampleFraction);
  const mode = options.mode ?? 'exact';
  if (mode !== 'exact' && mode !== 'poisson') throw new Error(`mode must be 'exact' or 'poisson', got ${JSON.stringify(mode)}`);
  const rng = options.rng ?? new Rng(options.seed ?? processStream.seed());
  const gradient = options.gradient ?? 'mask';
  if (mode === 'exact') {
    const fast = exactSampler(h, sampleFraction, rng, options.sampler ?? 'auto');
    if (fast) return applySampler(h, gradient, fast);
  }
  return applySampler(h, gradient, jsSampler((v, rows, n, out) => {
    sapMultipliers(v, rows, n, { sampleFraction, mode }, rng, out);
  }));
}

/**
 * The uniform random-pruning baseline: keeps each unit with the same probability `q`, chosen so
 * that the expected number of survivors equals SAP's for the same `sampleFraction`, and scales
 * survivors by `1 / q`. Same options and backward passes as `sap` (`mode` is ignored). With the
 * `'wasm'` sampler (the default on wasm with SIMD) a WebAssembly kernel draws the masks where the
 * activations live; otherwise JavaScript does.
 */
export function randomPrune(h: tf.Tensor, options: SapOptions = {}): tf.Tensor {
  checkInput(h, 'randomPrune');
  const sampleFraction = options.sampleFraction ?? 1;
  checkSampleFraction(sampleFraction);
  const rng = options.rng ?? new Rng(options.seed ?? processStream.seed());
  if (h.size > 0 && resolveSampler(options.sampler ?? 'auto') === 'wasm') {
    if (!wasmSapSamplerActive()) throw new Error(`the wasm sampler needs the wasm backend with WebAssembly SIMD (active: ${tf.getBackend()})`);
    const r = drawCount(sampleFraction, h.size / h.shape[0]);
    const seedLo = rng.nextUint32();
    const seedHi = rng.nextUint32();
    return applySampler(h, options.gradient ?? 'mask', (x) => wasmRandomPrune(x, { r, seedLo, seedHi }));
  }
  return applySampler(h, options.gradient ?? 'mask', jsSampler((v, rows, n, out) => {
    randomPruneMultipliers(v, rows, n, sampleFraction, rng, out);
  }));
}

/**
 * SAP's keep probabilities `1 - (1 - p_j)^r` for each unit of each example (no sampling):
 * what the figures of keep-probability maps show.
 */
export function sapKeepProbabilities(h: tf.Tensor, options: { sampleFraction?: number } = {}): tf.Tensor {
  checkInput(h, 'sapKeepProbabilities');
  const sampleFraction = options.sampleFraction ?? 1;
  checkSampleFraction(sampleFraction);
  const values = h.dataSync();
  const rows = h.shape[0];
  const n = rows === 0 ? 0 : values.length / rows;
  const r = drawCount(sampleFraction, n);
  const q = new Float32Array(values.length);
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.abs(values[row * n + j]);
    if (sum > 0) for (let j = 0; j < n; j++) q[row * n + j] = keepProbability(Math.abs(values[row * n + j]) / sum, r);
  }
  return tf.tensor(q, h.shape, 'float32');
}
