import { describe, expect, it } from 'vitest';
import { matchingPennies, maximinPure, minimaxPure, pureSaddlePoint, rockPaperScissors, saddlePointGame, solveZeroSum } from 'saplab';

describe('example games', () => {
  const games = [matchingPennies(), rockPaperScissors(), saddlePointGame()];

  it('have labels that match the payoff shape', () => {
    for (const g of games) {
      expect(g.payoff).toHaveLength(g.rowLabels.length);
      g.payoff.forEach((row) => expect(row).toHaveLength(g.colLabels.length));
      expect(g.name.length).toBeGreaterThan(0);
      expect(g.description.length).toBeGreaterThan(0);
    }
  });

  it('matching pennies and rock-paper-scissors have no saddle point', () => {
    // Rock-paper-scissors is a symmetric game: A = -Aᵀ, hence value 0.
    const R = rockPaperScissors().payoff;
    R.forEach((row, i) => row.forEach((a, j) => expect(a + R[j][i]).toBe(0)));
    for (const g of [matchingPennies(), rockPaperScissors()]) {
      const A = g.payoff;
      expect(pureSaddlePoint(A)).toBeNull();
      expect(maximinPure(A).value).toBe(-1);
      expect(minimaxPure(A).value).toBe(1);
    }
    // Paper (row 1) beats rock (column 0).
    expect(rockPaperScissors().payoff[1][0]).toBe(1);
  });

  it('the saddle-point game is solved by pure strategies', async () => {
    const g = saddlePointGame();
    const sp = pureSaddlePoint(g.payoff)!;
    expect(g.rowLabels[sp.row]).toBe('adversarial training');
    expect(g.colLabels[sp.col]).toBe('PGD');
    expect((await solveZeroSum(g.payoff)).value).toBeCloseTo(0.45, 10);
  });

  it('return fresh copies', () => {
    const a = matchingPennies();
    a.payoff[0][0] = 99;
    expect(matchingPennies().payoff[0][0]).toBe(1);
  });
});
