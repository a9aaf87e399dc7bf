import { describe, expect, it } from 'vitest';
import {
  attackerDefenderGame,
  defaultEta,
  exploitability,
  matchingPennies,
  multiplicativeWeights,
  multiplicativeWeightsBound,
  rockPaperScissors,
  saddlePointGame,
  solveZeroSum,
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

describe('multiplicativeWeights', () => {
  it('returns aligned traces of probability vectors', () => {
    const tr = multiplicativeWeights(rockPaperScissors().payoff, { iterations: 40, seed: 1 });
    expect(tr.iterations).toHaveLength(40);
    for (const key of ['rowAverage', 'colAverage', 'lowerBound', 'upperBound', 'exploitability', 'valueEstimate', 'bound'] as const) {
      expect(tr[key]).toHaveLength(40);
    }
    for (const p of [...tr.rowAverage, ...tr.colAverage, tr.rowInitial, tr.colInitial]) {
      expect(p).toHaveLength(3);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      p.forEach((x) => expect(x).toBeGreaterThan(0));
    }
    expect(tr.eta).toBeCloseTo(defaultEta(3, 3, 40), 15);
    // Round 1 plays the starting strategies.
    tr.rowAverage[0].forEach((x, i) => expect(x).toBeCloseTo(tr.rowInitial[i], 12));
  });

  it('with expected feedback, stays within its regret guarantee at every iteration', async () => {
    // The guarantee (Hedge regret <= ln(1/min prior)/eta + eta t/8 for each player, summed) holds
    // for every t and every game, so the test needs no slack.
    for (const g of games) {
      const { value } = await solveZeroSum(g.payoff);
      for (const initial of ['uniform', 'random'] as const) {
        const tr = multiplicativeWeights(g.payoff, { iterations: 2000, seed: 4, initial, recordEvery: 10 });
        tr.iterations.forEach((_, k) => {
          expect(tr.exploitability[k]).toBeLessThanOrEqual(tr.bound[k] + 1e-12);
          expect(tr.lowerBound[k]).toBeLessThanOrEqual(value + 1e-9);
          expect(tr.upperBound[k]).toBeGreaterThanOrEqual(value - 1e-9);
        });
        expect(tr.exploitability.at(-1)).toBeCloseTo(exploitability(g.payoff, tr.rowStrategy, tr.colStrategy), 10);
        expect(Math.abs(tr.valueEstimate.at(-1)! - value)).toBeLessThanOrEqual(tr.bound.at(-1)!);
      }
    }
  });

  it('with a uniform start and the default eta, ends within range * sqrt((ln m + ln n) / T) of equilibrium', () => {
    for (const g of games) {
      const m = g.payoff.length;
      const n = g.payoff[0].length;
      const T = 1000;
      const guarantee = range(g.payoff) * Math.sqrt((Math.log(m) + Math.log(n)) / T);
      const tr = multiplicativeWeights(g.payoff, { iterations: T, initial: 'uniform', recordEvery: T });
      expect(tr.bound[0]).toBeCloseTo(guarantee, 12);
      expect(tr.exploitability[0]).toBeLessThanOrEqual(guarantee);
    }
  });

  it('a uniform start is already the equilibrium of rock-paper-scissors, a random start learns it', () => {
    const A = rockPaperScissors().payoff;
    const still = multiplicativeWeights(A, { iterations: 200, initial: 'uniform' });
    still.exploitability.forEach((e) => expect(e).toBeLessThan(1e-12));
    const learns = multiplicativeWeights(A, { iterations: 2000, initial: 'random', seed: 7, recordEvery: 100 });
    expect(learns.exploitability[0]).toBeGreaterThan(0.1);
    expect(learns.exploitability.at(-1)!).toBeLessThan(learns.exploitability[0] / 3);
  });

  it('with sampled feedback, stays within its high-probability bound', async () => {
    // Each final check fails with probability at most delta = 0.01 over the sampling; the seeds
    // are fixed, and the observed ratio exploitability / bound is about 0.2-0.3.
    for (const g of games) {
      for (let seed = 1; seed <= 3; seed++) {
        const tr = multiplicativeWeights(g.payoff, { iterations: 3000, seed, feedback: 'sampled', recordEvery: 3000 });
        expect(tr.exploitability[0]).toBeLessThanOrEqual(tr.bound[0]);
      }
    }
  });

  it('is deterministic given the seed, and seeds differ', () => {
    const A = matchingPennies().payoff;
    for (const feedback of ['expected', 'sampled'] as const) {
      const a = multiplicativeWeights(A, { iterations: 200, seed: 42, feedback });
      const b = multiplicativeWeights(A, { iterations: 200, seed: 42, feedback });
      const c = multiplicativeWeights(A, { iterations: 200, seed: 43, feedback });
      expect(a).toEqual(b);
      expect(c.rowAverage).not.toEqual(a.rowAverage);
    }
    // A uniform start with expected feedback uses no randomness at all.
    const B = saddlePointGame().payoff;
    expect(multiplicativeWeights(B, { iterations: 50, seed: 1, initial: 'uniform' })).toEqual(
      multiplicativeWeights(B, { iterations: 50, seed: 2, initial: 'uniform' }),
    );
  });

  it('multiplicativeWeightsBound matches the trace and the closed form', () => {
    const A = attackerDefenderGame({ k: 4 }).payoff;
    const tr = multiplicativeWeights(A, { iterations: 500, eta: 0.1, initial: 'uniform', recordEvery: 500 });
    const b = multiplicativeWeightsBound(A, { iterations: 500, eta: 0.1 });
    expect(b).toBeCloseTo(tr.bound[0], 15);
    expect(b).toBeCloseTo((2 * Math.log(4)) / (0.1 * 500) + 0.1 / 4, 15);
    const sampled = multiplicativeWeightsBound(A, { iterations: 500, eta: 0.1, feedback: 'sampled', delta: 0.05 });
    expect(sampled - b).toBeCloseTo(4 * Math.sqrt(Math.log(10 / 0.05) / 1000), 15);
    const prior = multiplicativeWeightsBound(A, { iterations: 500, eta: 0.1, rowInitial: [0.5, 0.25, 0.125, 0.125], colInitial: [0.25, 0.25, 0.25, 0.25] });
    expect(prior).toBeCloseTo((Math.log(8) + Math.log(4)) / (0.1 * 500) + 0.1 / 4, 15);
  });

  it('works on 1 x 1 and constant games', () => {
    const one = multiplicativeWeights([[3]], { iterations: 5 });
    expect(one.rowStrategy).toEqual([1]);
    expect(one.valueEstimate.at(-1)).toBe(3);
    const flat = multiplicativeWeights([[2, 2], [2, 2]], { iterations: 5 });
    expect(flat.exploitability.at(-1)).toBe(0);
  });

  it('rejects bad matrices and options', () => {
    expect(() => multiplicativeWeights([])).toThrow(/multiplicativeWeights: .*empty/);
    expect(() => multiplicativeWeights([[NaN]])).toThrow(/multiplicativeWeights: payoff\[0\]\[0\]/);
    expect(() => multiplicativeWeights([[1, 2], [3]])).toThrow(/not rectangular/);
    expect(() => multiplicativeWeights([[1]], { iterations: -1 })).toThrow(/multiplicativeWeights: iterations must be a positive integer, got -1/);
    expect(() => multiplicativeWeights([[1]], { eta: 0 })).toThrow(/eta must be a positive number/);
    expect(() => multiplicativeWeights([[1]], { eta: NaN })).toThrow(/eta must be a positive number/);
    expect(() => multiplicativeWeights([[1]], { feedback: 'bandit' as 'expected' })).toThrow(/feedback must be 'expected' or 'sampled'/);
    expect(() => multiplicativeWeights([[1]], { initial: 'zeros' as 'uniform' })).toThrow(/initial must be 'uniform' or 'random'/);
    expect(() => multiplicativeWeights([[1]], { delta: 1 })).toThrow(/delta must be in \(0, 1\)/);
    expect(() => multiplicativeWeightsBound([[1]], { iterations: 0, eta: 1 })).toThrow(/iterations must be a positive integer/);
    expect(() => multiplicativeWeightsBound([[1, 2]], { iterations: 1, eta: 1, colInitial: [1] })).toThrow(/colInitial must have 2 entries/);
  });
});
