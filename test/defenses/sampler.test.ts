import { describe, expect, it } from 'vitest';
import { Rng, keepProbability, drawCount } from 'saplab';
import { sapMultipliers } from '../../lib/defenses/sampler';

// The JavaScript sampler (used on the cpu backend and for 'poisson'), tested on typed arrays.
describe('sapMultipliers (JavaScript exact sampler)', () => {
  const n = 40;
  const rng0 = new Rng(21);
  const h = new Float32Array(n);
  for (let j = 0; j < n; j++) h[j] = rng0.next() < 0.3 ? 0 : Math.pow(rng0.next(), 3) * 2;
  h[5] = 4;
  const sum = h.reduce((a, b) => a + Math.abs(b), 0);

  for (const sampleFraction of [0.25, 1]) {
    it(`keeps unit j with probability 1-(1-p_j)^r and is unbiased (sampleFraction ${sampleFraction})`, () => {
      const r = drawCount(sampleFraction, n);
      const draws = 3000;
      const rng = new Rng(7);
      const out = new Float32Array(n);
      const keeps = new Float64Array(n);
      const sums = new Float64Array(n);
      let maxKept = 0;
      for (let d = 0; d < draws; d++) {
        const kept = sapMultipliers(h, 1, n, { sampleFraction, mode: 'exact' }, rng, out);
        maxKept = Math.max(maxKept, kept);
        for (let j = 0; j < n; j++) {
          if (out[j] !== 0) keeps[j]++;
          sums[j] += out[j] * h[j];
        }
      }
      for (let j = 0; j < n; j++) {
        const q = keepProbability(Math.abs(h[j]) / sum, r);
        expect(Math.abs(keeps[j] / draws - q)).toBeLessThanOrEqual(5 * Math.sqrt((q * (1 - q)) / draws) + 1e-12);
        const se = q > 0 ? Math.abs(h[j]) * Math.sqrt((1 / q - 1) / draws) : 0;
        expect(Math.abs(sums[j] / draws - h[j])).toBeLessThanOrEqual(5 * se + 1e-6);
      }
      expect(maxKept).toBeLessThanOrEqual(r);
    });
  }
});
