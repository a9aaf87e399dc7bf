/**
 * Fictitious play (Brown, 1951): each player best-responds to the empirical mix of the
 * opponent's past actions.
 *
 * Rows = defender (maximiser), columns = attacker (minimiser); see `payoff.ts`. Round 1: both
 * players pick a uniformly random action. Round `t > 1` (simultaneous version): the defender
 * plays `argmax_i (A q̄)_i` and the attacker `argmin_j (p̄ᵀ A)_j`, where `p̄`, `q̄` are the
 * frequencies of the actions played in rounds `1..t-1`; ties are broken uniformly at random with
 * the seeded {@link Rng}, so a run is a deterministic function of the seed.
 *
 * Robinson (1951) proved that in every zero-sum game the frequencies converge to the equilibrium
 * set: `lowerBound` and `upperBound` of the trace both tend to the LP value. Robinson's argument
 * gives no useful rate (Shapiro, 1958: `O(t^(-1/(m+n-2)))`); Karlin conjectured `O(t^(-1/2))`,
 * which Daskalakis and Pan (2014) disproved for adversarial tie-breaking, but with random
 * tie-breaking on small games the gap is observed to shrink roughly like `t^(-1/2)`. For a
 * learning rule with a guaranteed rate see `multiplicativeWeights`.
 *
 * Each round does `O(rows + columns)` work plus one row and one column of `A`.
 */
import { Rng } from '../seed';
import { bestOf } from './best_response';
import { checkPayoff, PayoffMatrix, payoffRange } from './payoff';
import { DynamicsOptions, GameTrace, pickTie, resolveDynamicsOptions, TraceRecorder } from './trace';

/** Options of {@link fictitiousPlay}. */
export type FictitiousPlayOptions = DynamicsOptions;

/** A fictitious-play trace plus the actions played each round. */
export interface FictitiousPlayTrace extends GameTrace {
  /** The defender's action in every round `1..T` (not thinned by `recordEvery`). */
  rowActions: number[];
  /** The attacker's action in every round `1..T`. */
  colActions: number[];
}

/**
 * Runs `iterations` rounds of simultaneous fictitious play on `payoff` and returns the trace of
 * the empirical average strategies (see `trace.ts` for the recorded quantities). Deterministic
 * given `seed`. Throws on a bad matrix or options (e.g. `iterations < 1`).
 */
export function fictitiousPlay(payoff: PayoffMatrix, options: FictitiousPlayOptions = {}): FictitiousPlayTrace {
  const [m, n] = checkPayoff(payoff, 'fictitiousPlay');
  const { iterations, seed, recordEvery } = resolveDynamicsOptions(options, 'fictitiousPlay');
  const rng = new Rng(seed);
  const draw = (k: number) => rng.int(k);
  const [lo, hi] = payoffRange(payoff);
  const rowCounts = new Float64Array(m);
  const colCounts = new Float64Array(n);
  // rowPayoffSum[i] = sum_s A[i][j_s] = t (A q̄)_i;  colPayoffSum[j] = sum_s A[i_s][j] = t (p̄ᵀ A)_j.
  const rowPayoffSum = new Float64Array(m);
  const colPayoffSum = new Float64Array(n);
  const recorder = new TraceRecorder(iterations, recordEvery);
  const rowActions: number[] = [];
  const colActions: number[] = [];
  for (let t = 1; t <= iterations; t++) {
    let i: number;
    let j: number;
    if (t === 1) {
      i = draw(m);
      j = draw(n);
    } else {
      // Sums of t - 1 payoffs carry rounding of order t * eps * range: count such near-ties as ties.
      const tol = 1e-12 * (hi - lo) * t;
      i = pickTie(bestOf(Array.from(rowPayoffSum), 1, tol).actions, draw);
      j = pickTie(bestOf(Array.from(colPayoffSum), -1, tol).actions, draw);
    }
    rowActions.push(i);
    colActions.push(j);
    rowCounts[i] += 1;
    colCounts[j] += 1;
    for (let r = 0; r < m; r++) rowPayoffSum[r] += payoff[r][j];
    const row = payoff[i];
    for (let c = 0; c < n; c++) colPayoffSum[c] += row[c];
    if (recorder.wants(t)) recorder.record(t, rowCounts, colCounts, rowPayoffSum, colPayoffSum);
  }
  return { ...recorder.result(), rowActions, colActions };
}
