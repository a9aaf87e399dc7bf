/**
 * Helpers for writing wasm-backend kernels out of other wasm kernels: call a registered kernel
 * function directly (no engine bookkeeping, no tape) and free the intermediates it returns.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The arguments TF.js passes to a kernel function of the wasm backend. */
export interface WasmKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}

/** A kernel function of the wasm backend (what `tf.getKernel(name, 'wasm').kernelFunc` is). */
export type WasmKernelFunc = (args: WasmKernelArgs) => tf.TensorInfo;

/**
 * Runs the wasm kernel `name` as currently registered. The caller owns the returned data and
 * frees it with `backend.disposeData(out.dataId)` (or returns it).
 */
function runWasmKernel(name: string, backend: BackendWasm, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/**
 * Collects intermediate results of a composed kernel and frees them all at the end, so that an
 * exception half-way leaks nothing either.
 */
export class Scratch {
  private readonly infos: tf.TensorInfo[] = [];
  constructor(private readonly backend: BackendWasm) {}

  /** Runs a wasm kernel and records its output for disposal. */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const out = runWasmKernel(name, this.backend, inputs, attrs);
    this.infos.push(out);
    return out;
  }

  /** Records data made elsewhere (e.g. `backend.makeOutput`) for disposal. */
  track(info: tf.TensorInfo): tf.TensorInfo {
    this.infos.push(info);
    return info;
  }

  /** Runs a wasm kernel whose output is the caller's result (not freed by `dispose`). */
  keep(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    return runWasmKernel(name, this.backend, inputs, attrs);
  }

  /** Frees every recorded intermediate. */
  dispose(): void {
    for (const info of this.infos) this.backend.disposeData(info.dataId);
    this.infos.length = 0;
  }
}
