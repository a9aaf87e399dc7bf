/**
 * Exact equilibria of two-player zero-sum matrix games by linear programming.
 *
 * Rows = defender (maximiser), columns = attacker (minimiser); `A[i][j]` is the defender's payoff
 * (see `payoff.ts`). Von Neumann's minimax theorem says
 * `max_p min_q pᵀAq = min_q max_p pᵀAq = value`, and each side is a linear program:
 *
 * ```
 * defender:  maximise v  over p >= 0, v   s.t.  sum_i p_i A[i][j] >= v  for every column j,  sum_i p_i = 1
 * attacker:  minimise w  over q >= 0, w   s.t.  sum_j A[i][j] q_j <= w  for every row i,     sum_j q_j = 1
 * ```
 *
 * The two programs are each other's duals, so `v* = w* = value`. Both are solved, and the returned
 * pair is checked: its exploitability (duality gap, `best_response.ts`) must be below `tolerance`
 * times the payoff range, otherwise an error is thrown rather than a wrong answer returned.
 * Before solving, `A` is rescaled to `[0, 1]` by `(A - min) / (max - min)`; a positive affine map
 * of the payoffs leaves the optimal strategies unchanged and maps the value the same way, and it
 * keeps the solver away from its small-coefficient threshold (1e-9) whatever the payoff units.
 *
 * Solver: HiGHS (Huangfu and Hall; the open-source LP/MIP solver of the University of Edinburgh)
 * through the npm package `highs`, which compiles it to WebAssembly. Chosen over the alternatives
 * because it is a production LP solver with dual simplex and interior-point methods, the package
 * is actively released (its version tracks upstream HiGHS), it is MIT-licensed like saplab, it
 * ships `highs.wasm` inside the package (no download at install or run time, works offline in
 * Node and in browsers) and has TypeScript types. `glpk.js` is GPL-3.0, which an MIT package
 * should not pull in; `javascript-lp-solver` is a small pure-JavaScript tableau simplex, without
 * HiGHS's scaling, presolve and tolerances. Loading the WebAssembly module is asynchronous,
 * hence `solveZeroSum` is `async`; the module is loaded once per process and reused.
 */
import loadHighs from 'highs';
import type { Highs, ModelData } from 'highs';
import { exploitability, worstCaseLoss, worstCasePayoff } from './best_response';
import { checkPayoff, PayoffMatrix, payoffRange, uniformStrategy } from './payoff';

/** Options of {@link solveZeroSum}. */
export interface SolveZeroSumOptions {
  /**
   * Largest accepted exploitability (duality gap) of the returned strategies, relative to the
   * payoff range `max(A) - min(A)`. Default 1e-6; HiGHS's own feasibility tolerance is 1e-7.
   */
  tolerance?: number;
}

/** An equilibrium of a zero-sum game. */
export interface ZeroSumSolution {
  /** The value of the game: the payoff the defender (row player) can guarantee and the attacker can hold it to. */
  value: number;
  /** An optimal (maximin) mixed strategy of the defender (row player). */
  rowStrategy: number[];
  /** An optimal (minimax) mixed strategy of the attacker (column player). */
  colStrategy: number[];
  /** Exploitability (duality gap) of `(rowStrategy, colStrategy)`: about 0, the certificate of optimality. */
  exploitability: number;
}

let highsPromise: Promise<Highs> | undefined;

/** Loads the HiGHS WebAssembly module once; later calls return the same instance. */
export function loadLpSolver(): Promise<Highs> {
  if (!highsPromise) {
    highsPromise = loadHighs().catch((e: unknown) => {
      highsPromise = undefined;
      throw new Error(`could not load the HiGHS LP solver (npm package 'highs'): ${e instanceof Error ? e.message : String(e)}`);
    });
  }
  return highsPromise;
}

/** Version of the HiGHS solver inside the `highs` package, e.g. `'1.15.1'`. */
export async function lpSolverVersion(): Promise<string> {
  return (await loadLpSolver()).version.string;
}

/**
 * Solves `max_x min_j (xᵀ B)_j` over probability vectors `x` (one entry per row of `B`) with
 * HiGHS. Entries of `B` must lie in `[0, 1]`. Returns the optimal `x`, clipped to `>= 0` and
 * renormalised.
 */
