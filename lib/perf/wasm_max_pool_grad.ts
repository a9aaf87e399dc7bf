/**
 * `MaxPoolGrad` for the wasm backend: one pass over the pooling windows in JavaScript, on views of
 * the wasm heap (no copies, no intermediate tensors).
 *
 * For each output position the first maximum of its window (row-major order, positions in the
 * padding excluded, NaN never a maximum) receives the upstream gradient; overlapping windows add
 * up. That is the subgradient the cpu backend and TensorFlow use. The stock wasm kernel of
 * tfjs-backend-wasm 4.22 instead takes the last maximum and drops the gradient of windows whose
 * values are all `<= 0` (its running maximum starts at the smallest positive float), which is
 * harmless after a ReLU but wrong in general.
 *
 * Ties: sending the gradient to every tied maximum (a mask `x == upsampled max`) would multiply
 * the gradient of a window by the number of ties; this kernel keeps exactly one, like the cpu
 * backend, so gradients agree with it even on inputs full of ties (zeros after a ReLU).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmKernelArgs, WasmKernelFunc } from './wasm_kernel_util';

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Makes the `MaxPoolGrad` kernel; `fallback` (the stock kernel) handles non-float32 inputs. */
export function makeMaxPoolGrad(fallback?: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    if ((input.dtype !== 'float32' || dy.dtype !== 'float32') && fallback) return fallback(args);
    const a = args.attrs as unknown as MaxPoolGradAttrs;
    return maxPoolGrad(args.backend, dy, input, a.filterSize, a.strides, a.pad, a.dimRoundingMode);
  };
}

/** Gradient of `maxPool(x)` (NHWC) with respect to `x`, given the upstream gradient `dy`. */
export function maxPoolGrad(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: MaxPoolGradAttrs['pad'],
  dimRoundingMode?: MaxPoolGradAttrs['dimRoundingMode'],
): tf.TensorInfo {
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad as never, dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top: padTop, left: padLeft } = info.padInfo;
  if (dy.shape[1] !== oh || dy.shape[2] !== ow) throw new Error(`MaxPoolGrad: dy has shape ${dy.shape}, expected [${n}, ${oh}, ${ow}, ${c}]`);
  const dx = backend.makeOutput(x.shape, 'float32');
  // Views are taken after the allocation above (an allocation may grow and move the heap).
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const dyv = backend.typedArrayFromHeap(dy) as Float32Array;
  const dxv = backend.typedArrayFromHeap(dx) as Float32Array;
  dxv.fill(0);
  const rowStride = w * c;
  for (let b = 0; b < n; b++) {
    const xBatch = b * h * rowStride;
    for (let yr = 0; yr < oh; yr++) {
      const r0 = yr * sh - padTop;
      const rMin = Math.max(r0, 0);
      const rMax = Math.min(r0 + fh, h);
      for (let yc = 0; yc < ow; yc++) {
        const c0 = yc * sw - padLeft;
        const cMin = Math.max(c0, 0);
        const cMax = Math.min(c0 + fw, w);
        const dyBase = ((b * oh + yr) * ow + yc) * c;
        const corner = xBatch + rMin * rowStride + cMin * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let where = -1;
          for (let r = rMin, rowBase = corner + ch; r < rMax; r++, rowBase += rowStride) {
            for (let col = cMin, p = rowBase; col < cMax; col++, p += c) {
              const v = xv[p];
              if (v > best) {
                best = v;
                where = p;
              }
            }
          }
          if (where >= 0) dxv[where] += dyv[dyBase + ch];
        }
      }
    }
  }
  return dx;
}
