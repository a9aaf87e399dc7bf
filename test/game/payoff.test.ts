import { describe, expect, it } from 'vitest';
import { expectedPayoff, pureStrategy, uniformStrategy } from 'saplab';
import { checkPayoff, checkStrategy, colPayoffs, payoffRange, rowPayoffs } from '../../lib/game/payoff';

const A = [
  [3, -1],
  [-2, 1],
];

describe('checkPayoff', () => {
  it('returns the shape of a rectangular finite matrix', () => {
    expect(checkPayoff(A)).toEqual([2, 2]);
    expect(checkPayoff([[1, 2, 3]])).toEqual([1, 3]);
    expect(checkPayoff([[5]])).toEqual([1, 1]);
  });

  it('rejects empty, ragged and non-finite matrices with a clear message', () => {
    expect(() => checkPayoff([], 'f')).toThrow(/f: .*empty \(no rows\)/);
    expect(() => checkPayoff([[]])).toThrow(/empty \(no columns\)/);
    expect(() => checkPayoff([[1, 2], [3]])).toThrow(/not rectangular: row 0 has 2 entries, row 1 has 1/);
    expect(() => checkPayoff([[1, NaN]])).toThrow(/payoff\[0\]\[1\] must be a finite number, got NaN/);
    expect(() => checkPayoff([[1], [Infinity]])).toThrow(/payoff\[1\]\[0\]/);
    expect(() => checkPayoff([[1, '2' as unknown as number]])).toThrow(/finite number/);
    expect(() => checkPayoff('x' as unknown as number[][])).toThrow(/array of rows/);
    expect(() => checkPayoff([1, 2] as unknown as number[][])).toThrow(/row 0 .* not an array/);
  });
});

describe('checkStrategy', () => {
  it('accepts probability vectors within the tolerance', () => {
    expect(() => checkStrategy([0.5, 0.5], 2)).not.toThrow();
    expect(() => checkStrategy([1 / 3, 1 / 3, 1 / 3], 3)).not.toThrow();
    expect(() => checkStrategy([1 + 1e-9, -1e-9], 2)).not.toThrow();
  });

  it('rejects wrong lengths, negative entries, bad sums and NaN', () => {
    expect(() => checkStrategy([1], 2, 'p')).toThrow(/p must have 2 entries, got 1/);
    expect(() => checkStrategy([1.5, -0.5], 2)).toThrow(/negative/);
    expect(() => checkStrategy([0.5, 0.4], 2)).toThrow(/sum to 1, got 0.9/);
    expect(() => checkStrategy([NaN, 1], 2)).toThrow(/finite number, got NaN/);
  });
});

describe('pureStrategy and uniformStrategy', () => {
  it('build one-hot and uniform vectors', () => {
    expect(pureStrategy(4, 2)).toEqual([0, 0, 1, 0]);
    expect(uniformStrategy(4)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('reject bad sizes and actions', () => {
    expect(() => pureStrategy(0, 0)).toThrow(/positive integer/);
    expect(() => pureStrategy(3, 3)).toThrow(/\[0, 3\)/);
    expect(() => pureStrategy(3, -1)).toThrow(/\[0, 3\)/);
    expect(() => uniformStrategy(-2)).toThrow(/positive integer/);
    expect(() => uniformStrategy(1.5)).toThrow(/positive integer/);
  });
});

describe('expectedPayoff', () => {
  it('is pᵀAq, and an entry for pure strategies', () => {
    // p = (3/7, 4/7), q = (2/7, 5/7): the equilibrium of A, value 1/7.
    expect(expectedPayoff(A, [3 / 7, 4 / 7], [2 / 7, 5 / 7])).toBeCloseTo(1 / 7, 14);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expect(expectedPayoff(A, pureStrategy(2, i), pureStrategy(2, j))).toBe(A[i][j]);
    // 0.5 * (0.5*3 + 0.5*-1) + 0.5 * (0.5*-2 + 0.5*1) = 0.5 - 0.25 = 0.25
    expect(expectedPayoff(A, [0.5, 0.5], [0.5, 0.5])).toBeCloseTo(0.25, 15);
  });

  it('rejects strategies of the wrong length', () => {
    expect(() => expectedPayoff(A, [1], [0.5, 0.5])).toThrow(/expectedPayoff: rowStrategy must have 2 entries/);
    expect(() => expectedPayoff(A, [0.5, 0.5], [1, 0, 0])).toThrow(/expectedPayoff: colStrategy must have 2 entries/);
  });
});

describe('rowPayoffs, colPayoffs and payoffRange', () => {
  it('compute Aq, pᵀA and the entry range', () => {
    const B = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    expect(rowPayoffs(B, [1, 0, 0])).toEqual([1, 4]);
    expect(rowPayoffs(B, [0, 0.5, 0.5])).toEqual([2.5, 5.5]);
    expect(colPayoffs(B, [0.5, 0.5])).toEqual([2.5, 3.5, 4.5]);
    expect(payoffRange(B)).toEqual([1, 6]);
  });
});