function solveMaximin(highs: Highs, b: number[][], caller: string): number[] {
  const m = b.length;
  const n = b[0].length;
  // Variables: x_0..x_{m-1} in [0, 1], then v in [0, 1]. Rows: n payoff rows, then sum(x) = 1.
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      if (b[i][j] !== 0) {
        indices.push(j);
        values.push(b[i][j]);
      }
    }
    indices.push(n);
    values.push(1);
    starts.push(indices.length);
  }
  for (let j = 0; j < n; j++) {
    indices.push(j);
    values.push(-1);
  }
  starts.push(indices.length);
  const inf = highs.infinity;
  const model: ModelData = {
    numCols: m + 1,
    numRows: n + 1,
    sense: highs.constants.objectiveSense.maximize,
    colCost: [...new Array<number>(m).fill(0), 1],
    colLower: new Array<number>(m + 1).fill(0),
    colUpper: new Array<number>(m + 1).fill(1),
    rowLower: [...new Array<number>(n).fill(0), 1],
    rowUpper: [...new Array<number>(n).fill(inf), 1],
    matrix: { format: 'csc', numRows: n + 1, numCols: m + 1, starts, indices, values },
  };
  const result = highs.raw.lpCall(model);
  if (result.status === highs.constants.status.error || !result.value) {
    throw new Error(`${caller}: the LP solver reported an error`);
  }
  const status = result.value.modelStatus;
  if (status !== highs.constants.modelStatus.optimal) {
    const name = Object.entries(highs.constants.modelStatus).find(([, code]) => code === status)?.[0] ?? String(status);
    throw new Error(`${caller}: the LP solver stopped without an optimal solution (model status '${name}')`);
  }
  const x = Array.from(result.value.solution.colValue.subarray(0, m), (v) => Math.max(0, v));
  const sum = x.reduce((s, v) => s + v, 0);
  if (!(sum > 0)) throw new Error(`${caller}: the LP solver returned an all-zero strategy`);
  return x.map((v) => v / sum);
}

/**
 * An exact equilibrium `{ value, rowStrategy, colStrategy }` of the zero-sum game with payoff
 * matrix `payoff` (rows = defender, maximiser; columns = attacker, minimiser), computed by linear
 * programming with HiGHS. `async` because the solver's WebAssembly module loads asynchronously
 * (once per process).
 *
 * The value is unique; the optimal strategies need not be (then one of them is returned). Any
 * optimal `rowStrategy` paired with any optimal `colStrategy` is an equilibrium.
 *
 * Throws on an empty or non-rectangular matrix, a non-finite entry, a bad `tolerance`, or when the
 * solver fails to certify an equilibrium within `tolerance`.
 */
export async function solveZeroSum(payoff: PayoffMatrix, options: SolveZeroSumOptions = {}): Promise<ZeroSumSolution> {
  const [m, n] = checkPayoff(payoff, 'solveZeroSum');
  const tolerance = options.tolerance ?? 1e-6;
  if (!Number.isFinite(tolerance) || tolerance <= 0) {
    throw new Error(`solveZeroSum: tolerance must be a positive number, got ${tolerance}`);
  }
  const [lo, hi] = payoffRange(payoff);
  const range = hi - lo;
  if (range === 0) {
    // Every strategy pair is an equilibrium of a constant game.
    return { value: lo, rowStrategy: uniformStrategy(m), colStrategy: uniformStrategy(n), exploitability: 0 };
  }
  const highs = await loadLpSolver();
  const scaled = payoff.map((row) => row.map((a) => (a - lo) / range));
  const rowStrategy = solveMaximin(highs, scaled, 'solveZeroSum');
  // The attacker maximises min_i (1 - A'[i][j] q_j summed): the maximin problem of 1 - A'ᵀ.
  const transposed: number[][] = [];
  for (let j = 0; j < n; j++) transposed.push(scaled.map((row) => 1 - row[j]));
  const colStrategy = solveMaximin(highs, transposed, 'solveZeroSum');

  const lower = worstCasePayoff(payoff, rowStrategy);
  const upper = worstCaseLoss(payoff, colStrategy);
  const gap = exploitability(payoff, rowStrategy, colStrategy);
  if (gap > tolerance * range) {
    throw new Error(
      `solveZeroSum: the LP solution is not an equilibrium within tolerance: duality gap ${gap} > ${tolerance} * ${range}`,
    );
  }
  return { value: (lower + upper) / 2, rowStrategy, colStrategy, exploitability: Math.max(0, gap) };
}
