import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { type Model } from 'saplab';
import { averagedCorrect, averagedLogProbs, averagedProbs, scoreInputs, selectBool, worstCaseKey } from '../../lib/attacks/scores';
import { expectNoLeak } from '../helpers';
import { values } from './tiny_models';

/**
 * A stochastic model whose pass `k` returns the fixed logits `table[k % table.length]` for every
 * row (independent of `x`), so averages over passes have closed forms.
 */
function cycling(table: number[][], independentRows = false): Model & { calls: () => number } {
  let calls = 0;
  const m = ((x: tf.Tensor4D) => {
    const z = table[calls++ % table.length];
    return tf.tidy(() => tf.tile(tf.tensor2d([z]), [x.shape[0], 1]) as tf.Tensor2D);
  }) as Model & { calls: () => number };
  m.stochastic = true;
  m.independentRows = independentRows;
  m.calls = () => calls;
  return m;
}

const softmax = (z: number[]) => {
  const e = z.map((v) => Math.exp(v - Math.max(...z)));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
};

describe('averaged scoring', () => {
  const table = [
    [3, 0, 0],
    [0, 2, 0],
    [0, 0, 1],
    [1, 1, 0],
  ];
  const mean = [0, 1, 2].map((j) => table.reduce((s, z) => s + softmax(z)[j], 0) / table.length);
  const x = tf.zeros([3, 2, 2, 1]) as tf.Tensor4D;

  it.each([false, true])('averagedProbs is the mean softmax over the passes (rows stacked: %s)', (stack) => {
    const m = cycling(table, stack);
    const p = averagedProbs(m, x, 4);
    expect(p.shape).toEqual([3, 3]);
    if (!stack) expect(m.calls()).toBe(4);
    // With rows stacked, the 4 draws of 3 rows run as one pass of 12 rows (all from table[0]).
    const expected = stack ? softmax(table[0]) : mean;
    values(p).forEach((v, k) => expect(v).toBeCloseTo(expected[k % 3], 6));
    const logp = averagedLogProbs(cycling(table), x, 4);
    values(logp).forEach((v, k) => expect(v).toBeCloseTo(Math.log(mean[k % 3]), 5));
    tf.dispose([p, logp]);
  });

  it('averagedCorrect: argmax of the averaged softmax, not of any single pass', async () => {
    // Single passes predict 0, 1, 2, 0; the average favours class 0 (mean shown above).
    expect(mean[0]).toBeGreaterThan(mean[1]);
    const y = tf.tensor1d([0, 1, 2], 'int32');
    expect(await averagedCorrect(cycling(table), x, y, 4)).toEqual([true, false, false]);
    // One pass of the second table row predicts class 1.
    expect(await averagedCorrect(cycling(table.slice(1)), x, y, 1)).toEqual([false, true, false]);
    y.dispose();
  });

  it('worstCaseKey: broken + (1 - p_y) untargeted, reached + p_t targeted', () => {
    const p = tf.tensor2d([
      [0.6, 0.3, 0.1],
      [0.2, 0.5, 0.3],
      [0.4, 0.4, 0.2],
    ]);
    const y = tf.tensor1d([0, 0, 1], 'int32');
    const k = worstCaseKey(p, y);
    // Row 2 is a tie; argmax takes the first class (0), so label 1 counts as broken.
    [0.4, 1.8, 1.6].forEach((v, i) => expect(values(k)[i]).toBeCloseTo(v, 6));
    const kt = worstCaseKey(p, y, true);
    [1.6, 0.2, 0.4].forEach((v, i) => expect(values(kt)[i]).toBeCloseTo(v, 6));
    tf.dispose([p, y, k, kt]);
  });

  it('scoreInputs: broken, loss and key from the same averaged predictions', () => {
    const y = tf.tensor1d([0, 1, 2], 'int32');
    const s = scoreInputs(cycling(table), x, y, { samples: 4, loss: 'ce', targeted: false });
    expect(Array.from(s.broken.dataSync())).toEqual([0, 1, 1]);
    values(s.loss).forEach((v, i) => expect(v).toBeCloseTo(-Math.log(mean[i]), 5));
    values(s.key).forEach((v, i) => expect(v).toBeCloseTo((i === 0 ? 0 : 1) + 1 - mean[i], 5));
    tf.dispose([y, s.broken, s.loss, s.key]);
  });

  it('selectBool picks per element', () => {
    const c = tf.tensor1d([1, 0, 1, 0], 'bool');
    const a = tf.tensor1d([1, 1, 0, 0], 'bool');
    const b = tf.tensor1d([0, 1, 1, 0], 'bool');
    const out = selectBool(c, a, b);
    expect(Array.from(out.dataSync())).toEqual([1, 1, 0, 0]);
    tf.dispose([c, a, b, out]);
  });

  it('leaves no tensors behind', async () => {
    const y = tf.tensor1d([0, 1, 2], 'int32');
    await expectNoLeak(() => averagedProbs(cycling(table, true), x, 5), (t) => t.dispose());
    await expectNoLeak(() => averagedCorrect(cycling(table), x, y, 3));
    y.dispose();
  });
});
