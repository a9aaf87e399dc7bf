import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ABSTAIN, binomialTestTwoSided, certifiedAccuracy, certify, clopperPearson, clopperPearsonLower, pgd, predictSmoothed, withGaussianSmoothing } from 'saplab';
import { binomialPmf } from '../../lib/metrics/binomial';
import { normalCdf, normalQuantile } from '../../lib/metrics/normal';
import { expectNoLeak } from '../helpers';
import { binaryDecision, binaryModel, imagesAt, linearModel } from './smoothing_models';

const SIGMA = 0.25;
// Signed L2 distances of the images from the binary model's boundary (class 0 for t > 0).
const TS = [0.01, 0.05, 0.1, 0.15, 0.2, 0.25, -0.12, -0.2];
const N = 20000;
const ALPHA = 0.001;

/** Radius CERTIFY gives for `nA` votes out of `n` (0 below 1/2). */
function radiusOf(nA: number): number {
  const p = clopperPearsonLower(Math.max(0, Math.min(N, Math.round(nA))), N, ALPHA);
  return p < 0.5 ? 0 : SIGMA * normalQuantile(p);
}

describe('certify on a linear classifier (closed form p_A = Phi(margin / (sigma ||w||)))', () => {
  const model = withGaussianSmoothing(binaryModel(), { sigma: SIGMA });
  const x = imagesAt(TS);
  const result = certify(model, x, { n0: 100, n: N, alpha: ALPHA, seed: 4 });

  it('gives radii within the Clopper-Pearson slack of the closed form sigma Phi^-1(p_A) = |t|', () => {
    TS.forEach((t, i) => {
      const pA = normalCdf(Math.abs(t) / SIGMA);
      expect(SIGMA * normalQuantile(pA)).toBeCloseTo(Math.abs(t), 6); // the exact radius is the distance
      // The certified radius never exceeds the true one (fails with probability <= alpha per image).
      expect(result.radii[i]).toBeLessThanOrEqual(Math.abs(t));
      if (Math.abs(t) < 0.05) return; // p_A ~ 0.5: the selection may pick either class
      expect(result.predictions[i]).toBe(t > 0 ? 0 : 1);
      const sd = Math.sqrt(N * pA * (1 - pA));
      expect(result.radii[i]).toBeGreaterThanOrEqual(radiusOf(N * pA - 5 * sd) - 1e-12);
      expect(result.radii[i]).toBeLessThanOrEqual(radiusOf(N * pA + 5 * sd) + 1e-12);
      expect(result.radii[i]).toBeCloseTo(SIGMA * normalQuantile(result.pALower[i]), 12);
      expect(result.pALower[i]).toBeCloseTo(clopperPearsonLower(result.countsA[i], N, ALPHA), 12);
    });
    // The slack is small: at |t| = 0.2 the certified radius is within 0.02 of the truth.
    expect(result.radii[4]).toBeGreaterThan(0.18);
  });

  it('abstains where p_A < 1/2 (three classes at the symmetric point: p_A = 1/3)', () => {
    const cols = [0, 1, 2].map((k) => [Math.cos((2 * Math.PI * k) / 3), Math.sin((2 * Math.PI * k) / 3), 0, 0]);
    const three = withGaussianSmoothing(linearModel(cols), { sigma: SIGMA });
    const centre = tf.fill([3, 2, 2, 1], 0.5) as tf.Tensor4D;
    const r = certify(three, centre, { n0: 100, n: 3000, alpha: ALPHA, seed: 2 });
    expect(r.predictions).toEqual([ABSTAIN, ABSTAIN, ABSTAIN]);
    expect(r.radii).toEqual([0, 0, 0]);
    r.countsA.forEach((c) => expect(Math.abs(c / 3000 - 1 / 3)).toBeLessThan(5 * Math.sqrt(2 / 9 / 3000)));
    centre.dispose();
  });

  it('the certificate holds: PGD-L2 with EOT on the smoothed model does not flip g inside any certified radius', () => {
    const xs = tf.unstack(x).map((im) => tf.expandDims(im, 0) as tf.Tensor4D);
    const attackAt = (i: number, eps: number): number => {
      const y = tf.tensor1d([result.predictions[i]], 'int32');
      const adv = pgd(model, xs[i], y, { norm: 'l2', eps, steps: 12, eotSamples: 4, randomStart: false, seed: 3 });
      const out = binaryDecision(adv)[0]; // g of the linear model, exactly
      tf.dispose([y, adv]);
      return out;
    };
    let certified = 0;
    let caughtDroppedSigma = 0;
    let caughtUpperBound = 0;
    TS.forEach((t, i) => {
      if (result.predictions[i] === ABSTAIN || result.radii[i] === 0) return;
      certified++;
      const cls = result.predictions[i];
      expect(attackAt(i, result.radii[i])).toBe(cls);
      // The attack is strong enough to matter: just past the true distance it flips g.
      expect(attackAt(i, 1.02 * Math.abs(t))).not.toBe(cls);
      // Wrong formulas would be caught: a radius without sigma, or from the upper confidence bound.
      if (attackAt(i, normalQuantile(result.pALower[i])) !== cls) caughtDroppedSigma++;
      const upper = clopperPearson(result.countsA[i], N, 2 * ALPHA).upper;
      if (upper < 1 && attackAt(i, SIGMA * normalQuantile(upper)) !== cls) caughtUpperBound++;
    });
    expect(certified).toBeGreaterThanOrEqual(6);
    expect(caughtDroppedSigma).toBe(certified);
    expect(caughtUpperBound).toBe(certified);
    tf.dispose(xs);
  });

  it('same seed, same certificates; another seed, other counts', () => {
    const again = certify(model, x, { n0: 100, n: N, alpha: ALPHA, seed: 4 });
    expect(again).toEqual(result);
    const other = certify(model, x, { n0: 100, n: N, alpha: ALPHA, seed: 5 });
    expect(other.countsA).not.toEqual(result.countsA);
  });

  it('certified accuracy counts abstentions and radii below r as errors', () => {
    const y = TS.map((t) => (t > 0 ? 0 : 1));
    const acc = certifiedAccuracy(result, y, [0, 0.1, 0.3]);
    const expected = [0, 0.1, 0.3].map((r) => TS.filter((_, i) => result.predictions[i] === y[i] && result.radii[i] >= r).length / TS.length);
    expect(acc).toEqual(expected);
    expect(acc[2]).toBe(0); // no radius exceeds the largest distance 0.25
    expect(certifiedAccuracy({ predictions: [ABSTAIN, 1], radii: [0, 0.5] }, [0, 1], [0, 0.5, 0.6])).toEqual([0.5, 0.5, 0]);
    expect(() => certifiedAccuracy(result, [0], [0])).toThrow(/labels/);
  });

  it('reports progress over both sample sets and leaks no tensors', async () => {
    const seen: [number, number][] = [];
    const x2 = imagesAt([0.1, -0.1]);
    await expectNoLeak(() => certify(model, x2, { n0: 10, n: 40, batchSize: 30, onProgress: (d, t) => seen.push([d, t]) }));
    expect(seen[seen.length - 1]).toEqual([100, 100]);
    expect(seen.every(([d], k) => k === 0 || d > seen[k - 1][0])).toBe(true);
    x2.dispose();
  });

  it('rejects bad settings', () => {
    expect(() => certify(model, x, { n0: 200, n: 100 })).toThrow(/n0 \(200\) must not exceed n \(100\)/);
    for (const alpha of [0, 1, -0.1, NaN]) expect(() => certify(model, x, { n: 100, alpha })).toThrow(/alpha must be in \(0, 1\)/);
    expect(() => certify(model, x, { n: 0 })).toThrow(/n must be a positive integer/);
    expect(() => certify(binaryModel() as never, x, { n: 100 })).toThrow(/withGaussianSmoothing/);
    expect(() => predictSmoothed(model, x, { alpha: 2 })).toThrow(/alpha/);
  });
});

