/** Helpers for tests that compare the wasm backend (with saplab's kernels) with the cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from 'saplab';

/** Activates wasm through `initBackend` (which installs saplab's wasm kernels). */
export async function useWasm(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
}

/** Runs `fn` on the given backend and returns the values of the tensors it returns. */
export async function valuesOn(backend: 'wasm' | 'cpu', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  if (previous !== backend) await tf.setBackend(backend);
  try {
    return tf.tidy(() => fn().map((t) => t.dataSync() as Float32Array));
  } finally {
    if (previous !== backend) await tf.setBackend(previous);
  }
}

/** Largest absolute difference, relative to `1 + max |reference|`. */
export function relativeError(actual: Float32Array, reference: Float32Array): number {
  if (actual.length !== reference.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - reference[i]);
    if (!(d <= diff)) diff = d; // NaN propagates
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return diff / (1 + scale);
}

/** Live tensors and backend buffers, to check that a computation leaves nothing behind. */
export function liveCounts(): { tensors: number; buffers: number } {
  const m = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
  return { tensors: m.numTensors, buffers: m.numDataBuffers };
}

/** Float32 tolerance for sums of up to a few thousand products. */
export const FLOAT_TOLERANCE = 2e-5;
