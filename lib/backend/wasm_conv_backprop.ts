/**
 * `Conv2DBackpropInput` and `Conv2DBackpropFilter` for the wasm backend, computed by its fast
 * `Conv2D` kernel (XNNPACK). The stock `Conv2DBackpropInput` of tfjs-backend-wasm 4.22 is a naive
 * loop and there is no `Conv2DBackpropFilter` at all, so every gradient that needs it (e.g. the
 * one of `tf.fused.conv2d` with a linear activation, used by conv layers without activation)
 * fails on wasm. Both gradients of `y = conv2d(x, w, stride s, pad p)` (NHWC, dilation 1) are
 * convolutions themselves:
 *
 * - input gradient: `dy` dilated by the stride (`s - 1` zeros between rows and between
 *   columns), zero-padded by `k - 1 - p` before and the rest after, convolved with stride 1 with
 *   the spatially flipped filter whose in/out channels are swapped;
 * - filter gradient: the padded input with batch and channels swapped (`[ci, H, W, n]`)
 *   convolved with `dy` used as a filter (`[oh, ow, n, co]`) dilated by the stride; the result
 *   `[ci, kh, kw, co]` is transposed back to `[kh, kw, ci, co]`.
 *
 * Zero padding is passed to `Conv2D` as explicit padding (no padded copy is made). Where such a
 * convolution suits XNNPACK badly (one input channel, 1x1 filters, strides, tiny windows), the
 * gradients are computed instead as one matrix product (XNNPACK, through `BatchMatMul`) and a
 * col2im/im2col loop in JavaScript on the wasm heap; see `inputGradientByGemm` and
 * `filterGradientByGemm`.
 *
 * NCHW is not handled here: the input gradient then falls back to the stock kernel and the
 * filter gradient throws (the wasm `Conv2D` itself rejects NCHW, so that gradient cannot arise).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Scratch, WasmKernelArgs, WasmKernelFunc } from './wasm_kernel_util';

type DimRounding = 'floor' | 'round' | 'ceil' | undefined;
type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface BackpropAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: DimRounding;
}

/** Attributes of the wasm `Conv2D` kernel for a stride-1 convolution with explicit padding. */
function convAttrs(top: number, bottom: number, left: number, right: number, dilations: [number, number] = [1, 1]): tf.NamedAttrMap {
  return {
    strides: [1, 1],
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    dataFormat: 'NHWC',
    dilations,
  } as unknown as tf.NamedAttrMap;
}

/**
 * Whether the input gradient goes through `conv2dBackpropInputGemm` rather than a convolution:
 * for one input channel (the convolution would have a single output channel, which XNNPACK runs
 * at a fraction of its speed), for 1x1 filters (col2im is then a plain strided copy-add) and for
 * strides above 1 (the convolution would run over the stride-dilated gradient, mostly zeros).
 */
export function inputGradientByGemm(kh: number, kw: number, ci: number, strides: number | [number, number] = 1): boolean {
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  return ci === 1 || kh * kw === 1 || sh > 1 || sw > 1;
}

/**
 * Whether the filter gradient goes through `conv2dBackpropFilterGemm` rather than a convolution:
 * when a window holds few values (`kh·kw·ci <= 16`), the convolution has too few output pixels
 * for XNNPACK to be efficient, while im2col stays cheap.
 */
export function filterGradientByGemm(kh: number, kw: number, ci: number): boolean {
  return kh * kw * ci <= 16;
}

/**
 * Makes the `Conv2DBackpropInput` kernel. `fallback` (the stock kernel) handles what this one
 * does not (NCHW).
 */
export function makeConv2DBackpropInput(fallback?: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as BackpropAttrs & { inputShape: [number, number, number, number] };
    if (attrs.dataFormat === 'NCHW') {
      if (fallback) return fallback(args);
      throw new Error('Conv2DBackpropInput: the wasm backend supports NHWC only');
    }
    const [kh, kw, ci] = filter.shape;
    const impl = inputGradientByGemm(kh, kw, ci, attrs.strides) ? conv2dBackpropInputGemm : conv2dBackpropInput;
    return impl(args.backend, dy, filter, attrs.inputShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  };
}

