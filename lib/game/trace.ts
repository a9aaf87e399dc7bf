/**
 * Learning-curve traces of game dynamics (fictitious play, multiplicative weights): the running
 * average strategies and the bounds they put on the game value, for plotting convergence.
 *
 * Rows = defender (maximiser), columns = attacker (minimiser); see `payoff.ts`. At iteration `t`
 * the defender's average strategy `p̄_t` guarantees `lowerBound = min_j (p̄_tᵀ A)_j` and the
 * attacker's `q̄_t` concedes at most `upperBound = max_i (A q̄_t)_i`; by weak duality
 * `lowerBound <= value <= upperBound` at every `t`, so the two curves bracket the LP value and
 * their gap (the exploitability) says how far the averages are from an equilibrium.
 */
import { checkSeed, DEFAULT_SEED } from '../seed';

/** Options shared by the learning dynamics. */
export interface DynamicsOptions {
  /** Number of rounds of play `T`, a positive integer. Default 1000. */
  iterations?: number;
  /** Seed for the random choices (tie-breaking, sampling). Default `DEFAULT_SEED`. */
  seed?: number;
  /** Record every `recordEvery`-th iteration (the last one is always recorded). Default 1. */
  recordEvery?: number;
}

/** Per-iteration trace of a learning dynamic; arrays are aligned with `iterations`. */
export interface GameTrace {
  /** Recorded iteration numbers `t` (1-based). */
  iterations: number[];
  /** The defender's average strategy `p̄_t` at each recorded iteration. */
  rowAverage: number[][];
  /** The attacker's average strategy `q̄_t` at each recorded iteration. */
  colAverage: number[][];
  /** `min_j (p̄_tᵀ A)_j`: what the defender's average guarantees; `<=` the game value. */
  lowerBound: number[];
  /** `max_i (A q̄_t)_i`: the most the attacker's average concedes; `>=` the game value. */
  upperBound: number[];
  /** `upperBound - lowerBound`: the exploitability (duality gap) of `(p̄_t, q̄_t)`, `>= 0`. */
  exploitability: number[];
  /** `p̄_tᵀ A q̄_t`: the running estimate of the game value, between the two bounds. */
  valueEstimate: number[];
  /** The defender's final average strategy `p̄_T`. */
  rowStrategy: number[];
  /** The attacker's final average strategy `q̄_T`. */
  colStrategy: number[];
}

/** Resolved {@link DynamicsOptions}. */
interface ResolvedDynamicsOptions {
  iterations: number;
  seed: number;
  recordEvery: number;
}

/** Validates and fills the defaults of {@link DynamicsOptions}; `caller` prefixes errors. */
export function resolveDynamicsOptions(options: DynamicsOptions, caller: string): ResolvedDynamicsOptions {
  const iterations = options.iterations ?? 1000;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new Error(`${caller}: iterations must be a positive integer, got ${iterations}`);
  }
  const seed = options.seed ?? DEFAULT_SEED;
  checkSeed(seed, caller);
  const recordEvery = options.recordEvery ?? 1;
  if (!Number.isInteger(recordEvery) || recordEvery < 1) {
    throw new Error(`${caller}: recordEvery must be a positive integer, got ${recordEvery}`);
  }
  return { iterations, seed, recordEvery };
}

/**
 * Accumulates a {@link GameTrace} from running sums. At iteration `t` the caller passes
 * `rowSum = sum_s p_s` and `colSum = sum_s q_s` (for fictitious play: action counts) and the
 * payoff sums `rowPayoffSum = sum_s A q_s` (length rows) and `colPayoffSum = sum_s p_sᵀ A`
 * (length columns), in the original payoff units; dividing by `t` gives the averages and
 * `(A q̄_t)`, `(p̄_tᵀ A)` without another pass over the matrix.
 */
export class TraceRecorder {
  private readonly trace: GameTrace = {
    iterations: [],
    rowAverage: [],
    colAverage: [],
    lowerBound: [],
    upperBound: [],
    exploitability: [],
    valueEstimate: [],
    rowStrategy: [],
    colStrategy: [],
  };

  constructor(
    private readonly total: number,
    private readonly recordEvery: number,
  ) {}

  /** Whether iteration `t` is recorded. */
  wants(t: number): boolean {
    return t % this.recordEvery === 0 || t === this.total;
  }

  /** Records iteration `t` (1-based) from the running sums described in the class doc. */
  record(t: number, rowSum: ArrayLike<number>, colSum: ArrayLike<number>, rowPayoffSum: ArrayLike<number>, colPayoffSum: ArrayLike<number>): void {
    const p = normalise(rowSum);
    const q = normalise(colSum);
    let upper = -Infinity;
    let estimate = 0;
    for (let i = 0; i < rowPayoffSum.length; i++) {
      const r = rowPayoffSum[i] / t;
      if (r > upper) upper = r;
      estimate += p[i] * r;
    }
    let lower = Infinity;
    for (let j = 0; j < colPayoffSum.length; j++) lower = Math.min(lower, colPayoffSum[j] / t);
    const tr = this.trace;
    tr.iterations.push(t);
    tr.rowAverage.push(p);
    tr.colAverage.push(q);
    tr.lowerBound.push(lower);
    tr.upperBound.push(upper);
    tr.exploitability.push(Math.max(0, upper - lower));
    tr.valueEstimate.push(estimate);
    tr.rowStrategy = p;
    tr.colStrategy = q;
  }

  /** The trace recorded so far. */
  result(): GameTrace {
    return this.trace;
  }
}

function normalise(v: ArrayLike<number>): number[] {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return Array.from(v, (x) => x / s);
}

/** Uniformly random index among `candidates` (returns the only one without drawing). */
export function pickTie(candidates: readonly number[], draw: (n: number) => number): number {
  return candidates.length === 1 ? candidates[0] : candidates[draw(candidates.length)];
}
