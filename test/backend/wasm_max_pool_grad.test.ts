import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useWasm, valuesOn, relativeError, liveCounts } from './backend_compare';

interface Case {
  x: [number, number, number, number];
  size: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [3, 9, 7, 4], size: 2, strides: 2, pad: 'valid' },
  { x: [1, 9, 9, 2], size: 2, strides: 2, pad: 'same' },
  { x: [2, 9, 9, 5], size: 3, strides: 2, pad: 'same' },
  { x: [2, 10, 10, 3], size: 3, strides: 2, pad: 'valid' },
  { x: [1, 7, 7, 6], size: 3, strides: 1, pad: 'same' },
  { x: [2, 6, 9, 2], size: [2, 3], strides: [1, 2], pad: 'valid' },
  { x: [2, 5, 5, 3], size: 1, strides: 2, pad: 'valid' },
  { x: [2, 8, 8, 64], size: 2, strides: 2, pad: 'valid' },
  { x: [1, 6, 6, 2], size: 3, strides: 1, pad: 1 },
];

type Input = 'normal' | 'ties' | 'negative' | 'relu';
const INPUTS: Input[] = ['normal', 'ties', 'negative', 'relu'];

function input(c: Case, kind: Input): tf.Tensor4D {
  const x = tf.randomNormal(c.x, 0, 1, 'float32', 31);
  if (kind === 'ties') return tf.round(x) as tf.Tensor4D; // many exact ties per window
  if (kind === 'negative') return tf.sub(tf.neg(tf.abs(x)), 0.5) as tf.Tensor4D; // every window <= -0.5
  if (kind === 'relu') return tf.relu(x) as tf.Tensor4D; // all-zero windows
  return x as tf.Tensor4D;
}

function poolGrad(c: Case, kind: Input): tf.Tensor[] {
  const x = input(c, kind);
  const pool = (a: tf.Tensor4D) => tf.maxPool(a, c.size, c.strides, c.pad);
  const dy = tf.randomNormal(pool(x).shape, 0, 1, 'float32', 32);
  return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a as tf.Tensor4D), dy)))(x)];
}

describe('wasm MaxPoolGrad', () => {
  beforeAll(useWasm);

  for (const c of CASES) {
    for (const kind of INPUTS) {
      it(`matches the cpu backend: x ${c.x.join('x')} size ${c.size} stride ${c.strides} pad ${c.pad}, ${kind} input`, async () => {
        const [got] = await valuesOn('wasm', () => poolGrad(c, kind));
        const [ref] = await valuesOn('cpu', () => poolGrad(c, kind));
        // Non-overlapping windows: each dx element receives at most one term, so the match is exact.
        expect(relativeError(got, ref)).toBeLessThan(1e-6);
      });
    }
  }

  it('sends the gradient of a window to its first maximum only (row-major), like the cpu backend', async () => {
    // Windows: [1 1; 1 1] (four ties), [-3 -2; -2 -5] (negative tie), [0 0; 0 0], [2 7; 7 1].
    const x = tf.tensor4d([1, 1, -3, -2, 1, 1, -2, -5, 0, 0, 2, 7, 0, 0, 7, 1], [1, 4, 4, 1]);
    const dy = tf.tensor4d([10, 20, 30, 40], [1, 2, 2, 1]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), dy)))(x);
    expect(Array.from(g.dataSync())).toEqual([10, 0, 0, 20, 0, 0, 0, 0, 30, 0, 0, 40, 0, 0, 0, 0]);
    // The total gradient of each window is its upstream gradient (not multiplied by the ties).
    expect(tf.sum(g).dataSync()[0]).toBe(100);
    tf.dispose([x, dy, g]);
  });

  it('has the input shape and dtype and frees everything', () => {
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const before = liveCounts();
    for (let i = 0; i < 3; i++) {
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 3, 2, 'same')))(x);
      expect(g.shape).toEqual(x.shape);
      expect(g.dtype).toBe('float32');
      g.dispose();
    }
    expect(liveCounts()).toEqual(before);
    x.dispose();
  });
});
