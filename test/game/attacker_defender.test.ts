import { describe, expect, it } from 'vitest';
import {
  attackerDefenderGame,
  attackerDefenderValue,
  bestResponse,
  maximinPure,
  minimaxPure,
  pureSaddlePoint,
  pureStrategy,
  solveZeroSum,
  uniformStrategy,
  worstCasePayoff,
} from 'saplab';

describe('attackerDefenderGame', () => {
  it('puts accuracyWhenHit on the diagonal and accuracyWhenMissed elsewhere', () => {
    const g = attackerDefenderGame({ k: 3 });
    expect(g.payoff).toEqual([
      [0, 1, 1],
      [1, 0, 1],
      [1, 1, 0],
    ]);
    expect(g.rowLabels).toHaveLength(3);
    expect(g.colLabels).toHaveLength(3);
    expect(attackerDefenderGame().payoff).toHaveLength(4);
    expect(attackerDefenderGame({ k: 2, accuracyWhenHit: 0.1, accuracyWhenMissed: 0.9 }).payoff).toEqual([
      [0.1, 0.9],
      [0.9, 0.1],
    ]);
  });

  it('every deterministic defense has worst-case accuracy 0: the attacker hits the path in use', () => {
    for (const k of [2, 4, 8]) {
      const A = attackerDefenderGame({ k }).payoff;
      for (let i = 0; i < k; i++) {
        expect(worstCasePayoff(A, pureStrategy(k, i))).toBe(0);
        expect(bestResponse(A, pureStrategy(k, i), 'column').action).toBe(i);
      }
      expect(maximinPure(A).value).toBe(0);
      expect(minimaxPure(A).value).toBe(1);
      expect(pureSaddlePoint(A)).toBeNull();
    }
  });

  it('the uniform mixed defense has worst-case accuracy (k - 1) / k, the LP value', async () => {
    for (const k of [2, 3, 4, 6]) {
      const A = attackerDefenderGame({ k }).payoff;
      expect(worstCasePayoff(A, uniformStrategy(k))).toBeCloseTo((k - 1) / k, 14);
      const s = await solveZeroSum(A);
      expect(s.value).toBeCloseTo((k - 1) / k, 10);
      s.rowStrategy.forEach((p) => expect(p).toBeCloseTo(1 / k, 10));
      expect(attackerDefenderValue({ k })).toBeCloseTo((k - 1) / k, 15);
    }
    // The notebook's numbers for k = 4: deterministic 0, mixed 0.75.
    const A4 = attackerDefenderGame({ k: 4 }).payoff;
    expect(worstCasePayoff(A4, pureStrategy(4, 0))).toBe(0);
    expect(worstCasePayoff(A4, uniformStrategy(4))).toBeCloseTo(0.75, 15);
  });

  it('any non-uniform mix does worse than the uniform one', () => {
    const A = attackerDefenderGame({ k: 4 }).payoff;
    // min_j (pᵀA)_j = 1 - max_j p_j < 3/4 whenever p is not uniform.
    expect(worstCasePayoff(A, [0.4, 0.2, 0.2, 0.2])).toBeCloseTo(0.6, 15);
    expect(worstCasePayoff(A, [0.5, 0.5, 0, 0])).toBeCloseTo(0.5, 15);
  });

  it('attackerDefenderValue matches the LP for general accuracies', async () => {
    const opts = { k: 5, accuracyWhenHit: 0.2, accuracyWhenMissed: 0.9 };
    const s = await solveZeroSum(attackerDefenderGame(opts).payoff);
    expect(attackerDefenderValue(opts)).toBeCloseTo(0.9 - 0.7 / 5, 15);
    expect(s.value).toBeCloseTo(attackerDefenderValue(opts), 10);
  });

  it('rejects bad options', () => {
    expect(() => attackerDefenderGame({ k: 1 })).toThrow(/attackerDefenderGame: k must be an integer >= 2, got 1/);
    expect(() => attackerDefenderGame({ k: 2.5 })).toThrow(/k must be an integer/);
    expect(() => attackerDefenderGame({ accuracyWhenHit: -0.1 })).toThrow(/accuracyWhenHit must be in \[0, 1\]/);
    expect(() => attackerDefenderGame({ accuracyWhenHit: NaN })).toThrow(/accuracyWhenHit must be in \[0, 1\]/);
    expect(() => attackerDefenderGame({ accuracyWhenHit: 0.5, accuracyWhenMissed: 0.4 })).toThrow(/accuracyWhenMissed must be in \[accuracyWhenHit, 1\]/);
    expect(() => attackerDefenderValue({ k: 0 })).toThrow(/attackerDefenderValue: k must be/);
  });
});
