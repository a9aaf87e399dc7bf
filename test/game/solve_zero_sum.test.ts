import { describe, expect, it } from 'vitest';
import {
  attackerDefenderGame,
  exploitability,
  lpSolverVersion,
  matchingPennies,
  maximinPure,
  minimaxPure,
  pureSaddlePoint,
  rockPaperScissors,
  Rng,
  saddlePointGame,
  solveZeroSum,
  worstCaseLoss,
  worstCasePayoff,
  ZeroSumSolution,
} from 'saplab';

function expectProbabilityVector(v: number[], n: number): void {
  expect(v).toHaveLength(n);
  for (const x of v) {
    expect(Number.isFinite(x)).toBe(true);
    expect(x).toBeGreaterThanOrEqual(0);
  }
  expect(v.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
}

function expectEquilibrium(A: number[][], s: ZeroSumSolution, tol = 1e-9): void {
  expectProbabilityVector(s.rowStrategy, A.length);
  expectProbabilityVector(s.colStrategy, A[0].length);
  const gap = exploitability(A, s.rowStrategy, s.colStrategy);
  expect(gap).toBeLessThan(tol);
  expect(s.exploitability).toBeCloseTo(gap, 15);
  expect(worstCasePayoff(A, s.rowStrategy)).toBeCloseTo(s.value, 8);
  expect(worstCaseLoss(A, s.colStrategy)).toBeCloseTo(s.value, 8);
}

describe('solveZeroSum', () => {
  it('uses the HiGHS WebAssembly solver', async () => {
    expect(await lpSolverVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('solves matching pennies: value 0, both players 50/50', async () => {
    const A = matchingPennies().payoff;
    const s = await solveZeroSum(A);
    expect(s.value).toBeCloseTo(0, 10);
    s.rowStrategy.forEach((p) => expect(p).toBeCloseTo(0.5, 10));
    s.colStrategy.forEach((q) => expect(q).toBeCloseTo(0.5, 10));
    expectEquilibrium(A, s);
  });

  it('solves rock-paper-scissors: value 0, uniform', async () => {
    const A = rockPaperScissors().payoff;
    const s = await solveZeroSum(A);
    expect(s.value).toBeCloseTo(0, 10);
    s.rowStrategy.forEach((p) => expect(p).toBeCloseTo(1 / 3, 10));
    s.colStrategy.forEach((q) => expect(q).toBeCloseTo(1 / 3, 10));
    expectEquilibrium(A, s);
  });

  it('finds the non-uniform mixed solution of [[3, -1], [-2, 1]]', async () => {
    // Row indifference: 3p - 2(1 - p) = -p + (1 - p)  =>  p = 3/7, value 5p - 2 = 1/7.
    // Column indifference: 3q - (1 - q) = -2q + (1 - q)  =>  q = 2/7.
    const A = [
      [3, -1],
      [-2, 1],
    ];
    const s = await solveZeroSum(A);
    expect(s.value).toBeCloseTo(1 / 7, 10);
    expect(s.rowStrategy[0]).toBeCloseTo(3 / 7, 10);
    expect(s.colStrategy[0]).toBeCloseTo(2 / 7, 10);
    expectEquilibrium(A, s);
  });

  it('agrees with the pure saddle value when there is a saddle point', async () => {
    const A = saddlePointGame().payoff;
    const sp = pureSaddlePoint(A)!;
    const s = await solveZeroSum(A);
    expect(s.value).toBeCloseTo(sp.value, 10);
    expect(s.rowStrategy[sp.row]).toBeCloseTo(1, 10);
    expect(s.colStrategy[sp.col]).toBeCloseTo(1, 10);
    expectEquilibrium(A, s);
  });

  it('gives the attacker-defender game the value (k - 1) / k', async () => {
    for (const k of [2, 3, 4, 7]) {
      const A = attackerDefenderGame({ k }).payoff;
      const s = await solveZeroSum(A);
      expect(s.value).toBeCloseTo((k - 1) / k, 10);
      s.rowStrategy.forEach((p) => expect(p).toBeCloseTo(1 / k, 10));
      expectEquilibrium(A, s);
    }
  });

  it('solves rectangular games: a 2 x 4 game with dominated columns', async () => {
    // Columns 2 and 3 pay the defender more than column 0 against every row, so the attacker
    // never plays them; the 2 x 2 core [[2, -1], [-1, 2]] has p = q = 1/2 and value 1/2.
    const A = [
      [2, -1, 3, 4],
      [-1, 2, 4, 5],
    ];
    const s = await solveZeroSum(A);
    expect(s.value).toBeCloseTo(0.5, 10);
    expect(s.rowStrategy[0]).toBeCloseTo(0.5, 10);
    expect(s.colStrategy[2]).toBeCloseTo(0, 10);
    expect(s.colStrategy[3]).toBeCloseTo(0, 10);
    expectEquilibrium(A, s);
  });

  it('handles 1 x 1, single-row and constant games', async () => {
    expect(await solveZeroSum([[4]])).toMatchObject({ value: 4, rowStrategy: [1], colStrategy: [1] });
    const row = await solveZeroSum([[3, 1, 2]]);
    expect(row.value).toBeCloseTo(1, 10);
    expect(row.colStrategy[1]).toBeCloseTo(1, 10);
    const c = await solveZeroSum([
      [2, 2],
      [2, 2],
    ]);
    expect(c.value).toBe(2);
    expectEquilibrium([[2, 2], [2, 2]], c);
  });

  it('is equivariant under positive affine maps of the payoffs, whatever their scale', async () => {
    const A = [
      [3, -1],
      [-2, 1],
    ];
    for (const [a, b] of [
      [1e-6, 0],
      [1e6, 5],
      [2, -100],
    ]) {
      const B = A.map((r) => r.map((x) => a * x + b));
      const s = await solveZeroSum(B);
      expect(s.value).toBeCloseTo(a * (1 / 7) + b, 6);
      expect(s.rowStrategy[0]).toBeCloseTo(3 / 7, 8);
      expect(s.colStrategy[0]).toBeCloseTo(2 / 7, 8);
    }
  });

  it('certifies random games: value between the pure bounds, exploitability ~ 0', async () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 30; trial++) {
      const m = 1 + rng.int(8);
      const n = 1 + rng.int(8);
      const A = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
      const s = await solveZeroSum(A);
      expect(s.value).toBeGreaterThanOrEqual(maximinPure(A).value - 1e-9);
      expect(s.value).toBeLessThanOrEqual(minimaxPure(A).value + 1e-9);
      expectEquilibrium(A, s, 1e-8);
    }
  });

  it('rejects empty, ragged and NaN matrices and bad tolerances', async () => {
    await expect(solveZeroSum([])).rejects.toThrow(/solveZeroSum: .*empty \(no rows\)/);
    await expect(solveZeroSum([[]])).rejects.toThrow(/solveZeroSum: .*empty \(no columns\)/);
    await expect(solveZeroSum([[1, 2], [3]])).rejects.toThrow(/solveZeroSum: .*not rectangular/);
    await expect(solveZeroSum([[1, NaN]])).rejects.toThrow(/solveZeroSum: payoff\[0\]\[1\] must be a finite number, got NaN/);
    await expect(solveZeroSum([[1, 2]], { tolerance: 0 })).rejects.toThrow(/tolerance must be a positive number/);
  });
});
