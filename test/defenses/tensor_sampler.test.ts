import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng, sap, keepProbability, drawCount } from 'saplab';
import { tensorSapExact } from '../../lib/defenses/tensor_sampler';
import { expectNoLeak } from '../helpers';

// The tensor-op sampler is the default on native backends only; here it is tested on cpu and wasm.
const n = 30;
const rng0 = new Rng(17);
const h = new Float32Array(n);
for (let j = 0; j < n; j++) h[j] = rng0.next() < 0.3 ? 0 : Math.pow(rng0.next(), 3) * 2;
h[2] = 4;
const sum = h.reduce((a, b) => a + Math.abs(b), 0);

async function onBackend<T>(name: string, fn: () => T): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend(name);
  try {
    return fn();
  } finally {
    await tf.setBackend(previous);
  }
}

describe.each(['cpu', 'wasm'])('tensor-op SAP sampler on %s', (backend) => {
  for (const sampleFraction of [0.25, 1]) {
    it(`keeps unit j with probability 1-(1-p_j)^r, at most r units, unbiased (sampleFraction ${sampleFraction})`, async () => {
      const r = drawCount(sampleFraction, n);
      const draws = 2000;
      const { yv, mv } = await onBackend(backend, () =>
        tf.tidy(() => {
          // Identical rows draw independently: one call gives `draws` samples.
          const x = tf.tile(tf.tensor2d(h, [1, n]), [draws, 1]);
          const [y, m] = tensorSapExact(x, r, 1234 + r);
          return { yv: y.dataSync(), mv: m.dataSync() };
        }),
      );
      let maxKept = 0;
      for (let d = 0; d < draws; d++) {
        let kept = 0;
        for (let j = 0; j < n; j++) if (mv[d * n + j] !== 0) kept++;
        maxKept = Math.max(maxKept, kept);
      }
      expect(maxKept).toBeLessThanOrEqual(r);
      for (let j = 0; j < n; j++) {
        const q = keepProbability(Math.abs(h[j]) / sum, r);
        let keeps = 0;
        let total = 0;
        for (let d = 0; d < draws; d++) {
          if (mv[d * n + j] !== 0) keeps++;
          total += yv[d * n + j];
        }
        expect(Math.abs(keeps / draws - q)).toBeLessThanOrEqual(5 * Math.sqrt((q * (1 - q)) / draws) + 1e-12);
        const se = q > 0 ? Math.abs(h[j]) * Math.sqrt((1 / q - 1) / draws) : 0;
        // float32 scale: relative error ~1e-6 on top of the sampling error.
        expect(Math.abs(total / draws - h[j])).toBeLessThanOrEqual(5 * se + 1e-5 * Math.abs(h[j]) + 1e-6);
        if (h[j] === 0) expect(keeps).toBe(0);
      }
    });
  }

  it('zeros all-zero rows, keeps shapes (rank 4), is selected by sap({ sampler }), and leaks nothing', async () => {
    await onBackend(backend, async () => {
      const x = tf.tensor4d([0, 0, 0, 0, 1, 2, 0, 3], [2, 2, 2, 1]);
      const [y, m] = tensorSapExact(x, 4, 5);
      expect(y.shape).toEqual([2, 2, 2, 1]);
      expect(Array.from(y.dataSync().slice(0, 4))).toEqual([0, 0, 0, 0]);
      tf.dispose([y, m]);
      await expectNoLeak(() => {
        const out = sap(x, { seed: 3, sampler: 'tensor-ops' });
        const g = tf.grad((a: tf.Tensor) => tf.sum(sap(a, { seed: 3, sampler: 'tensor-ops' })))(x);
        const v = [Array.from(out.dataSync()), Array.from(g.dataSync())];
        tf.dispose([out, g]);
        return v;
      });
      x.dispose();
    });
  });
});
