import { describe, expect, it } from 'vitest';
import { binomialTestTwoSided, clopperPearson, clopperPearsonLower } from 'saplab';
import { betaQuantile, binomialCdf, binomialPmf, logGamma, regularizedIncompleteBeta } from '../../lib/metrics/binomial';

describe('clopperPearson', () => {
  // statsmodels 0.13.5 proportion_confint(k, n, alpha, method="beta") (scipy 1.10.1), written here.
  it.each([
    [0, 10, 0.05, 0.0, 0.30849710781876083],
    [1, 10, 0.05, 0.0025285785444617848, 0.4450161170281953],
    [5, 10, 0.05, 0.18708602844739855, 0.8129139715526015],
    [9, 10, 0.05, 0.5549838829718047, 0.9974714214555382],
    [10, 10, 0.05, 0.6915028921812392, 1.0],
    [7, 20, 0.1, 0.17731091757444914, 0.5580345113154888],
    [99, 100, 0.002, 0.9113731112960424, 0.999989995046714],
    [100, 100, 0.002, 0.933254300796991, 1.0],
    [50, 100, 0.001, 0.3355819371905234, 0.6644180628094766],
    [990, 1000, 0.002, 0.9760361871553114, 0.9970304990695041],
    [99000, 100000, 0.002, 0.9889893403774748, 0.9909445314129198],
    [100000, 100000, 0.002, 0.9999309248330094, 1.0],
    [61234, 100000, 0.002, 0.6075664234276306, 0.6170985016890345],
    [3, 100000, 0.002, 1.905351014095313e-6, 0.0001306158361956854],
    [9990, 10000, 0.002, 0.9975883080325683, 0.999703858522358],
  ])('k=%s n=%s alpha=%s: [%s, %s] as statsmodels', (k, n, alpha, lower, upper) => {
    const ci = clopperPearson(k, n, alpha);
    expect(Math.abs(ci.lower - lower)).toBeLessThan(1e-10);
    expect(Math.abs(ci.upper - upper)).toBeLessThan(1e-10);
    if (lower > 0) expect(Math.abs(ci.lower - lower) / lower).toBeLessThan(1e-8);
  });

  it('has the closed forms at k = 0 and k = n', () => {
    // k = n: the lower end solves p^n = alpha/2; k = 0: the upper end solves (1 - p)^n = alpha/2.
    for (const [n, alpha] of [[1, 0.05], [7, 0.1], [100, 0.002], [100000, 0.002]]) {
      expect(clopperPearson(n, n, alpha).lower).toBeCloseTo(Math.pow(alpha / 2, 1 / n), 12);
      expect(clopperPearson(0, n, alpha).upper).toBeCloseTo(1 - Math.pow(alpha / 2, 1 / n), 12);
      expect(clopperPearsonLower(n, n, alpha)).toBeCloseTo(Math.pow(alpha, 1 / n), 12);
    }
  });

  it('the one-sided lower bound at alpha is the two-sided one at 2 alpha (Cohen et al.)', () => {
    for (const [k, n, a] of [[7, 20, 0.05], [61234, 100000, 0.001], [1, 3, 0.2]]) {
      expect(clopperPearsonLower(k, n, a)).toBe(clopperPearson(k, n, 2 * a).lower);
    }
    expect(clopperPearsonLower(0, 10, 0.001)).toBe(0);
  });

  it('covers at the stated level: P(p < lower) <= alpha, computed exactly over k', () => {
    // For p = 0.3, n = 40: the probability (under Binomial(40, 0.3)) of the k whose bound exceeds p.
    const n = 40;
    const p = 0.3;
    const alpha = 0.05;
    let miss = 0;
    for (let k = 0; k <= n; k++) if (clopperPearsonLower(k, n, alpha) > p) miss += binomialPmf(k, n, p);
    expect(miss).toBeLessThanOrEqual(alpha);
    expect(miss).toBeGreaterThan(alpha / 10); // not vacuous
  });

  it('rejects bad counts and alpha', () => {
    expect(() => clopperPearson(11, 10, 0.05)).toThrow(/k must be an integer/);
    expect(() => clopperPearson(1.5, 10, 0.05)).toThrow(/k must be an integer/);
    expect(() => clopperPearson(1, 0, 0.05)).toThrow(/n must be a positive integer/);
    expect(() => clopperPearsonLower(1, 10, 0)).toThrow(/alpha must be in \(0, 1\)/);
    expect(() => clopperPearsonLower(1, 10, 1)).toThrow(/alpha/);
    expect(() => clopperPearsonLower(1, 10, NaN)).toThrow(/alpha/);
  });
});

