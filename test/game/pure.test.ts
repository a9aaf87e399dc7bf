import { describe, expect, it } from 'vitest';
import { matchingPennies, maximinPure, minimaxPure, pureSaddlePoint, rockPaperScissors, saddlePointGame } from 'saplab';

describe('maximinPure and minimaxPure', () => {
  it('compute the pure security levels', () => {
    const A = [
      [3, -1],
      [-2, 1],
    ];
    expect(maximinPure(A)).toEqual({ value: -1, action: 0 });
    expect(minimaxPure(A)).toEqual({ value: 1, action: 1 });
    expect(maximinPure(matchingPennies().payoff).value).toBe(-1);
    expect(minimaxPure(matchingPennies().payoff).value).toBe(1);
  });

  it('satisfy maximin <= minimax on random matrices', () => {
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    for (let trial = 0; trial < 50; trial++) {
      const A = Array.from({ length: 1 + (trial % 4) }, () => Array.from({ length: 1 + (trial % 3) }, rand));
      expect(maximinPure(A).value).toBeLessThanOrEqual(minimaxPure(A).value);
    }
  });

  it('reject bad matrices', () => {
    expect(() => maximinPure([])).toThrow(/maximinPure: .*empty/);
    expect(() => minimaxPure([[1], [NaN]])).toThrow(/minimaxPure: payoff\[1\]\[0\]/);
  });
});

describe('pureSaddlePoint', () => {
  it('finds the saddle point of the saddle-point game', () => {
    const sp = pureSaddlePoint(saddlePointGame().payoff);
    expect(sp).toEqual({ row: 1, col: 2, value: 0.45 });
  });

  it('returns an entry that is the minimum of its row and the maximum of its column', () => {
    const A = [
      [4, 2, 5],
      [3, 1, 6],
      [6, 0, 1],
    ];
    const sp = pureSaddlePoint(A)!;
    expect(sp).toEqual({ row: 0, col: 1, value: 2 });
    expect(Math.min(...A[sp.row])).toBe(sp.value);
    expect(Math.max(...A.map((r) => r[sp.col]))).toBe(sp.value);
  });

  it('returns null when maximin < minimax', () => {
    expect(pureSaddlePoint(matchingPennies().payoff)).toBeNull();
    expect(pureSaddlePoint(rockPaperScissors().payoff)).toBeNull();
  });

  it('treats a 1 x n or constant game as having a saddle point', () => {
    expect(pureSaddlePoint([[2, 1, 3]])).toEqual({ row: 0, col: 1, value: 1 });
    expect(pureSaddlePoint([[5, 5], [5, 5]])).toEqual({ row: 0, col: 0, value: 5 });
  });

  it('rejects bad matrices', () => {
    expect(() => pureSaddlePoint([[1, 2], [3]])).toThrow(/pureSaddlePoint: .*not rectangular/);
  });
});
