import { describe, expect, it } from 'vitest';
import { mcnemarExact, pairedMeanDifference, pairedProportionDifference, Rng, sampleSizeForPairedDifference } from 'saplab';
import { zForConfidence, normalQuantile } from '../../lib/metrics/normal';
import { binomialHalfCdf } from '../../lib/metrics/paired';

/** Paired flags from a 2x2 table: e pairs (1,1), f pairs (1,0), g pairs (0,1), h pairs (0,0). */
function pairs(e: number, f: number, g: number, h: number): { a: number[]; b: number[] } {
  const a: number[] = [];
  const b: number[] = [];
  const push = (k: number, x: number, y: number) => {
    for (let i = 0; i < k; i++) {
      a.push(x);
      b.push(y);
    }
  };
  push(e, 1, 1);
  push(f, 1, 0);
  push(g, 0, 1);
  push(h, 0, 0);
  // Interleave so nothing depends on the order of the pairs.
  const order = new Rng(7).shuffle(a.map((_, i) => i));
  return { a: order.map((i) => a[i]), b: order.map((i) => b[i]) };
}

describe('binomialHalfCdf', () => {
  it('matches hand-computed sums and the central limit at large m', () => {
    expect(binomialHalfCdf(2, 14)).toBeCloseTo((1 + 14 + 91) / 16384, 15);
    expect(binomialHalfCdf(0, 1)).toBe(0.5);
    expect(binomialHalfCdf(-1, 5)).toBe(0);
    expect(binomialHalfCdf(5, 5)).toBe(1);
    // P(X <= m/2) = 1/2 + pmf(m/2)/2 and pmf(m/2) ≈ sqrt(2 / (π m)) (Stirling), far past 2^-1074.
    const m = 2000;
    expect(binomialHalfCdf(m / 2, m)).toBeCloseTo(0.5 + Math.sqrt(2 / (Math.PI * m)) / 2, 4);
  });
});

describe('mcnemarExact', () => {
  it('is the exact two-sided binomial test on the discordant pairs', () => {
    const { a, b } = pairs(36, 12, 2, 0);
    const r = mcnemarExact(a, b);
    expect(r).toEqual({ n: 50, discordant: 14, onlyA: 12, onlyB: 2, pValue: expect.closeTo(212 / 16384, 12) });
    // Swapping a and b swaps the counts and keeps the p-value.
    const s = mcnemarExact(b, a);
    expect([s.onlyA, s.onlyB, s.pValue]).toEqual([2, 12, r.pValue]);
  });

  it('gives p = 1 for all-concordant pairs, n = 1 and balanced discordance', () => {
    expect(mcnemarExact([1, 1, 0, 0], [1, 1, 0, 0])).toEqual({ n: 4, discordant: 0, onlyA: 0, onlyB: 0, pValue: 1 });
    expect(mcnemarExact([true], [false])).toEqual({ n: 1, discordant: 1, onlyA: 1, onlyB: 0, pValue: 1 });
    expect(mcnemarExact([1, 0, 1, 0], [0, 1, 0, 1]).pValue).toBe(1);
  });

  it('gives 2 / 2^n when every pair is discordant in one direction', () => {
    const r = mcnemarExact(new Array(10).fill(1), new Array(10).fill(0));
    expect(r.discordant).toBe(10);
    expect(r.pValue).toBeCloseTo(2 / 1024, 15);
    // 1 vs 4 discordant: 2 · (1 + 5) / 32.
    const { a, b } = pairs(3, 1, 4, 2);
    expect(mcnemarExact(a, b).pValue).toBeCloseTo(12 / 32, 15);
  });

  it('rejects mismatched, empty and non-binary inputs', () => {
    expect(() => mcnemarExact([1, 0], [1])).toThrow(/same length/);
    expect(() => mcnemarExact([], [])).toThrow(/no pairs/);
    expect(() => mcnemarExact([1, 2], [1, 0])).toThrow(/a\[1\] = 2/);
    expect(() => mcnemarExact([1, 0], [NaN, 0])).toThrow(/b\[0\] = NaN/);
  });
});

