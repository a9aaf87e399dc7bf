import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useWasm, valuesOn, relativeError, liveCounts, FLOAT_TOLERANCE } from './backend_compare';

/** [a shape, b shape] with b given as [..., n, k] (the transposeB layout). */
const CASES: [number[], number[]][] = [
  [[128, 128], [1600, 128]],
  [[5, 7], [9, 7]],
  [[1, 1], [1, 1]],
  [[1, 6, 4], [1, 3, 4]],
  [[2, 6, 4], [2, 3, 4]], // batched: stock kernel
  [[3, 5], [4, 5]],
];

function product(as: number[], bs: number[], ta: boolean, tb: boolean): tf.Tensor[] {
  // Shapes are given for the transposed-B layout; adapt them to each flag combination.
  const r = as.length;
  const swap = (s: number[]) => [...s.slice(0, -2), s[r - 1], s[r - 2]];
  const aShape = ta ? swap(as) : as;
  const bShape = tb ? bs : swap(bs);
  const a = tf.randomNormal(aShape, 0, 1, 'float32', 41);
  const b = tf.randomNormal(bShape, 0, 1, 'float32', 42);
  return [tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, ta, tb)];
}

describe('wasm BatchMatMul with transposed operands', () => {
  beforeAll(useWasm);

  for (const [as, bs] of CASES) {
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      it(`matches the cpu backend: a ${as.join('x')} b ${bs.join('x')} transposeA ${ta} transposeB ${tb}`, async () => {
        const shape = tf.tidy(() => product(as, bs, ta, tb)[0].shape);
        const [got] = await valuesOn('wasm', () => product(as, bs, ta, tb));
        const [ref] = await valuesOn('cpu', () => product(as, bs, ta, tb));
        expect(shape).toEqual([...as.slice(0, -2), as[as.length - 2], bs[bs.length - 2]]);
        expect(relativeError(got, ref)).toBeLessThan(FLOAT_TOLERANCE);
      });
    }
  }

  it('dense-layer gradients match cpu and leave nothing behind', async () => {
    const grads = () => {
      const x = tf.randomNormal([16, 40], 0, 1, 'float32', 51);
      const w = tf.randomNormal([40, 12], 0, 1, 'float32', 52);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D))))([x, w]);
    };
    const before = liveCounts();
    const got = await valuesOn('wasm', grads);
    expect(liveCounts()).toEqual(before);
    const ref = await valuesOn('cpu', grads);
    expect(relativeError(got[0], ref[0])).toBeLessThan(FLOAT_TOLERANCE);
    expect(relativeError(got[1], ref[1])).toBeLessThan(FLOAT_TOLERANCE);
  });
});
