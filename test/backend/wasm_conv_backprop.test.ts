import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { installWasmKernels, uninstallWasmKernels } from 'saplab';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  conv2dBackpropFilter,
  conv2dBackpropFilterGemm,
  conv2dBackpropInput,
  conv2dBackpropInputGemm,
  filterGradientByGemm,
  inputGradientByGemm,
} from '../../lib/backend/wasm_conv_backprop';
import { useWasm, valuesOn, relativeError, liveCounts, FLOAT_TOLERANCE } from './backend_compare';

type Pad = 'valid' | 'same' | tf.backend_util.ExplicitPadding;
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  strides: number | [number, number];
  pad: Pad;
}

/** A deterministic spread of configurations: strides 1/2/3 and mixed, valid/same/explicit, odd sizes, 1x1. */
function cases(): Case[] {
  const out: Case[] = [];
  const sizes: [number, number][] = [
    [7, 7],
    [8, 8],
    [9, 6],
    [5, 11],
  ];
  const kernels: [number, number][] = [
    [1, 1],
    [3, 3],
    [2, 3],
    [5, 5],
  ];
  const channels: [number, number][] = [
    [1, 4],
    [3, 2],
    [8, 16],
    [5, 7],
  ];
  const stridesList: (number | [number, number])[] = [1, 2, [2, 1], 3];
  let i = 0;
  for (const strides of stridesList) {
    for (const pad of ['valid', 'same'] as const) {
      for (const k of kernels) {
        const [h, w] = sizes[i % sizes.length];
        const [ci, co] = channels[(i + Math.floor(i / 4)) % channels.length];
        const n = i % 3 === 0 ? 1 : 3;
        i++;
        if (pad === 'valid' && (k[0] > h || k[1] > w)) continue;
        out.push({ x: [n, h, w, ci], k, co, strides, pad });
      }
    }
  }
  out.push({ x: [2, 7, 8, 3], k: [3, 3], co: 4, strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] });
  out.push({ x: [2, 9, 9, 3], k: [3, 2], co: 4, strides: 2, pad: [[0, 0], [2, 0], [1, 1], [0, 0]] });
  out.push({ x: [1, 6, 6, 2], k: [1, 1], co: 3, strides: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] });
  return out;
}

function label(c: Case): string {
  return `x ${c.x.join('x')} k ${c.k.join('x')} co ${c.co} stride ${c.strides} pad ${JSON.stringify(c.pad)}`;
}

/** dx and dfilter (or dx only) of sum(conv2d(x, w) * dy) for seeded x, w, dy. */
function convGrads(c: Case, inputOnly = false): tf.Tensor[] {
  const x = tf.randomNormal(c.x, 0, 1, 'float32', 11) as tf.Tensor4D;
  const w = tf.randomNormal([c.k[0], c.k[1], c.x[3], c.co], 0, 1, 'float32', 12) as tf.Tensor4D;
  const conv = (a: tf.Tensor4D, f: tf.Tensor4D) => tf.conv2d(a, f, c.strides, c.pad as never);
  const dy = tf.randomNormal(conv(x, w).shape, 0, 1, 'float32', 13);
  if (inputOnly) return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, w), dy)))(x)];
  return tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, f as tf.Tensor4D), dy)))([x, w]);
}

/** Same through tf.fused.conv2d with a linear activation and a bias (its own gradient path). */
function fusedGrads(c: Case): tf.Tensor[] {
  const x = tf.randomNormal(c.x, 0, 1, 'float32', 21) as tf.Tensor4D;
  const w = tf.randomNormal([c.k[0], c.k[1], c.x[3], c.co], 0, 1, 'float32', 22) as tf.Tensor4D;
  const b = tf.randomNormal([c.co], 0, 1, 'float32', 23) as tf.Tensor1D;
  const conv = (a: tf.Tensor4D, f: tf.Tensor4D, bias: tf.Tensor1D) =>
    tf.fused.conv2d({ x: a, filter: f, bias, strides: c.strides, pad: c.pad as never, activation: 'linear' });
  const dy = tf.randomNormal(conv(x, w, b).shape, 0, 1, 'float32', 24);
  return tf.grads((a: tf.Tensor, f: tf.Tensor, bias: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, f as tf.Tensor4D, bias as tf.Tensor1D), dy)))([x, w, b]);
}

