import { describe, expect, it } from 'vitest';
import { bestResponse, exploitability, pureStrategy, uniformStrategy, worstCaseLoss, worstCasePayoff } from 'saplab';

const A = [
  [3, -1],
  [-2, 1],
];
const pStar = [3 / 7, 4 / 7];
const qStar = [2 / 7, 5 / 7];

describe('bestResponse', () => {
  it('maximises for the row player and minimises for the column player', () => {
    // Against q = (1, 0) the rows pay (3, -2): row 0 is best.
    const row = bestResponse(A, [1, 0], 'row');
    expect(row).toEqual({ action: 0, actions: [0], value: 3, payoffs: [3, -2] });
    // Against p = (1, 0) the columns pay (3, -1): the attacker picks column 1.
    const col = bestResponse(A, [1, 0], 'column');
    expect(col).toEqual({ action: 1, actions: [1], value: -1, payoffs: [3, -1] });
  });

  it('lists every tie against an equilibrium strategy', () => {
    // An optimal strategy makes the opponent indifferent between its support actions.
    const col = bestResponse(A, pStar, 'column');
    expect(col.actions).toEqual([0, 1]);
    expect(col.value).toBeCloseTo(1 / 7, 14);
    const row = bestResponse(A, qStar, 'row');
    expect(row.actions).toEqual([0, 1]);
    expect(row.value).toBeCloseTo(1 / 7, 14);
    expect(bestResponse(A, qStar, 'row', { tolerance: 0 }).actions.length).toBeGreaterThanOrEqual(1);
  });

  it('rejects bad players, strategies and tolerances', () => {
    expect(() => bestResponse(A, [1, 0], 'attacker' as 'row')).toThrow(/player must be 'row' or 'column'/);
    expect(() => bestResponse(A, [1, 0, 0], 'row')).toThrow(/attacker \(column\) strategy must have 2 entries/);
    expect(() => bestResponse(A, [0.2, 0.2], 'column')).toThrow(/defender \(row\) strategy must sum to 1/);
    expect(() => bestResponse(A, [1, 0], 'row', { tolerance: -1 })).toThrow(/tolerance/);
    expect(() => bestResponse([[1, NaN]], [1, 0], 'row')).toThrow(/bestResponse: payoff\[0\]\[1\]/);
  });
});

describe('worstCasePayoff and worstCaseLoss', () => {
  it('are the security levels of mixed strategies', () => {
    expect(worstCasePayoff(A, pureStrategy(2, 0))).toBe(-1);
    expect(worstCasePayoff(A, pureStrategy(2, 1))).toBe(-2);
    expect(worstCasePayoff(A, pStar)).toBeCloseTo(1 / 7, 14);
    expect(worstCaseLoss(A, pureStrategy(2, 0))).toBe(3);
    expect(worstCaseLoss(A, pureStrategy(2, 1))).toBe(1);
    expect(worstCaseLoss(A, qStar)).toBeCloseTo(1 / 7, 14);
  });

  it('bracket every expected payoff (weak duality)', () => {
    const ps = [[1, 0], [0.3, 0.7], [0.5, 0.5], pStar];
    for (const p of ps) for (const q of ps) expect(worstCasePayoff(A, p)).toBeLessThanOrEqual(worstCaseLoss(A, q) + 1e-15);
  });
});

describe('exploitability', () => {
  it('is 0 at the equilibrium and positive elsewhere', () => {
    expect(exploitability(A, pStar, qStar)).toBeCloseTo(0, 14);
    // uniform: Aq = (1, -0.5), pᵀA = (0.5, 0): gap = 1 - 0 = 1.
    expect(exploitability(A, uniformStrategy(2), uniformStrategy(2))).toBeCloseTo(1, 15);
    expect(exploitability(A, [1, 0], [0, 1])).toBe(1 - -1);
  });

  it('equals worstCaseLoss(q) - worstCasePayoff(p)', () => {
    const p = [0.2, 0.8];
    const q = [0.9, 0.1];
    expect(exploitability(A, p, q)).toBeCloseTo(worstCaseLoss(A, q) - worstCasePayoff(A, p), 15);
  });

  it('rejects bad strategies', () => {
    expect(() => exploitability(A, [1], [0.5, 0.5])).toThrow(/exploitability: rowStrategy/);
    expect(() => exploitability(A, [0.5, 0.5], [0.5, NaN])).toThrow(/exploitability: colStrategy/);
    expect(() => exploitability([], [1], [1])).toThrow(/exploitability: .*empty/);
  });
});
