/**
 * Convolution gradients written as forward convolutions.
 *
 * The wasm backend's `Conv2D` (XNNPACK) is fast, but its `Conv2DBackpropInput` is a naive loop and
 * it has no `Conv2DBackpropFilter` at all. Both gradients are convolutions themselves:
 *
 * - input gradient: the upstream gradient, dilated by the stride and zero-padded by
 *   `k - 1 - pad`, convolved (stride 1) with the spatially flipped, in/out-transposed filter;
 * - filter gradient: the padded input with batch and channels swapped, convolved with the
 *   upstream gradient used as a filter, dilated by the stride.
 *
 * Written in TF.js ops, so they run (and are tested) on every backend.
 */
import * as tf from '@tensorflow/tfjs';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

function convInfo(xShape: number[], filterShape: number[], strides: number | [number, number], pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil') {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad as never,
    dimRoundingMode,
  );
}

/** Inserts `s - 1` zeros between rows and columns of `dy` (a no-op for stride 1). */
function dilate(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const six = tf.reshape(dy, [n, h, 1, w, 1, c]);
  const padded = tf.pad(six, [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const flat = tf.reshape(padded, [n, h * sh, w * sw, c]);
  return tf.slice(flat, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]) as tf.Tensor4D;
}

/** Gradient of `conv2d(x, filter, strides, pad)` (NHWC, dilation 1) with respect to `x`. */
export function conv2dInputGradient(
  xShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(xShape, filter.shape, strides, pad, dimRoundingMode);
    const [sh, sw] = pair(strides);
    const [kh, kw] = [filter.shape[0], filter.shape[1]];
    const d = dilate(dy, sh, sw);
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = xShape[1] + kh - 1 - d.shape[1] - top;
    const right = xShape[2] + kw - 1 - d.shape[2] - left;
    // Negative amounts (padding larger than the kernel) crop instead of pad.
    let p = tf.pad(d, [
      [0, 0],
      [Math.max(top, 0), Math.max(bottom, 0)],
      [Math.max(left, 0), Math.max(right, 0)],
      [0, 0],
    ]);
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      const t0 = Math.max(-top, 0);
      const l0 = Math.max(-left, 0);
      p = tf.slice(p, [0, t0, l0, 0], [-1, p.shape[1] - t0 - Math.max(-bottom, 0), p.shape[2] - l0 - Math.max(-right, 0), -1]);
    }
    const wFlip = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(p, wFlip, 1, 'valid');
  });
}

/** Gradient of `conv2d(x, filter, strides, pad)` (NHWC, dilation 1) with respect to `filter`. */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(x.shape, filterShape, strides, pad, dimRoundingMode);
    const [sh, sw] = pair(strides);
    const [kh, kw] = [filterShape[0], filterShape[1]];
    const { top, bottom, left, right } = info.padInfo;
    const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
    const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [ci, H, W, n]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, n, co]
    const g = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [sh, sw]); // [ci, >=kh, >=kw, co]
    const cropped = g.shape[1] === kh && g.shape[2] === kw ? g : tf.slice(g, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

let original: tf.GradConfig | undefined;

/**
 * Replaces the gradient of the `Conv2D` kernel with the convolution-based one above (NHWC,
 * dilation 1; other configurations keep the stock gradient). Global in TF.js: installed once.
 */
export function installConvGradient(): void {
  if (original) return;
  original = tf.getGradient('Conv2D');
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as { strides: [number, number]; pad: Pad; dataFormat: string; dilations: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
      const [dh, dw] = pair(a.dilations ?? 1);
      if (a.dataFormat === 'NCHW' || dh !== 1 || dw !== 1) return original!.gradFunc(dy, saved, attrs);
      return {
        x: () => conv2dInputGradient(x.shape, dy as tf.Tensor4D, filter, a.strides, a.pad, a.dimRoundingMode),
        filter: () => conv2dFilterGradient(x, dy as tf.Tensor4D, filter.shape, a.strides, a.pad, a.dimRoundingMode),
      };
    },
  });
}
