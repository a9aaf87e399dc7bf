/**
 * Payoff matrices and mixed strategies of two-player zero-sum games: the shared types, input
 * checks and the expected payoff.
 *
 * Convention used throughout `lib/game`: the payoff matrix `A` has one **row per defender
 * action** and one **column per attacker action**. `A[i][j]` is what the defender (the row
 * player, the *maximiser*) receives when it plays row `i` and the attacker plays column `j`; the
 * attacker (the column player, the *minimiser*) receives `-A[i][j]`. In the defense games of this
 * package `A[i][j]` is the defender's accuracy, so the attacker wants it small.
 *
 * A mixed strategy is a probability vector over a player's actions: `p` (length = rows) for the
 * defender, `q` (length = columns) for the attacker. The expected payoff is `pᵀ A q`.
 */

/** Payoff matrix `A[row][column]`, rows = defender (maximiser), columns = attacker (minimiser). */
export type PayoffMatrix = readonly (readonly number[])[];

/** Probability vector over one player's actions. */
export type MixedStrategy = readonly number[];

/** A named example game with labelled actions, for tables and figures. */
export interface MatrixGame {
  /** Short name, e.g. `'matching pennies'`. */
  name: string;
  /** Payoff to the row player (defender, maximiser); see the module doc for the convention. */
  payoff: number[][];
  /** One label per row (defender action). */
  rowLabels: string[];
  /** One label per column (attacker action). */
  colLabels: string[];
  /** One or two sentences telling the story of the game. */
  description: string;
}

/** Which player: the row player (defender, maximiser) or the column player (attacker, minimiser). */
export type GamePlayer = 'row' | 'column';

/** Tolerance on `|sum(p) - 1|` and on negative entries accepted by {@link checkStrategy}. */
const STRATEGY_TOLERANCE = 1e-6;

/**
 * Checks that `payoff` is a non-empty rectangular matrix of finite numbers and returns its shape
 * `[rows, columns]`. `caller` prefixes the error message. Throws otherwise.
 */
export function checkPayoff(payoff: PayoffMatrix, caller = 'payoff'): [number, number] {
  if (!Array.isArray(payoff)) throw new Error(`${caller}: the payoff matrix must be an array of rows`);
  if (payoff.length === 0) throw new Error(`${caller}: the payoff matrix is empty (no rows)`);
  const first = payoff[0];
  if (!Array.isArray(first)) throw new Error(`${caller}: row 0 of the payoff matrix is not an array`);
  const cols = first.length;
  if (cols === 0) throw new Error(`${caller}: the payoff matrix is empty (no columns)`);
  for (let i = 0; i < payoff.length; i++) {
    const row = payoff[i];
    if (!Array.isArray(row)) throw new Error(`${caller}: row ${i} of the payoff matrix is not an array`);
    if (row.length !== cols) {
      throw new Error(`${caller}: the payoff matrix is not rectangular: row 0 has ${cols} entries, row ${i} has ${row.length}`);
    }
    for (let j = 0; j < cols; j++) {
      const a = row[j];
      if (typeof a !== 'number' || !Number.isFinite(a)) {
        throw new Error(`${caller}: payoff[${i}][${j}] must be a finite number, got ${a}`);
      }
    }
  }
  return [payoff.length, cols];
}

/**
 * Checks that `strategy` is a probability vector of length `n`: finite entries, none below
 * `-STRATEGY_TOLERANCE`, summing to 1 within `STRATEGY_TOLERANCE`. `what` names it in the error.
 */
export function checkStrategy(strategy: MixedStrategy, n: number, what = 'strategy'): void {
  if (!Array.isArray(strategy)) throw new Error(`${what} must be an array of probabilities`);
  if (strategy.length !== n) throw new Error(`${what} must have ${n} entries, got ${strategy.length}`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = strategy[i];
    if (typeof s !== 'number' || !Number.isFinite(s)) throw new Error(`${what}[${i}] must be a finite number, got ${s}`);
    if (s < -STRATEGY_TOLERANCE) throw new Error(`${what}[${i}] is negative (${s}); a strategy holds probabilities`);
    sum += s;
  }
  if (Math.abs(sum - 1) > STRATEGY_TOLERANCE) throw new Error(`${what} must sum to 1, got ${sum}`);
}

/** The pure strategy that plays action `action` of `n` with probability 1 (a one-hot vector). */
export function pureStrategy(n: number, action: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`pureStrategy: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(action) || action < 0 || action >= n) {
    throw new Error(`pureStrategy: action must be an integer in [0, ${n}), got ${action}`);
  }
  const s = new Array<number>(n).fill(0);
  s[action] = 1;
  return s;
}

/** The uniform mixed strategy over `n` actions. */
export function uniformStrategy(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`uniformStrategy: n must be a positive integer, got ${n}`);
  return new Array<number>(n).fill(1 / n);
}

/** `(A q)_i` for every row `i`: each defender action's expected payoff against the attacker's `q`. */
export function rowPayoffs(payoff: PayoffMatrix, colStrategy: MixedStrategy): number[] {
  return payoff.map((row) => {
    let s = 0;
    for (let j = 0; j < row.length; j++) s += row[j] * colStrategy[j];
    return s;
  });
}

/** `(pᵀ A)_j` for every column `j`: each attacker action's expected payoff against the defender's `p`. */
export function colPayoffs(payoff: PayoffMatrix, rowStrategy: MixedStrategy): number[] {
  const out = new Array<number>(payoff[0].length).fill(0);
  for (let i = 0; i < payoff.length; i++) {
    const p = rowStrategy[i];
    if (p === 0) continue;
    const row = payoff[i];
    for (let j = 0; j < row.length; j++) out[j] += p * row[j];
  }
  return out;
}

/**
 * Expected payoff `pᵀ A q` to the defender (row player) when the defender plays `rowStrategy`
 * and the attacker plays `colStrategy`. Throws on a bad matrix or strategies.
 */
export function expectedPayoff(payoff: PayoffMatrix, rowStrategy: MixedStrategy, colStrategy: MixedStrategy): number {
  const [m, n] = checkPayoff(payoff, 'expectedPayoff');
  checkStrategy(rowStrategy, m, 'expectedPayoff: rowStrategy');
  checkStrategy(colStrategy, n, 'expectedPayoff: colStrategy');
  const r = rowPayoffs(payoff, colStrategy);
  let s = 0;
  for (let i = 0; i < m; i++) s += rowStrategy[i] * r[i];
  return s;
}

/** `[min, max]` over all entries of a (checked) payoff matrix. */
export function payoffRange(payoff: PayoffMatrix): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of payoff) {
    for (const a of row) {
      if (a < lo) lo = a;
      if (a > hi) hi = a;
    }
  }
  return [lo, hi];
}
