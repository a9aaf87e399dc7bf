/**
 * Installs saplab's replacements of slow or missing wasm kernels (`Conv2DBackpropInput`,
 * `Conv2DBackpropFilter`, `MaxPoolGrad`, transposed `BatchMatMul`) and can switch back to the stock ones, so that
 * benchmarks measure both in the same process. Registrations are global in TF.js and only
 * concern the backend named `wasm`; the other backends are untouched.
 */
import * as tf from '@tensorflow/tfjs';
import { makeConv2DBackpropFilter, makeConv2DBackpropInput } from './wasm_conv_backprop';
import { makeMaxPoolGrad } from './wasm_max_pool_grad';
import { makeBatchMatMul } from './wasm_batch_mat_mul';
import { WasmKernelFunc } from './wasm_kernel_util';

/** The wasm kernels saplab replaces. */
export const WASM_KERNEL_REPLACEMENTS = ['Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'BatchMatMul'] as const;
/** Name of a wasm kernel saplab replaces. */
export type WasmKernelName = (typeof WASM_KERNEL_REPLACEMENTS)[number];

const makers: Record<WasmKernelName, (fallback?: WasmKernelFunc) => WasmKernelFunc> = {
  Conv2DBackpropInput: makeConv2DBackpropInput,
  Conv2DBackpropFilter: makeConv2DBackpropFilter,
  MaxPoolGrad: makeMaxPoolGrad,
  BatchMatMul: makeBatchMatMul,
};

/** Stock kernel configs saved on the first install (`null`: the backend had none). */
let stock: Map<WasmKernelName, tf.KernelConfig | null> | undefined;
/** The replacement configs, made once. */
let ours: Map<WasmKernelName, tf.KernelConfig> | undefined;
let installed = false;

function saveStock(): Map<WasmKernelName, tf.KernelConfig | null> {
  if (!stock) {
    stock = new Map();
    for (const name of WASM_KERNEL_REPLACEMENTS) stock.set(name, tf.getKernel(name, 'wasm') ?? null);
  }
  return stock;
}

function replace(name: string, config: tf.KernelConfig | null): void {
  if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  if (config) tf.registerKernel(config);
}

/**
 * Registers the fast wasm kernels (idempotent). The stock kernels are kept as fallbacks for the
 * configurations the replacements do not handle.
 */
export function installWasmKernels(): void {
  if (installed) return;
  // The package registers the stock kernels when loaded: load it first so they cannot overwrite ours.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-wasm');
  if (!ours) {
    const saved = saveStock();
    ours = new Map();
    for (const name of WASM_KERNEL_REPLACEMENTS) {
      const original = saved.get(name);
      const fallback = original ? (original.kernelFunc as unknown as WasmKernelFunc) : undefined;
      ours.set(name, { kernelName: name, backendName: 'wasm', kernelFunc: makers[name](fallback) as unknown as tf.KernelFunc });
    }
  }
  for (const name of WASM_KERNEL_REPLACEMENTS) replace(name, ours.get(name)!);
  installed = true;
}

/**
 * Restores the stock wasm kernels (for before/after measurements). Without the replacement,
 * `Conv2DBackpropFilter` is missing again on wasm.
 */
export function uninstallWasmKernels(): void {
  if (!installed) return;
  for (const name of WASM_KERNEL_REPLACEMENTS) replace(name, stock!.get(name) ?? null);
  installed = false;
}

/** Whether the fast wasm kernels are registered. */
export function wasmKernelsInstalled(): boolean {
  return installed;
}