describe('pairedProportionDifference', () => {
  // Newcombe (1998), Statistics in Medicine 17:2635, Table II, method 10, and the Cavo et al.
  // (2012) example of Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency Tables"
  // (2017), chapter 8: table [[59, 6], [16, 80]] → −0.0621 (−0.1186 to −0.0046).
  it.each([
    [36, 12, 2, 0, 0.0569, 0.3404],
    [18, 12, 2, 18, 0.0562, 0.329],
    [53, 0, 0, 1, -0.0729, 0.0729],
    [0, 30, 0, 0, 0.8395, 1.0],
    [59, 6, 16, 80, -0.1186, -0.0046],
  ])('%i/%i/%i/%i matches the published interval', (e, f, g, h, low, high) => {
    const { a, b } = pairs(e, f, g, h);
    const r = pairedProportionDifference(a, b);
    expect(r.n).toBe(e + f + g + h);
    expect(r.diff).toBeCloseTo((f - g) / r.n, 12);
    expect(r.low).toBeCloseTo(low, 4);
    expect(r.high).toBeCloseTo(high, 4);
  });

  it('handles n = 1 by hand: Wilson intervals of 1/1 and 0/1 with φ = 0', () => {
    const z = zForConfidence(0.95);
    const u = z * z; // Wilson of 0/1 is [0, u/(1+u)], of 1/1 is [1/(1+u), 1].
    const r = pairedProportionDifference([1], [0]);
    expect(r.diff).toBe(1);
    expect(r.low).toBeCloseTo(1 - Math.SQRT2 * (u / (1 + u)), 10);
    expect(r.high).toBe(1);
  });

  it('is [−w, w] around 0 for all-concordant pairs and narrows with n', () => {
    const small = pairedProportionDifference(...Object.values(pairs(10, 0, 0, 10)) as [number[], number[]]);
    const large = pairedProportionDifference(...Object.values(pairs(100, 0, 0, 100)) as [number[], number[]]);
    expect(small.diff).toBe(0);
    expect(small.low).toBeCloseTo(-small.high, 12);
    expect(small.high).toBeGreaterThan(0);
    expect(large.high).toBeLessThan(small.high);
  });

  it('is antisymmetric in a and b and widens with the confidence level', () => {
    const { a, b } = pairs(20, 9, 3, 18);
    const ab = pairedProportionDifference(a, b);
    const ba = pairedProportionDifference(b, a);
    expect(ba.diff).toBeCloseTo(-ab.diff, 12);
    expect(ba.low).toBeCloseTo(-ab.high, 12);
    expect(ba.high).toBeCloseTo(-ab.low, 12);
    const wide = pairedProportionDifference(a, b, { confidence: 0.99 });
    expect(wide.low).toBeLessThan(ab.low);
    expect(wide.high).toBeGreaterThan(ab.high);
  });

  it('covers the true difference at about the nominal rate (simulation)', () => {
    // 400 tables of n = 80 with P(1,0) = 0.15, P(0,1) = 0.05: true diff 0.10. Coverage of a 95%
    // interval: binomial sd over 400 tables is sqrt(.95·.05/400) = 0.011, so 0.95 ± 0.035.
    const rng = new Rng(11);
    let covered = 0;
    const tables = 400;
    for (let t = 0; t < tables; t++) {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < 80; i++) {
        const u = rng.next();
        if (u < 0.15) (a.push(1), b.push(0));
        else if (u < 0.2) (a.push(0), b.push(1));
        else if (u < 0.6) (a.push(1), b.push(1));
        else (a.push(0), b.push(0));
      }
      const r = pairedProportionDifference(a, b);
      if (r.low <= 0.1 && 0.1 <= r.high) covered++;
    }
    expect(covered / tables).toBeGreaterThan(0.95 - 0.035);
    expect(covered / tables).toBeLessThanOrEqual(1);
  });

  it('rejects bad inputs and confidence levels', () => {
    expect(() => pairedProportionDifference([1], [1, 0])).toThrow(/same length/);
    expect(() => pairedProportionDifference([0.5], [1])).toThrow(/0\/1/);
    expect(() => pairedProportionDifference([1], [1], { confidence: 1.2 })).toThrow(/confidence/);
  });
});