describe('predictSmoothed', () => {
  it('abstains at the stated rate on an image whose top two classes tie', () => {
    // At t = 0 both classes have probability 1/2: PREDICT must abstain except with probability
    // r = P(binomial test p-value <= alpha) <= alpha, computed exactly here.
    const n = 100;
    const alpha = 0.1;
    let r = 0;
    for (let k = 0; k <= n; k++) if (binomialTestTwoSided(Math.max(k, n - k), n, 0.5) <= alpha) r += binomialPmf(k, n, 0.5);
    expect(r).toBeLessThanOrEqual(alpha);
    expect(r).toBeGreaterThan(alpha / 2);
    const images = 400;
    const model = withGaussianSmoothing(binaryModel(), { sigma: SIGMA });
    const x = imagesAt(Array(images).fill(0));
    const pred = predictSmoothed(model, x, { n, alpha, seed: 8 });
    const answered = pred.filter((p) => p !== ABSTAIN).length / images;
    expect(Math.abs(answered - r)).toBeLessThan(4 * Math.sqrt((r * (1 - r)) / images));
    expect(pred.every((p) => p === ABSTAIN || p === 0 || p === 1)).toBe(true);
    x.dispose();
  });

  it('returns the class far from the boundary, is seeded and leaks nothing', async () => {
    const model = withGaussianSmoothing(binaryModel(), { sigma: SIGMA });
    const x = imagesAt([0.3, -0.3, 0.001]);
    const pred = await expectNoLeak(() => predictSmoothed(model, x, { n: 2000, seed: 1 }));
    expect(pred.slice(0, 2)).toEqual([0, 1]);
    expect(pred[2]).toBe(ABSTAIN); // p = Phi(0.004) ~ 0.5016: not separable from a tie with 2000 samples
    expect(predictSmoothed(model, x, { n: 2000, seed: 1 })).toEqual(pred);
    x.dispose();
  });
});
