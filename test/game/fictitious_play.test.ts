import { describe, expect, it } from 'vitest';
import {
  attackerDefenderGame,
  exploitability,
  fictitiousPlay,
  matchingPennies,
  rockPaperScissors,
  saddlePointGame,
  solveZeroSum,
  worstCaseLoss,
  worstCasePayoff,
} from 'saplab';

const games = [
  matchingPennies(),
  rockPaperScissors(),
  saddlePointGame(),
  attackerDefenderGame({ k: 4 }),
  { name: '[[3, -1], [-2, 1]]', payoff: [[3, -1], [-2, 1]] },
];

function range(A: number[][]): number {
  const all = A.flat();
  return Math.max(...all) - Math.min(...all);
}

describe('fictitiousPlay', () => {
  it('returns aligned traces of probability vectors', () => {
    const tr = fictitiousPlay(rockPaperScissors().payoff, { iterations: 50, seed: 1 });
    expect(tr.iterations).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    for (const key of ['rowAverage', 'colAverage', 'lowerBound', 'upperBound', 'exploitability', 'valueEstimate'] as const) {
      expect(tr[key]).toHaveLength(50);
    }
    expect(tr.rowActions).toHaveLength(50);
    expect(tr.colActions).toHaveLength(50);
    for (const p of [...tr.rowAverage, ...tr.colAverage]) {
      expect(p).toHaveLength(3);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      p.forEach((x) => expect(x).toBeGreaterThanOrEqual(0));
    }
    expect(tr.rowStrategy).toEqual(tr.rowAverage[49]);
  });

  it('averages are the frequencies of the actions played, and each action is a best response', () => {
    const A = [[3, -1], [-2, 1]];
    const tr = fictitiousPlay(A, { iterations: 200, seed: 5 });
    const counts = [0, 0];
    tr.rowActions.forEach((a) => counts[a]++);
    expect(tr.rowStrategy[0]).toBeCloseTo(counts[0] / 200, 15);
    for (let t = 2; t <= 200; t++) {
      // Round t answers the frequencies of rounds 1..t-1, i.e. the averages recorded at t - 1.
      const q = tr.colAverage[t - 2];
      const p = tr.rowAverage[t - 2];
      const rowPay = A.map((r) => r[0] * q[0] + r[1] * q[1]);
      const colPay = [0, 1].map((j) => p[0] * A[0][j] + p[1] * A[1][j]);
      expect(rowPay[tr.rowActions[t - 1]]).toBeCloseTo(Math.max(...rowPay), 12);
      expect(colPay[tr.colActions[t - 1]]).toBeCloseTo(Math.min(...colPay), 12);
    }
  });

  it('brackets the LP value at every iteration (weak duality) and the recorded bounds are exact', async () => {
    for (const g of games) {
      const { value } = await solveZeroSum(g.payoff);
      const tr = fictitiousPlay(g.payoff, { iterations: 300, seed: 2 });
      tr.iterations.forEach((_, k) => {
        expect(tr.lowerBound[k]).toBeLessThanOrEqual(value + 1e-9);
        expect(tr.upperBound[k]).toBeGreaterThanOrEqual(value - 1e-9);
        expect(tr.valueEstimate[k]).toBeGreaterThanOrEqual(tr.lowerBound[k] - 1e-9);
        expect(tr.valueEstimate[k]).toBeLessThanOrEqual(tr.upperBound[k] + 1e-9);
      });
      const last = tr.iterations.length - 1;
      expect(tr.lowerBound[last]).toBeCloseTo(worstCasePayoff(g.payoff, tr.rowStrategy), 10);
      expect(tr.upperBound[last]).toBeCloseTo(worstCaseLoss(g.payoff, tr.colStrategy), 10);
      expect(tr.exploitability[last]).toBeCloseTo(exploitability(g.payoff, tr.rowStrategy, tr.colStrategy), 10);
    }
  });

  it('converges to the LP value at about the rate t^(-1/2)', async () => {
    // Robinson (1951) guarantees convergence but no useful rate; Karlin's conjectured O(t^(-1/2))
    // fails only under adversarial tie-breaking (Daskalakis and Pan, 2014). With random
    // tie-breaking, on these games and seeds 1..5, the largest observed exploitability * sqrt(T) /
    // range is about 1.3 (T = 100 .. 10000); the test allows 3 * range / sqrt(T), more than twice
    // that, and also asks the gap to fall between T = 250 and T = 4000.
    for (const g of games) {
      const { value } = await solveZeroSum(g.payoff);
      const r = range(g.payoff);
      for (let seed = 1; seed <= 5; seed++) {
        const tr = fictitiousPlay(g.payoff, { iterations: 4000, seed, recordEvery: 250 });
        const at = (t: number) => tr.exploitability[tr.iterations.indexOf(t)];
        expect(at(1000)).toBeLessThanOrEqual((3 * r) / Math.sqrt(1000));
        expect(at(4000)).toBeLessThanOrEqual((3 * r) / Math.sqrt(4000));
        expect(at(4000)).toBeLessThan(at(250));
        expect(Math.abs(tr.valueEstimate.at(-1)! - value)).toBeLessThanOrEqual(at(4000) + 1e-12);
      }
    }
  });

  it('finds the saddle point of a game that has one', () => {
    const tr = fictitiousPlay(saddlePointGame().payoff, { iterations: 2000, seed: 3 });
    expect(tr.rowStrategy[1]).toBeGreaterThan(0.99);
    expect(tr.colStrategy[2]).toBeGreaterThan(0.99);
  });

  it('is deterministic given the seed, and seeds differ', () => {
    const A = rockPaperScissors().payoff;
    const a = fictitiousPlay(A, { iterations: 300, seed: 42 });
    const b = fictitiousPlay(A, { iterations: 300, seed: 42 });
    const c = fictitiousPlay(A, { iterations: 300, seed: 43 });
    expect(a).toEqual(b);
    expect(c.rowActions).not.toEqual(a.rowActions);
  });

  it('thins the trace with recordEvery without changing the play', () => {
    const A = matchingPennies().payoff;
    const full = fictitiousPlay(A, { iterations: 95, seed: 9 });
    const thin = fictitiousPlay(A, { iterations: 95, seed: 9, recordEvery: 10 });
    expect(thin.iterations).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
    expect(thin.rowActions).toEqual(full.rowActions);
    expect(thin.exploitability).toEqual(thin.iterations.map((t) => full.exploitability[t - 1]));
    expect(thin.rowStrategy).toEqual(full.rowStrategy);
  });

  it('rejects bad matrices and options', () => {
    expect(() => fictitiousPlay([], {})).toThrow(/fictitiousPlay: .*empty/);
    expect(() => fictitiousPlay([[1, NaN]])).toThrow(/fictitiousPlay: payoff\[0\]\[1\]/);
    expect(() => fictitiousPlay([[1, 2], [3]])).toThrow(/not rectangular/);
    expect(() => fictitiousPlay([[1]], { iterations: -5 })).toThrow(/fictitiousPlay: iterations must be a positive integer, got -5/);
    expect(() => fictitiousPlay([[1]], { iterations: 0 })).toThrow(/iterations must be a positive integer/);
    expect(() => fictitiousPlay([[1]], { seed: NaN })).toThrow(/seed must be an integer/);
  });
});