describe('regularizedIncompleteBeta and betaQuantile', () => {
  // scipy.special.betainc(a, b, x); the large-parameter value is the exact binomial sum
  // P(Binomial(a + b − 1, x) >= a) in 50-digit decimal arithmetic (scipy 1.10.1 gives
  // 0.5084094733719572 there, 2e-11 off).
  it.each([
    [0.3, 2, 3, 0.3483],
    [0.5, 0.5, 0.5, 0.5],
    [0.9, 50, 5, 0.3614471397273778],
    [0.01, 1, 100, 0.6339676587267703],
    [0.99, 99000, 1001, 0.50840947335143294845],
  ])('I_%s(%s, %s) = %s', (x, a, b, v) => {
    expect(regularizedIncompleteBeta(x, a, b)).toBeCloseTo(v, 13);
  });

  it('inverts the CDF, with closed forms for Beta(a, 1) and Beta(1, b)', () => {
    for (const q of [1e-6, 0.001, 0.3, 0.5, 0.999]) {
      expect(betaQuantile(q, 4, 1)).toBeCloseTo(Math.pow(q, 1 / 4), 13); // I_x(a, 1) = x^a
      expect(betaQuantile(q, 1, 9)).toBeCloseTo(1 - Math.pow(1 - q, 1 / 9), 13); // I_x(1, b) = 1 - (1-x)^b
      expect(regularizedIncompleteBeta(betaQuantile(q, 30, 70), 30, 70)).toBeCloseTo(q, 12);
    }
    expect(betaQuantile(0, 2, 3)).toBe(0);
    expect(betaQuantile(1, 2, 3)).toBe(1);
  });

  it('logGamma matches scipy.special.gammaln and log((n-1)!)', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247, 12);
    expect(logGamma(3.7)).toBeCloseTo(1.428072326665388, 12);
    expect(logGamma(100000.5) / 1051293.4654351394).toBeCloseTo(1, 14);
    expect(logGamma(6)).toBeCloseTo(Math.log(120), 12);
    expect(() => logGamma(0)).toThrow();
  });

  it('rejects bad arguments', () => {
    expect(() => regularizedIncompleteBeta(1.2, 1, 1)).toThrow(/x must be in/);
    expect(() => regularizedIncompleteBeta(0.2, 0, 1)).toThrow(/a and b/);
    expect(() => betaQuantile(-0.1, 1, 1)).toThrow(/q must be in/);
  });
});

describe('binomialTestTwoSided', () => {
  // scipy.stats.binomtest(k, n, p).pvalue (scipy 1.10.1)
  it.each([
    [3, 10, 0.5, 0.34375],
    [7, 10, 0.5, 0.34375],
    [5, 10, 0.5, 1.0],
    [0, 10, 0.5, 0.001953125],
    [40, 100, 0.5, 0.05688793364098088],
    [60, 100, 0.5, 0.05688793364098088],
    [45, 100, 0.5, 0.36820161732669576],
    [3, 20, 0.3, 0.22041826738070913],
    [12, 20, 0.3, 0.005936084198097523],
    [0, 20, 0.3, 0.0010589696700355874],
    [495, 1000, 0.5, 0.7759635149561624],
    [2, 7, 0.5, 0.453125],
  ])('k=%s n=%s p=%s: %s as scipy', (k, n, p, v) => {
    expect(binomialTestTwoSided(k, n, p)).toBeCloseTo(v, 12);
  });

  it('is relatively exact far in the tail', () => {
    expect(binomialTestTwoSided(4000, 10000) / 1.7404316412268293e-89).toBeCloseTo(1, 8);
  });

  it('pmf and cdf agree with each other', () => {
    let s = 0;
    for (let k = 0; k <= 6; k++) s += binomialPmf(k, 17, 0.37);
    expect(binomialCdf(6, 17, 0.37)).toBeCloseTo(s, 13);
    expect(binomialCdf(17, 17, 0.37)).toBe(1);
  });

  it('rejects bad arguments', () => {
    expect(() => binomialTestTwoSided(3, 2)).toThrow(/k must be/);
    expect(() => binomialTestTwoSided(1, 2, 1.5)).toThrow(/p must be/);
  });
});
