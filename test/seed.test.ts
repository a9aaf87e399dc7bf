import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng, permutation } from 'saplab';
import { checkSeed } from '../lib/seed';

describe('deriveSeed', () => {
  it('is deterministic, non-zero, 31-bit, and separates paths', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 200; s++) {
      for (const label of ['a', 'b', 7]) {
        const v = deriveSeed(s, label);
        expect(v).toBe(deriveSeed(s, label));
        expect(v).toBeGreaterThan(0);
        expect(v).toBeLessThan(2 ** 31);
        seen.add(v);
      }
    }
    expect(seen.size).toBe(600);
    expect(deriveSeed(0)).toBeGreaterThan(0); // seed 0 still gives a real TF.js seed
    expect(deriveSeed(1, 'x', 1)).not.toBe(deriveSeed(1, 'x1'));
  });

  it('rejects non-integer seeds', () => {
    expect(() => deriveSeed(1.5)).toThrow(/integer/);
    expect(() => deriveSeed(NaN)).toThrow(/integer/);
  });
});

describe('checkSeed', () => {
  it('passes integers through and names the caller in its one message', () => {
    expect(checkSeed(-3)).toBe(-3);
    expect(checkSeed(2 ** 40, 'pgd')).toBe(2 ** 40);
    expect(() => checkSeed(1.5)).toThrow(/^seed must be an integer, got 1.5$/);
    expect(() => checkSeed('7', 'DQN')).toThrow(/^DQN: seed must be an integer, got "7"$/);
    expect(() => checkSeed(undefined, 'x')).toThrow(/x: seed must be an integer/);
  });
});

describe('Rng', () => {
  it('same seed, same stream; different seeds differ', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    const c = new Rng(4);
    const xa = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(xa);
  });

  it('is uniform on [0,1): mean and variance within 5 standard errors', () => {
    const rng = new Rng(11);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    // Var(U) = 1/12; se of the mean = sqrt(1/12/n).
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    // Var(U^2) = 1/5 - 1/9; se of mean of U^2.
    expect(Math.abs(s2 / n - 1 / 3)).toBeLessThan(5 * Math.sqrt((1 / 5 - 1 / 9) / n));
  });

  it('normal draws have mean 0 and variance 1 (5 standard errors)', () => {
    const rng = new Rng(5);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  it('fillUint32 gives the same numbers as nextUint32 and continues the stream', () => {
    const a = new Rng(9);
    const b = new Rng(9);
    const bulk = Array.from(a.fillUint32(new Uint32Array(1000)));
    const one = Array.from({ length: 1000 }, () => b.nextUint32());
    expect(bulk).toEqual(one);
    expect(a.next()).toBe(b.next());
  });

  it('permutation is a seeded permutation', () => {
    const p = permutation(1000, 1);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(permutation(1000, 1))).toEqual(Array.from(p));
    expect(Array.from(permutation(1000, 2))).not.toEqual(Array.from(p));
  });
});

describe('Rng state', () => {
  it('continues the same stream from a saved state, in another generator', () => {
    const a = new Rng(5);
    a.nextUint32();
    const state = a.getState();
    const next = [a.nextUint32(), a.nextUint32(), a.nextUint32()];
    const b = new Rng(99);
    b.setState(state);
    expect([b.nextUint32(), b.nextUint32(), b.nextUint32()]).toEqual(next);
    expect(() => b.setState([1, 2, 3])).toThrow(/four integers/);
  });
});
