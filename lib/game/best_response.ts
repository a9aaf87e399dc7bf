/**
 * Best responses, worst-case payoffs and exploitability (the duality gap) of mixed strategies.
 *
 * Rows = defender (maximiser), columns = attacker (minimiser); see `payoff.ts`. A defender who
 * commits to `p` can only count on its *worst case* `min_j (pᵀ A)_j`: a rational attacker who
 * knows `p` (white-box threat model) answers with the column that hurts `p` most. The gap between
 * what the attacker's `q` concedes and what the defender's `p` guarantees measures how far the pair
 * is from an equilibrium.
 */
import { checkPayoff, checkStrategy, colPayoffs, MixedStrategy, PayoffMatrix, GamePlayer, rowPayoffs } from './payoff';

/** A player's best pure replies to the opponent's mixed strategy. */
export interface BestResponse {
  /** The best action with the lowest index. */
  action: number;
  /** Every best action (ties within `tolerance`), in increasing order. */
  actions: number[];
  /** Payoff to the defender (row player) when the responder plays `action`. */
  value: number;
  /** Payoff to the defender for each of the responder's actions. */
  payoffs: number[];
}

/** Options of the best-response functions. */
export interface BestResponseOptions {
  /** Actions whose payoff is within `tolerance` of the best one count as ties. Default 1e-12. */
  tolerance?: number;
}

/**
 * The best pure responses of `player` to the opponent's mixed `opponentStrategy`.
 *
 * - `player = 'row'` (defender): maximises `(A q)_i` over rows, against the attacker's `q`.
 * - `player = 'column'` (attacker): minimises `(pᵀ A)_j` over columns, against the defender's `p`.
 *
 * A pure best response always exists among the best mixed ones (a linear function over the
 * simplex is optimised at a vertex). Payoffs are always the defender's. Throws on a bad matrix
 * or strategy.
 */
export function bestResponse(
  payoff: PayoffMatrix,
  opponentStrategy: MixedStrategy,
  player: GamePlayer,
  options: BestResponseOptions = {},
): BestResponse {
  const [m, n] = checkPayoff(payoff, 'bestResponse');
  const tolerance = options.tolerance ?? 1e-12;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new Error(`bestResponse: tolerance must be a non-negative number, got ${tolerance}`);
  }
  let payoffs: number[];
  let sign: number;
  if (player === 'row') {
    checkStrategy(opponentStrategy, n, 'bestResponse: the attacker (column) strategy');
    payoffs = rowPayoffs(payoff, opponentStrategy);
    sign = 1;
  } else if (player === 'column') {
    checkStrategy(opponentStrategy, m, 'bestResponse: the defender (row) strategy');
    payoffs = colPayoffs(payoff, opponentStrategy);
    sign = -1;
  } else {
    throw new Error(`bestResponse: player must be 'row' or 'column', got ${String(player)}`);
  }
  return bestOf(payoffs, sign, tolerance);
}

/** Best entries of `payoffs` for a player who maximises `sign * payoff`. */
export function bestOf(payoffs: readonly number[], sign: number, tolerance = 0): BestResponse {
  let best = -Infinity;
  for (const v of payoffs) if (sign * v > best) best = sign * v;
  const actions: number[] = [];
  for (let a = 0; a < payoffs.length; a++) if (sign * payoffs[a] >= best - tolerance) actions.push(a);
  return { action: actions[0], actions, value: sign * best, payoffs: [...payoffs] };
}

/**
 * The payoff a defender mixed strategy `rowStrategy` guarantees: `min_j (pᵀ A)_j`, its expected
 * payoff against the attacker's best response. For the defense games of this package this is the
 * defender's worst-case accuracy. Throws on a bad matrix or strategy.
 */
export function worstCasePayoff(payoff: PayoffMatrix, rowStrategy: MixedStrategy): number {
  const [m] = checkPayoff(payoff, 'worstCasePayoff');
  checkStrategy(rowStrategy, m, 'worstCasePayoff: rowStrategy');
  return Math.min(...colPayoffs(payoff, rowStrategy));
}

/**
 * The most an attacker mixed strategy `colStrategy` can concede: `max_i (A q)_i`, the defender's
 * expected payoff when it best-responds to `q`. Throws on a bad matrix or strategy.
 */
export function worstCaseLoss(payoff: PayoffMatrix, colStrategy: MixedStrategy): number {
  const [, n] = checkPayoff(payoff, 'worstCaseLoss');
  checkStrategy(colStrategy, n, 'worstCaseLoss: colStrategy');
  return Math.max(...rowPayoffs(payoff, colStrategy));
}

/**
 * Exploitability of the strategy pair `(p, q)`: the duality gap
 * `max_i (A q)_i - min_j (pᵀ A)_j = worstCaseLoss(A, q) - worstCasePayoff(A, p)`.
 *
 * By weak duality `worstCasePayoff(A, p) <= value <= worstCaseLoss(A, q)` for every pair, so the
 * gap is `>= 0` and bounds how far each side is from the game value; it is `0` exactly when
 * `(p, q)` is an equilibrium (both strategies are optimal). It is the sum of what each player
 * would gain by deviating to a best response. Throws on a bad matrix or strategies.
 */
export function exploitability(payoff: PayoffMatrix, rowStrategy: MixedStrategy, colStrategy: MixedStrategy): number {
  const [m, n] = checkPayoff(payoff, 'exploitability');
  checkStrategy(rowStrategy, m, 'exploitability: rowStrategy');
  checkStrategy(colStrategy, n, 'exploitability: colStrategy');
  return Math.max(...rowPayoffs(payoff, colStrategy)) - Math.min(...colPayoffs(payoff, rowStrategy));
}