describe('pairedMeanDifference', () => {
  it('enumerates the sign-flip test exactly for small n', () => {
    // d = (3, −1, 2): sums over the 8 sign patterns are ±6, ±4, ±2, 0, 0; |s| >= 4 in 4 of 8.
    expect(pairedMeanDifference([3, 0, 5], [0, 1, 3]).pValue).toBeCloseTo(0.5, 12);
    // All positive: only the observed pattern and its mirror are as extreme.
    const r = pairedMeanDifference([2, 3, 4, 5], [1, 1, 1, 1]);
    expect(r.diff).toBeCloseTo(2.5, 12);
    expect(r.pValue).toBeCloseTo(2 / 16, 12);
    expect(r.low).toBeGreaterThanOrEqual(1);
    expect(r.high).toBeLessThanOrEqual(4);
  });

  it('n = 1 has no interval and p = 1; identical outcomes give [0, 0] and p = 1', () => {
    expect(pairedMeanDifference([5], [2])).toEqual({ n: 1, diff: 3, low: -Infinity, high: Infinity, pValue: 1 });
    expect(pairedMeanDifference([1, 2, 3], [1, 2, 3])).toEqual({ n: 3, diff: 0, low: 0, high: 0, pValue: 1 });
  });

  it('bootstrap interval matches the normal-theory width for normal differences', () => {
    // 200 differences ~ N(0.5, 1): the percentile interval's half-width should be close to
    // z · s / sqrt(n) (bootstrap sd is s·sqrt((n-1)/n); quantile noise with 4000 resamples ≈ 2%).
    const rng = new Rng(3);
    const n = 200;
    const a = Array.from({ length: n }, () => 0.5 + rng.normal());
    const b = new Array(n).fill(0);
    const r = pairedMeanDifference(a, b, { seed: 5 });
    const mean = a.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    const half = (1.959964 * sd) / Math.sqrt(n);
    expect(r.diff).toBeCloseTo(mean, 12);
    expect((r.high - r.low) / 2).toBeGreaterThan(0.9 * half);
    expect((r.high - r.low) / 2).toBeLessThan(1.1 * half);
    expect(r.low).toBeGreaterThan(0);
    expect(r.pValue).toBeCloseTo(1 / 4001, 12); // no sign flip reaches a 7-sd sum
  });

  it('Monte Carlo sign flips agree with exact enumeration within their noise', () => {
    // n = 17 is the first size drawn at random; enumerate all 2^17 patterns here for reference.
    const d = [0.9, -0.4, 1.3, 0.2, -1.1, 0.8, 0.5, -0.2, 1.7, 0.1, -0.6, 0.4, 0.9, -0.3, 0.6, 0.2, -0.5];
    const sum = d.reduce((s, v) => s + v, 0);
    let atLeast = 0;
    for (let m = 0; m < 2 ** d.length; m++) {
      let s = 0;
      for (let i = 0; i < d.length; i++) s += m & (1 << i) ? -d[i] : d[i];
      if (Math.abs(s) >= Math.abs(sum) - 1e-9) atLeast++;
    }
    const exact = atLeast / 2 ** d.length;
    const r = pairedMeanDifference(d, new Array(d.length).fill(0), { resamples: 4000, seed: 9 });
    const sd = Math.sqrt((exact * (1 - exact)) / 4000);
    expect(Math.abs(r.pValue - exact)).toBeLessThan(4 * sd + 1 / 4000);
  });

  it('is reproducible by seed and differs across seeds', () => {
    const rng = new Rng(1);
    const a = Array.from({ length: 40 }, () => rng.normal());
    const b = Array.from({ length: 40 }, () => rng.normal());
    expect(pairedMeanDifference(a, b, { seed: 4 })).toEqual(pairedMeanDifference(a, b, { seed: 4 }));
    expect(pairedMeanDifference(a, b, { seed: 4 }).low).not.toBe(pairedMeanDifference(a, b, { seed: 5 }).low);
  });

  it('rejects bad inputs', () => {
    expect(() => pairedMeanDifference([1, 2], [1])).toThrow(/same length/);
    expect(() => pairedMeanDifference([], [])).toThrow(/no pairs/);
    expect(() => pairedMeanDifference([1, NaN], [1, 2])).toThrow(/pair 1/);
    expect(() => pairedMeanDifference([1, 2], [1, 2], { resamples: 0 })).toThrow(/resamples/);
    expect(() => pairedMeanDifference([1, 2], [1, 2], { confidence: 0 })).toThrow(/confidence/);
  });
});

describe('sampleSizeForPairedDifference', () => {
  it('paired means: ((z_a + z_b) sd / diff)^2, rounded up', () => {
    // (1.959964 + 0.841621)^2 / 0.25 = 31.40 → 32.
    expect(sampleSizeForPairedDifference({ diff: 0.5, sd: 1 })).toBe(32);
    expect(sampleSizeForPairedDifference({ diff: -0.5, sd: 1 })).toBe(32);
  });

  it("paired proportions: Connor's (1987) formula", () => {
    // (1.959964·sqrt(.2) + 0.841621·sqrt(.19))^2 / 0.01 = 154.6 → 155.
    expect(sampleSizeForPairedDifference({ diff: 0.1, discordantRate: 0.2 })).toBe(155);
  });

  it('at power 0.5 the observed effect sits on the edge of the normal McNemar test', () => {
    const psi = 0.3;
    const diff = 0.04;
    const n = sampleSizeForPairedDifference({ diff, discordantRate: psi, power: 0.5 });
    const zAt = (m: number) => (m * diff) / Math.sqrt(m * psi);
    expect(zAt(n)).toBeGreaterThanOrEqual(zForConfidence(0.95) - 1e-9);
    expect(zAt(n - 1)).toBeLessThan(zForConfidence(0.95));
    // More power needs more pairs.
    expect(sampleSizeForPairedDifference({ diff, discordantRate: psi, power: 0.9 })).toBeGreaterThan(n);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it('is Infinity for a zero difference and rejects impossible inputs', () => {
    expect(sampleSizeForPairedDifference({ diff: 0, discordantRate: 0.1 })).toBe(Infinity);
    expect(sampleSizeForPairedDifference({ diff: 0, sd: 1 })).toBe(Infinity);
    expect(() => sampleSizeForPairedDifference({ diff: 0.5, discordantRate: 0.1 })).toThrow(/diff²/);
    expect(() => sampleSizeForPairedDifference({ diff: 0.1 })).toThrow(/discordantRate .* or sd/);
    expect(() => sampleSizeForPairedDifference({ diff: 0.1, sd: 1, power: 1 })).toThrow(/power/);
  });
});
