import { describe, expect, it } from 'vitest';
import { normalQuantile, zForConfidence } from 'saplab';

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