/** The input gradient of an NHWC, dilation-1 `conv2d`, as a wasm `Conv2D`. */
export function conv2dBackpropInput(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadAttr,
  dimRoundingMode?: DimRounding,
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad as never, dimRoundingMode, false, 'channelsLast');
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inHeight, inWidth } = info;
  const [n, oh, ow, co] = dy.shape;
  const s = new Scratch(backend);
  try {
    // Dilate dy by the stride: [n, oh, 1, ow, 1, co] padded to [n, oh, sh, ow, sw, co].
    // This leaves sh - 1 (sw - 1) extra zero rows (columns) after the last one.
    let d = dy;
    let rows = oh;
    let cols = ow;
    if (sh > 1 || sw > 1) {
      const six = s.run('Reshape', { x: dy }, { shape: [n, oh, 1, ow, 1, co] });
      const padded = s.run('PadV2', { x: six }, {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      } as unknown as tf.NamedAttrMap);
      rows = oh * sh;
      cols = ow * sw;
      d = s.run('Reshape', { x: padded }, { shape: [n, rows, cols, co] });
    }
    // Padding of the (dilated) gradient so that a stride-1 'valid' convolution gives [H, W].
    let top = kh - 1 - info.padInfo.top;
    let left = kw - 1 - info.padInfo.left;
    let bottom = inHeight + kh - 1 - rows - top;
    let right = inWidth + kw - 1 - cols - left;
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      // More padding than kernel (or odd sizes with a stride): crop instead of padding.
      const t0 = Math.max(-top, 0);
      const l0 = Math.max(-left, 0);
      const size = [n, rows - t0 - Math.max(-bottom, 0), cols - l0 - Math.max(-right, 0), co];
      d = s.run('Slice', { x: d }, { begin: [0, t0, l0, 0], size });
      [top, bottom, left, right] = [Math.max(top, 0), Math.max(bottom, 0), Math.max(left, 0), Math.max(right, 0)];
    }
    // Flipped, in/out-transposed filter: [kh, kw, ci, co] -> [kh, kw, co, ci].
    const flipped = kh > 1 || kw > 1 ? s.run('Reverse', { x: filter }, { dims: [0, 1] }) : filter;
    const wT = s.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    return s.keep('Conv2D', { x: d, filter: wT }, convAttrs(top, bottom, left, right));
  } finally {
    s.dispose();
  }
}

/** Makes the `Conv2DBackpropFilter` kernel (the wasm backend has no stock one). */
export function makeConv2DBackpropFilter(fallback?: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as BackpropAttrs & { filterShape: [number, number, number, number] };
    if (attrs.dataFormat === 'NCHW') {
      if (fallback) return fallback(args);
      throw new Error('Conv2DBackpropFilter: the wasm backend supports NHWC only');
    }
    const [kh, kw, ci] = attrs.filterShape;
    const impl = filterGradientByGemm(kh, kw, ci) ? conv2dBackpropFilterGemm : conv2dBackpropFilter;
    return impl(args.backend, x, dy, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  };
}

/** The filter gradient of an NHWC, dilation-1 `conv2d`, as a wasm `Conv2D`. */
export function conv2dBackpropFilter(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadAttr,
  dimRoundingMode?: DimRounding,
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad as never, dimRoundingMode, false, 'channelsLast');
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const s = new Scratch(backend);
  try {
    const xT = s.run('Transpose', { x }, { perm: [3, 1, 2, 0] }); // [ci, H, W, n]
    const dyT = s.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, n, co]
    // Rows (columns) past the last window ('valid' with a stride) only feed outputs beyond kh.
    let g = s.run('Conv2D', { x: xT, filter: dyT }, convAttrs(top, bottom, left, right, [sh, sw])); // [ci, >=kh, >=kw, co]
    if (g.shape[1] !== kh || g.shape[2] !== kw) {
      g = s.run('Slice', { x: g }, { begin: [0, 0, 0, 0], size: [g.shape[0], kh, kw, g.shape[3]] });
    }
    return s.keep('Transpose', { x: g }, { perm: [1, 2, 0, 3] });
  } finally {
    s.dispose();
  }
}

/**
 * Input gradient as a matrix product and a scatter-add: `cols = dy · wᵀ` (`[n·oh·ow, kh·kw·ci]`,
 * XNNPACK) then each row of `cols` is added into the input positions its window covers (col2im,
 * a JavaScript loop on the wasm heap).
 */