describe('wasm Conv2DBackpropInput / Conv2DBackpropFilter', () => {
  beforeAll(useWasm);

  it('are registered on wasm and the filter gradient exists', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBeDefined();
  });

  for (const c of cases()) {
    it(`match the cpu backend: ${label(c)}`, async () => {
      const [dx, dw] = await valuesOn('wasm', () => convGrads(c));
      const [rx, rw] = await valuesOn('cpu', () => convGrads(c));
      expect(dx.length).toBe(rx.length);
      expect(dw.length).toBe(rw.length);
      expect(relativeError(dx, rx)).toBeLessThan(FLOAT_TOLERANCE);
      expect(relativeError(dw, rw)).toBeLessThan(FLOAT_TOLERANCE);
    });
  }

  it('the input gradient matches the stock wasm kernel on all configurations', async () => {
    const ours = [];
    for (const c of cases()) ours.push((await valuesOn('wasm', () => convGrads(c, true)))[0]);
    uninstallWasmKernels();
    try {
      const all = cases();
      for (let i = 0; i < all.length; i++) {
        const [stock] = await valuesOn('wasm', () => convGrads(all[i], true));
        expect(relativeError(ours[i], stock), label(all[i])).toBeLessThan(FLOAT_TOLERANCE);
      }
    } finally {
      installWasmKernels();
    }
  });

  for (const c of [cases()[5], cases()[20], cases()[cases().length - 2]]) {
    it(`fused linear conv2d gradients (dx, dfilter, dbias) match cpu: ${label(c)}`, async () => {
      const got = await valuesOn('wasm', () => fusedGrads(c));
      const ref = await valuesOn('cpu', () => fusedGrads(c));
      for (let i = 0; i < 3; i++) expect(relativeError(got[i], ref[i])).toBeLessThan(FLOAT_TOLERANCE);
    });
  }

  it('the case list exercises both routes of each gradient', () => {
    const all = cases();
    const routes = (f: (kh: number, kw: number, ci: number, strides: number | [number, number]) => boolean) => new Set(all.map((c) => f(c.k[0], c.k[1], c.x[3], c.strides)));
    expect(routes(inputGradientByGemm)).toEqual(new Set([true, false]));
    expect(routes(filterGradientByGemm)).toEqual(new Set([true, false]));
  });

  it('both implementations of each gradient (convolution and matrix product) match cpu on every case', async () => {
    const backend = tf.backend() as unknown as BackendWasm;
    const read = (info: tf.TensorInfo) => {
      const v = backend.readSync(info.dataId) as Float32Array;
      backend.disposeData(info.dataId);
      return v;
    };
    for (const c of cases()) {
      const [rx, rw] = await valuesOn('cpu', () => convGrads(c));
      const got = tf.tidy(() => {
        const x = tf.randomNormal(c.x, 0, 1, 'float32', 11) as tf.Tensor4D;
        const w = tf.randomNormal([c.k[0], c.k[1], c.x[3], c.co], 0, 1, 'float32', 12) as tf.Tensor4D;
        const dy = tf.randomNormal(tf.conv2d(x, w, c.strides, c.pad as never).shape, 0, 1, 'float32', 13);
        const fs = w.shape as [number, number, number, number];
        return [
          read(conv2dBackpropInput(backend, dy, w, c.x, c.strides, c.pad)),
          read(conv2dBackpropInputGemm(backend, dy, w, c.x, c.strides, c.pad)),
          read(conv2dBackpropFilter(backend, x, dy, fs, c.strides, c.pad)),
          read(conv2dBackpropFilterGemm(backend, x, dy, fs, c.strides, c.pad)),
        ];
      });
      for (let i = 0; i < 4; i++) expect(relativeError(got[i], i < 2 ? rx : rw), `${label(c)} implementation ${i}`).toBeLessThan(FLOAT_TOLERANCE);
    }
  });

  it('runs the kernels directly with the right shapes and frees every intermediate', () => {
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 5, 5, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
    const before = liveCounts();
    for (let i = 0; i < 3; i++) {
      const dx = tf.conv2dTranspose(dy, w, [2, 9, 9, 3], 2, 'same');
      tf.tidy(() => {
        // The matrix-product routes (1x1 filter; one input channel).
        const dx1 = tf.conv2dTranspose(dy, tf.slice(w, [0, 0, 0, 0], [1, 1, 3, 4]), [2, 9, 9, 3], 2, 'same');
        expect(dx1.shape).toEqual([2, 9, 9, 3]);
        const dw1 = tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]), dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 4] }) as tf.Tensor;
        expect(dw1.shape).toEqual([3, 3, 1, 4]);
      });
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] }) as tf.Tensor;
      expect(dx.shape).toEqual([2, 9, 9, 3]);
      expect(dw.shape).toEqual([3, 3, 3, 4]);
      expect(dx.dtype).toBe('float32');
      tf.dispose([dx, dw]);
    }
    expect(liveCounts()).toEqual(before);
    tf.dispose([x, w, dy]);
  });

  it('rejects NCHW in the filter gradient with a clear message', () => {
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 2, 3, 3]);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2] })).toThrow(/NHWC/);
    tf.dispose([x, dy]);
  });
});
