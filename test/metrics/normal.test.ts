import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile, zForConfidence } from '../../lib/metrics/normal';

describe('normalQuantile', () => {
  // Reference values of the standard normal quantile (to 7 digits, e.g. R's qnorm).
  it.each([
    [0.5, 0],
    [0.8, 0.8416212],
    [0.9, 1.2815516],
    [0.975, 1.959964],
    [0.995, 2.5758293],
    [0.01, -2.3263479],
    [1e-10, -6.3613409],
  ])('qnorm(%s) = %s', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 6);
  });

  it('is antisymmetric, monotone and infinite at the ends', () => {
    for (const p of [0.001, 0.02, 0.0243, 0.3, 0.49]) expect(normalQuantile(p)).toBeCloseTo(-normalQuantile(1 - p), 9);
    let prev = -Infinity;
    for (let p = 0.0001; p < 1; p += 0.0137) {
      const z = normalQuantile(p);
      expect(z).toBeGreaterThan(prev);
      prev = z;
    }
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });

  it('rejects p outside [0, 1] and NaN', () => {
    expect(() => normalQuantile(-0.1)).toThrow(/\[0, 1\]/);
    expect(() => normalQuantile(1.5)).toThrow(/\[0, 1\]/);
    expect(() => normalQuantile(NaN)).toThrow(/\[0, 1\]/);
  });
});

describe('zForConfidence', () => {
  it('gives the two-sided z', () => {
    expect(zForConfidence(0.95)).toBeCloseTo(1.959964, 6);
    expect(zForConfidence(0.99)).toBeCloseTo(2.5758293, 6);
    expect(() => zForConfidence(1)).toThrow(/confidence/);
    expect(() => zForConfidence(0)).toThrow(/confidence/);
  });
});

describe('normalCdf', () => {
  // scipy.stats.norm.cdf
  it.each([
    [-3.3, 0.00048342414238377744],
    [1.0, 0.8413447460685429],
    [0.3, 0.6179114221889526],
    [0, 0.5],
  ])('Phi(%s) = %s to a relative 1.2e-7', (z, p) => {
    expect(Math.abs(normalCdf(z) - p) / p).toBeLessThan(1.2e-7);
  });

  it('inverts normalQuantile and is symmetric', () => {
    for (const p of [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999]) expect(Math.abs(normalCdf(normalQuantile(p)) - p) / p).toBeLessThan(2e-7);
    for (const z of [0.1, 1.7, 4]) expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 12);
    expect(() => normalCdf(NaN)).toThrow(/NaN/);
  });
});