export function conv2dBackpropInputGemm(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadAttr,
  dimRoundingMode?: DimRounding,
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad as never, dimRoundingMode, false, 'channelsLast');
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const [n, oh, ow] = dy.shape;
  const k = kh * kw * ci;
  const s = new Scratch(backend);
  try {
    const a = s.run('Reshape', { x: dy }, { shape: [1, n * oh * ow, co] });
    const b = s.run('Reshape', { x: filter }, { shape: [1, k, co] });
    const cols = s.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: true });
    const dx = backend.makeOutput([n, h, w, ci], 'float32');
    const cv = backend.typedArrayFromHeap(cols) as Float32Array;
    const dxv = backend.typedArrayFromHeap(dx) as Float32Array;
    dxv.fill(0);
    col2im(cv, dxv, n, h, w, ci, oh, ow, kh, kw, sh, sw, info.padInfo.top, info.padInfo.left);
    return dx;
  } finally {
    s.dispose();
  }
}

/** Adds each row of `cols` (`[n·oh·ow, kh·kw·ci]`) into the input positions of its window. */
function col2im(cols: Float32Array, dx: Float32Array, n: number, h: number, w: number, ci: number, oh: number, ow: number, kh: number, kw: number, sh: number, sw: number, padTop: number, padLeft: number): void {
  const k = kh * kw * ci;
  let row = 0;
  for (let b = 0; b < n; b++) {
    const imageBase = b * h * w * ci;
    for (let i = 0; i < oh; i++) {
      const r0 = i * sh - padTop;
      for (let j = 0; j < ow; j++, row += k) {
        const c0 = j * sw - padLeft;
        for (let a = 0; a < kh; a++) {
          const r = r0 + a;
          if (r < 0 || r >= h) continue;
          const rowBase = imageBase + r * w * ci;
          const tapBase = row + a * kw * ci;
          for (let q = 0; q < kw; q++) {
            const c = c0 + q;
            if (c < 0 || c >= w) continue;
            const dst = rowBase + c * ci;
            const src = tapBase + q * ci;
            for (let ch = 0; ch < ci; ch++) dx[dst + ch] += cols[src + ch];
          }
        }
      }
    }
  }
}

/** Copies the window of every output position into a row of `cols` (`[n·oh·ow, kh·kw·ci]`, zeros in the padding). */
function im2col(x: Float32Array, cols: Float32Array, n: number, h: number, w: number, ci: number, oh: number, ow: number, kh: number, kw: number, sh: number, sw: number, padTop: number, padLeft: number): void {
  const k = kh * kw * ci;
  let row = 0;
  for (let b = 0; b < n; b++) {
    const imageBase = b * h * w * ci;
    for (let i = 0; i < oh; i++) {
      const r0 = i * sh - padTop;
      for (let j = 0; j < ow; j++, row += k) {
        const c0 = j * sw - padLeft;
        for (let a = 0; a < kh; a++) {
          const r = r0 + a;
          const tapBase = row + a * kw * ci;
          if (r < 0 || r >= h) {
            cols.fill(0, tapBase, tapBase + kw * ci);
            continue;
          }
          const rowBase = imageBase + r * w * ci;
          for (let q = 0; q < kw; q++) {
            const c = c0 + q;
            const dst = tapBase + q * ci;
            if (c < 0 || c >= w) {
              cols.fill(0, dst, dst + ci);
              continue;
            }
            const src = rowBase + c * ci;
            if (ci === 1) cols[dst] = x[src];
            else for (let ch = 0; ch < ci; ch++) cols[dst + ch] = x[src + ch];
          }
        }
      }
    }
  }
}

/** Filter gradient as `im2col(x)ᵀ · dy` (im2col in JavaScript, the product by XNNPACK). */
export function conv2dBackpropFilterGemm(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadAttr,
  dimRoundingMode?: DimRounding,
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad as never, dimRoundingMode, false, 'channelsLast');
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const [n, oh, ow] = dy.shape;
  const k = kh * kw * ci;
  const s = new Scratch(backend);
  try {
    const cols = backend.makeOutput([1, n * oh * ow, k], 'float32');
    s.track(cols);
    im2col(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(cols) as Float32Array, n, h, w, ci, oh, ow, kh, kw, sh, sw, info.padInfo.top, info.padInfo.left);
    const b = s.run('Reshape', { x: dy }, { shape: [1, n * oh * ow, co] });
    const dw = s.run('BatchMatMul', { a: cols, b }, { transposeA: true, transposeB: false });
    return s.keep('Reshape', { x: dw }, { shape: filterShape });
  } finally {
    s.dispose();
  }
}
