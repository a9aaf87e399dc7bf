/**
 * The exact SAP sampler as a kernel of the wasm backend (`SaplabSapExact`): a small WebAssembly
 * module compiled from `assembly/sap_sampler.ts` that imports the TF.js wasm backend's own memory,
 * so it reads the activations and writes both outputs (`y = h * m` and the multipliers `m`) where
 * the tensors live: no read-back to JavaScript, no upload, no separate multiply.
 *
 * The statistics are those of `sapMultipliers` in `lib/defenses/sampler.ts` (r draws with
 * replacement from `p_j = |h_j| / sum |h|`, kept units scaled by `1 / (1 - (1 - p_j)^r)`); the
 * draws use inversion of the cumulative sums with a guide table and a SplitMix64 stream per row,
 * seeded from the call's 64-bit seed and the row's index in the batch (`rowOffset + row`), so a
 * slice of rows given its offset gets the masks of the whole call (`sap` calls it with offset 0:
 * saplab splits work by whole batches, each reseeded, not by rows).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SAP_SAMPLER_WASM_BASE64 } from './sap_sampler_wasm';

/** Name of the kernel (inputs `{ x }`, attrs `SapExactAttrs`, outputs `[y, m]`). */
const SAP_EXACT_KERNEL = 'SaplabSapExact';

/**
 * Name of the random-pruning kernel (inputs `{ x }`, attrs `SapExactAttrs`, outputs `[y, m]`):
 * each non-zero unit kept with the probability that gives SAP's expected number of survivors,
 * scaled by its inverse (`randomPruneMultipliers` in `lib/defenses/sampler.ts`), one uniform a
 * unit from the same per-row streams as `SaplabSapExact`.
 */
const RANDOM_PRUNE_KERNEL = 'SaplabRandomPrune';

/** Attributes of `SaplabSapExact`. */
interface SapExactAttrs {
  /** Draws per row. */
  r: number;
  /** Low and high 32 bits of the seed. */
  seedLo: number;
  seedHi: number;
  /** Index of the first row of `x` in the whole batch (default 0). */
  rowOffset?: number;
}

interface SamplerExports {
  sapExact(h: number, y: number, m: number, rows: number, n: number, r: number, seedLo: number, seedHi: number, rowOffset: number, cdf: number, guide: number, idx: number, kept: number): number;
  randomPrune(h: number, y: number, m: number, rows: number, n: number, r: number, seedLo: number, seedHi: number, rowOffset: number, vals: number): number;
  keepProbability(p: number, r: number): number;
}

interface EmscriptenHeap {
  asm: { memory: object };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
}

/** One instance and one scratch area per wasm backend (each worker thread has its own). */
interface Instance {
  exports: SamplerExports;
  heap: EmscriptenHeap;
  scratch: number;
  scratchUnits: number;
}

/** The parts of the WebAssembly API used here (the compile target's libraries do not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};

const instances = new WeakMap<object, Instance>();
let compiled: object | undefined;

function instanceFor(backend: BackendWasm): Instance {
  let inst = instances.get(backend);
  if (!inst) {
    const heap = (backend as unknown as { wasm: EmscriptenHeap }).wasm;
    compiled ??= new WebAssembly.Module(Buffer.from(SAP_SAMPLER_WASM_BASE64, 'base64'));
    const instance = new WebAssembly.Instance(compiled, { env: { memory: heap.asm.memory } });
    inst = { exports: instance.exports as unknown as SamplerExports, heap, scratch: 0, scratchUnits: 0 };
    instances.set(backend, inst);
  }
  return inst;
}

/**
 * Scratch for rows of up to `scratchUnits` units: cdf (8 bytes a unit), guide (8), indices of the
 * non-zero units (4), kept flags (1, zero between calls). The layout depends on the allocated size
 * only, so the kept flags stay at the same place (and zero) whatever the row length of the next call.
 */
function scratchFor(inst: Instance, n: number): { cdf: number; guide: number; idx: number; kept: number } {
  if (inst.scratchUnits < n) {
    if (inst.scratch) inst.heap._free(inst.scratch);
    const bytes = 21 * n + 16;
    inst.scratch = inst.heap._malloc(bytes);
    if (!inst.scratch) throw new Error(`SAP sampler: cannot allocate ${bytes} bytes on the wasm heap`);
    inst.scratchUnits = n;
    inst.heap.HEAPU8.fill(0, inst.scratch, inst.scratch + bytes);
  }
  const units = inst.scratchUnits;
  const cdf = (inst.scratch + 7) & ~7;
  return { cdf, guide: cdf + 8 * units, idx: cdf + 16 * units, kept: cdf + 20 * units };
}

