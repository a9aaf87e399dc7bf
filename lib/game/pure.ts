/**
 * Pure strategies: maximin and minimax values and saddle points.
 *
 * Rows = defender (maximiser), columns = attacker (minimiser); see `payoff.ts`.
 *
 * If the defender must announce one deterministic action first, the attacker answers with the
 * worst column for it, so the best the defender can secure is the **maximin** value
 * `max_i min_j A[i][j]`. If instead the attacker must move first, the defender answers and the
 * attacker can hold it to the **minimax** value `min_j max_i A[i][j]`. Always
 * `maximin <= minimax`: moving first never helps. When they are equal the game has a **saddle
 * point** — an entry that is the smallest of its row and the largest of its column — and
 * deterministic play is optimal for both sides. When `maximin < minimax` there is no saddle point,
 * the player who moves first loses something, and only mixed (random) strategies close the gap
 * (von Neumann's minimax theorem): this is the situation of a defender facing a white-box attacker.
 */
import { checkPayoff, PayoffMatrix } from './payoff';

/** A pure strategy and the value it secures. */
export interface PureSecurity {
  /** The payoff the action secures against every reply. */
  value: number;
  /** The securing action (the lowest index among ties). */
  action: number;
}

/** A saddle point `(row, col)` of a payoff matrix. */
export interface SaddlePoint {
  /** The defender's (row player's) action. */
  row: number;
  /** The attacker's (column player's) action. */
  col: number;
  /** `A[row][col]`, the value of the game. */
  value: number;
}

/**
 * The defender's best deterministic guarantee: `max_i min_j A[i][j]` and the row achieving it.
 * Throws on a bad matrix.
 */
export function maximinPure(payoff: PayoffMatrix): PureSecurity {
  checkPayoff(payoff, 'maximinPure');
  let best: PureSecurity = { value: -Infinity, action: -1 };
  payoff.forEach((row, i) => {
    const worst = Math.min(...row);
    if (worst > best.value) best = { value: worst, action: i };
  });
  return best;
}

/**
 * The attacker's best deterministic guarantee: `min_j max_i A[i][j]` and the column achieving it
 * (the most the defender can get against that column). Throws on a bad matrix.
 */
export function minimaxPure(payoff: PayoffMatrix): PureSecurity {
  const [m, n] = checkPayoff(payoff, 'minimaxPure');
  let best: PureSecurity = { value: Infinity, action: -1 };
  for (let j = 0; j < n; j++) {
    let worst = -Infinity;
    for (let i = 0; i < m; i++) worst = Math.max(worst, payoff[i][j]);
    if (worst < best.value) best = { value: worst, action: j };
  }
  return best;
}

/**
 * A saddle point of `payoff`, or `null` when there is none (then `maximin < minimax` and the
 * equilibrium is mixed). When several exist (they all share the same value) the one at the
 * maximin row and minimax column of lowest indices is returned. Throws on a bad matrix.
 */
export function pureSaddlePoint(payoff: PayoffMatrix): SaddlePoint | null {
  checkPayoff(payoff, 'pureSaddlePoint');
  const lower = maximinPure(payoff);
  const upper = minimaxPure(payoff);
  // lower.value <= A[row][col] <= upper.value; equality makes A[row][col] the minimum of its row
  // and the maximum of its column. The values are matrix entries, so the comparison is exact.
  if (lower.value !== upper.value) return null;
  return { row: lower.action, col: upper.action, value: lower.value };
}