function offsetOf(backend: BackendWasm, info: tf.TensorInfo): number {
  return (backend as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap.get(info.dataId).memoryOffset;
}

/** The body shared by both kernels: outputs `[y, m]` shaped like `x`, filled by `run`. */
function samplerKernel(
  name: string,
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
  run: (inst: Instance, backend: BackendWasm, x: tf.TensorInfo, y: tf.TensorInfo, m: tf.TensorInfo, rows: number, n: number) => number,
  what: string,
): tf.TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype !== 'float32') throw new Error(`${name} expects float32, got ${x.dtype}`);
  const rows = x.shape[0];
  const size = x.shape.reduce((p, d) => p * d, 1);
  const n = rows === 0 ? 0 : size / rows;
  const y = backend.makeOutput(x.shape, 'float32');
  const m = backend.makeOutput(x.shape, 'float32');
  if (size === 0) return [y, m];
  let result: number;
  try {
    result = run(instanceFor(backend), backend, x, y, m, rows, n);
  } catch (e) {
    backend.disposeData(y.dataId);
    backend.disposeData(m.dataId);
    throw e;
  }
  if (result < 0) {
    backend.disposeData(y.dataId);
    backend.disposeData(m.dataId);
    throw new Error(`${what} got a non-finite activation in example ${-result - 1}`);
  }
  return [y, m];
}

function sapExactKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const a = args.attrs as unknown as SapExactAttrs;
  return samplerKernel(SAP_EXACT_KERNEL, args, (inst, backend, x, y, m, rows, n) => {
    const s = scratchFor(inst, n);
    // Offsets are read after every allocation (an allocation may grow the heap, not move tensors).
    return inst.exports.sapExact(offsetOf(backend, x), offsetOf(backend, y), offsetOf(backend, m), rows, n, a.r, a.seedLo >>> 0, a.seedHi >>> 0, a.rowOffset ?? 0, s.cdf, s.guide, s.idx, s.kept);
  }, 'SAP');
}

function randomPruneKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const a = args.attrs as unknown as SapExactAttrs;
  return samplerKernel(RANDOM_PRUNE_KERNEL, args, (inst, backend, x, y, m, rows, n) => {
    const s = scratchFor(inst, n);
    return inst.exports.randomPrune(offsetOf(backend, x), offsetOf(backend, y), offsetOf(backend, m), rows, n, a.r, a.seedLo >>> 0, a.seedHi >>> 0, a.rowOffset ?? 0, s.cdf);
  }, 'random pruning');
}

/** Registers `SaplabSapExact` and `SaplabRandomPrune` on the wasm backend (idempotent). */
function registerWasmSapSampler(): void {
  if (!tf.getKernel(SAP_EXACT_KERNEL, 'wasm')) tf.registerKernel({ kernelName: SAP_EXACT_KERNEL, backendName: 'wasm', kernelFunc: sapExactKernel as unknown as tf.KernelFunc });
  if (!tf.getKernel(RANDOM_PRUNE_KERNEL, 'wasm')) tf.registerKernel({ kernelName: RANDOM_PRUNE_KERNEL, backendName: 'wasm', kernelFunc: randomPruneKernel as unknown as tf.KernelFunc });
}

/**
 * Whether the active backend can run `SaplabSapExact` (registering it on wasm): the wasm backend
 * on a runtime with WebAssembly SIMD (the module uses it; Node 16.4 and later have it).
 */
export function wasmSapSamplerActive(): boolean {
  if (tf.getBackend() !== 'wasm' || !tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) return false;
  registerWasmSapSampler();
  return true;
}

/**
 * Exact SAP of `x` (`[rows, ...]`, float32) on the wasm backend: returns `[y, m]` with
 * `y = x * m`. Throws on a non-finite activation.
 */
export function wasmSapExact(x: tf.Tensor, attrs: SapExactAttrs): [tf.Tensor, tf.Tensor] {
  registerWasmSapSampler();
  const out = tf.engine().runKernel(SAP_EXACT_KERNEL, { x }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  return [out[0], out[1]];
}

/**
 * Random pruning of `x` (`[rows, ...]`, float32) on the wasm backend (`SaplabRandomPrune`, `r`
 * the SAP draw count it matches): returns `[y, m]` with `y = x * m`. Throws on a non-finite
 * activation.
 */
export function wasmRandomPrune(x: tf.Tensor, attrs: SapExactAttrs): [tf.Tensor, tf.Tensor] {
  registerWasmSapSampler();
  const out = tf.engine().runKernel(RANDOM_PRUNE_KERNEL, { x }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  return [out[0], out[1]];
}

/** The module's `keepProbability` (for tests against the JavaScript one). Needs the wasm backend. */
export function wasmKeepProbability(p: number, r: number): number {
  if (tf.getBackend() !== 'wasm') throw new Error('wasmKeepProbability needs the wasm backend');
  return instanceFor(tf.backend() as unknown as BackendWasm).exports.keepProbability(p, r);
}
