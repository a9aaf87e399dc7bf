/**
 * Multiplicative weights (Hedge; Freund and Schapire, 1999) played by both sides of a zero-sum
 * game, with a guaranteed convergence rate of the average strategies.
 *
 * Rows = defender (maximiser), columns = attacker (minimiser); see `payoff.ts`. The payoffs are
 * first rescaled to `A' = (A - min A) / (max A - min A)` in `[0, 1]`, so the learning rate `eta`
 * has no units. In round `t` the defender plays `p_t ∝ p_1 exp(eta * G_t)` and the attacker
 * `q_t ∝ q_1 exp(-eta * L_t)`, where `G_t` (length rows) is the defender's cumulative gain of
 * each action and `L_t` (length columns) the attacker's cumulative loss, both over rounds
 * `1..t-1`, and `p_1`, `q_1` are the starting strategies:
 *
 * - `initial: 'random'` (default): `p_1`, `q_1` drawn uniformly from the probability simplex
 *   (flat Dirichlet) with the seeded {@link Rng}. In symmetric games such as matching pennies or
 *   rock–paper–scissors the uniform strategy already is the equilibrium, so a uniform start
 *   would leave nothing to learn and a flat learning curve.
 * - `initial: 'uniform'`: the textbook start `p_1 = 1/m`, `q_1 = 1/n`.
 *
 * After the round:
 *
 * - `feedback: 'expected'` (default): `G += A' q_t`, `L += p_tᵀ A'`: each player sees the
 *   opponent's whole mixed strategy.
 * - `feedback: 'sampled'`: actions `i_t ~ p_t`, `j_t ~ q_t` are drawn with the seeded
 *   {@link Rng} and `G += A'[:, j_t]`, `L += A'[i_t, :]`: each player learns only from the action
 *   the opponent actually played. Deterministic given the seed.
 *
 * **Guarantee.** Hedge with gains in `[0, 1]` started from `p_1` has regret at most
 * `ln(1 / min_i p_1[i]) / eta + eta t / 8` after `t` rounds against any sequence, even an
 * adaptive one (Cesa-Bianchi and Lugosi, *Prediction, Learning, and Games*, 2006, Thm 2.2, whose
 * proof gives `ln(1 / prior)` in place of `ln K` for a non-uniform prior). In a zero-sum game the
 * two players' regrets add up to `t` times the exploitability of the average strategies
 * `(p̄_t, q̄_t)`, hence with expected feedback, at every `t`,
 *
 * ```
 * exploitability(p̄_t, q̄_t) <= range * (c / (eta t) + eta / 4),
 *     c = ln(1 / min p_1) + ln(1 / min q_1),   range = max A - min A.
 * ```
 *
 * With a uniform start `c = ln m + ln n`, and the default `eta = 2 sqrt((ln m + ln n) / T)`
 * makes the bound `range * sqrt((ln m + ln n) / T)` at `t = T`. With sampled feedback four
 * martingale terms with increments in intervals of length 1 are added; by the Azuma–Hoeffding
 * inequality and a union bound over `m + n + 2` of them the bound grows by
 * `range * 4 sqrt(ln((m + n + 2) / delta) / (2 t))` and holds at each `t` with probability at
 * least `1 - delta`. The trace's `bound` is this curve.
 */
import { Rng } from '../seed';
import { checkPayoff, checkStrategy, PayoffMatrix, payoffRange, uniformStrategy } from './payoff';
import { DynamicsOptions, GameTrace, resolveDynamicsOptions, TraceRecorder } from './trace';

/** How each player observes the opponent after a round. */
export type MwuFeedback = 'expected' | 'sampled';

/** The starting strategies: uniform, or drawn uniformly from the simplex. */
export type MwuInitial = 'uniform' | 'random';

/** Options of {@link multiplicativeWeights}. */
export interface MultiplicativeWeightsOptions extends DynamicsOptions {
  /**
   * Learning rate on payoffs rescaled to `[0, 1]`, a positive number. Default
   * `2 sqrt((ln m + ln n) / iterations)`, which minimises the guarantee at `t = iterations`.
   */
  eta?: number;
  /** `'expected'` (default) or `'sampled'`; see the module doc. */
  feedback?: MwuFeedback;
  /** `'random'` (default) or `'uniform'` starting strategies; see the module doc. */
  initial?: MwuInitial;
  /** Failure probability of the sampled-feedback `bound`, in `(0, 1)`. Default 0.01. */
  delta?: number;
}

/** A multiplicative-weights trace plus the learning rate used and the guarantee. */
export interface MultiplicativeWeightsTrace extends GameTrace {
  /** The learning rate used (on the `[0, 1]`-rescaled payoffs). */
  eta: number;
  /** The defender's starting strategy `p_1`. */
  rowInitial: number[];
  /** The attacker's starting strategy `q_1`. */
  colInitial: number[];
  /**
   * The guaranteed upper bound on `exploitability` at each recorded iteration (see the module
   * doc): always valid with expected feedback, with probability `>= 1 - delta` at each `t` with
   * sampled feedback.
   */
  bound: number[];
}

/** Options of {@link multiplicativeWeightsBound}. */
export interface MultiplicativeWeightsBoundOptions {
  /** Round `t` at which to evaluate the bound, a positive integer. */
  iterations: number;
  /** Learning rate on `[0, 1]`-rescaled payoffs. */
  eta: number;
  /** Feedback model. Default `'expected'`. */
  feedback?: MwuFeedback;
  /** Failure probability for sampled feedback, in `(0, 1)`. Default 0.01. */
  delta?: number;
  /** The defender's starting strategy `p_1`. Default uniform. */
  rowInitial?: number[];
  /** The attacker's starting strategy `q_1`. Default uniform. */
  colInitial?: number[];
}

/** Default learning rate `2 sqrt((ln m + ln n) / iterations)` (for a 1 x 1 game, ln 2 is used). */
export function defaultEta(m: number, n: number, iterations: number): number {
  const logs = Math.max(Math.log(m) + Math.log(n), Math.LN2);
  return 2 * Math.sqrt(logs / iterations);
}

/**
 * The guaranteed bound on the exploitability of the average strategies of
 * {@link multiplicativeWeights} after `iterations` rounds with learning rate `eta` on `payoff`:
 * `range * (c / (eta t) + eta / 4)` with `c = ln(1 / min p_1) + ln(1 / min q_1)` (`ln m + ln n`
 * for uniform starts), plus `range * 4 sqrt(ln((m + n + 2) / delta) / (2 t))` for sampled
 * feedback. Throws on a bad matrix or options.
 */
export function multiplicativeWeightsBound(payoff: PayoffMatrix, options: MultiplicativeWeightsBoundOptions): number {
  const [m, n] = checkPayoff(payoff, 'multiplicativeWeightsBound');
  const { iterations: t, eta } = options;
  if (!Number.isInteger(t) || t < 1) throw new Error(`multiplicativeWeightsBound: iterations must be a positive integer, got ${t}`);
  checkEta(eta, 'multiplicativeWeightsBound');
  const feedback = checkFeedback(options.feedback ?? 'expected', 'multiplicativeWeightsBound');
  const delta = checkDelta(options.delta ?? 0.01, 'multiplicativeWeightsBound');
  const p1 = options.rowInitial ?? uniformStrategy(m);
  const q1 = options.colInitial ?? uniformStrategy(n);
  checkStrategy(p1, m, 'multiplicativeWeightsBound: rowInitial');
  checkStrategy(q1, n, 'multiplicativeWeightsBound: colInitial');
  const [lo, hi] = payoffRange(payoff);
  return boundAt(m, n, hi - lo, t, eta, feedback, delta, priorCost(p1) + priorCost(q1));
}

/** `ln(1 / min_i prior[i])`, the price of a prior in the Hedge regret bound. */
function priorCost(prior: ArrayLike<number>): number {
  let lo = Infinity;
  for (let i = 0; i < prior.length; i++) lo = Math.min(lo, prior[i]);
  return -Math.log(lo);
}

function boundAt(m: number, n: number, range: number, t: number, eta: number, feedback: MwuFeedback, delta: number, c: number): number {
  let b = c / (eta * t) + eta / 4;
  if (feedback === 'sampled') b += 4 * Math.sqrt(Math.log((m + n + 2) / delta) / (2 * t));
  return range * b;
}

function checkEta(eta: number, caller: string): number {
  if (typeof eta !== 'number' || !Number.isFinite(eta) || eta <= 0) throw new Error(`${caller}: eta must be a positive number, got ${eta}`);
  return eta;
}

function checkFeedback(feedback: MwuFeedback, caller: string): MwuFeedback {
  if (feedback !== 'expected' && feedback !== 'sampled') {
    throw new Error(`${caller}: feedback must be 'expected' or 'sampled', got ${String(feedback)}`);
  }
  return feedback;
}

function checkDelta(delta: number, caller: string): number {
  if (typeof delta !== 'number' || !(delta > 0 && delta < 1)) throw new Error(`${caller}: delta must be in (0, 1), got ${delta}`);
  return delta;
}

/** `out ∝ exp(scale * x)`, shifted by the maximum first: a numerically stable softmax. */
function softmaxInto(out: Float64Array, x: Float64Array, scale: number): void {
  let best = -Infinity;
  for (let k = 0; k < x.length; k++) best = Math.max(best, scale * x[k]);
  let s = 0;
  for (let k = 0; k < x.length; k++) {
    out[k] = Math.exp(scale * x[k] - best);
    s += out[k];
  }
  for (let k = 0; k < x.length; k++) out[k] /= s;
}

/** A point drawn uniformly from the probability simplex (normalised exponential draws). */
function randomSimplexPoint(n: number, rng: Rng): number[] {
  const e = Array.from({ length: n }, () => -Math.log(1 - rng.next()));
  const s = e.reduce((a, b) => a + b, 0);
  // 1 - next() is in (0, 1], so e >= 0; all-zero would need n exact ones, and then use uniform.
  return s > 0 ? e.map((v) => v / s) : uniformStrategy(n);
}

function checkInitial(initial: MwuInitial, caller: string): MwuInitial {
  if (initial !== 'uniform' && initial !== 'random') {
    throw new Error(`${caller}: initial must be 'uniform' or 'random', got ${String(initial)}`);
  }
  return initial;
}

/** Index drawn from the probability vector `probs`. */
function sample(probs: Float64Array, rng: Rng): number {
  const u = rng.next();
  let c = 0;
  for (let k = 0; k < probs.length; k++) {
    c += probs[k];
    if (u < c) return k;
  }
  // Rounding can leave the cumulative sum just below 1: fall back to the last positive entry.
  for (let k = probs.length - 1; k >= 0; k--) if (probs[k] > 0) return k;
  return probs.length - 1;
}

/**
 * Runs `iterations` rounds of multiplicative weights for both players on `payoff` and returns the
 * trace of their average mixed strategies with the guarantee `bound` (see the module doc and
 * `trace.ts`). Deterministic given `seed` (which only matters with `feedback: 'sampled'`).
 * Throws on a bad matrix or options (e.g. `iterations < 1`, `eta <= 0`).
 */
export function multiplicativeWeights(payoff: PayoffMatrix, options: MultiplicativeWeightsOptions = {}): MultiplicativeWeightsTrace {
  const [m, n] = checkPayoff(payoff, 'multiplicativeWeights');
  const { iterations, seed, recordEvery } = resolveDynamicsOptions(options, 'multiplicativeWeights');
  const eta = checkEta(options.eta ?? defaultEta(m, n, iterations), 'multiplicativeWeights');
  const feedback = checkFeedback(options.feedback ?? 'expected', 'multiplicativeWeights');
  const delta = checkDelta(options.delta ?? 0.01, 'multiplicativeWeights');
  const initial = checkInitial(options.initial ?? 'random', 'multiplicativeWeights');
  const rng = new Rng(seed);
  const rowInitial = initial === 'uniform' ? uniformStrategy(m) : randomSimplexPoint(m, rng);
  const colInitial = initial === 'uniform' ? uniformStrategy(n) : randomSimplexPoint(n, rng);
  // A random start can put (almost) zero mass on an action; keep every weight positive so the
  // prior's price ln(1 / min) in the bound stays finite.
  for (const s of [rowInitial, colInitial]) {
    for (let k = 0; k < s.length; k++) s[k] = Math.max(s[k], 1e-12);
    const sum = s.reduce((x, y) => x + y, 0);
    for (let k = 0; k < s.length; k++) s[k] /= sum;
  }
  const c = priorCost(rowInitial) + priorCost(colInitial);
  const [lo, hi] = payoffRange(payoff);
  const range = hi - lo;
  const scaled = payoff.map((row) => row.map((a) => (range > 0 ? (a - lo) / range : 0)));

  // G: cumulative gains of the defender's actions, L: cumulative losses of the attacker's actions
  // (rescaled units), offset by the log-prior so that softmax(eta G) = p_1 exp(eta gains).
  const gain = Float64Array.from(rowInitial, (v) => Math.log(v) / eta);
  const loss = Float64Array.from(colInitial, (v) => -Math.log(v) / eta);
  const p = new Float64Array(m);
  const q = new Float64Array(n);
  const rowSum = new Float64Array(m);
  const colSum = new Float64Array(n);
  const rowPayoffSum = new Float64Array(m); // sum_s A q_s, original units
  const colPayoffSum = new Float64Array(n); // sum_s p_sᵀ A, original units
  const recorder = new TraceRecorder(iterations, recordEvery);
  const bound: number[] = [];

  for (let t = 1; t <= iterations; t++) {
    softmaxInto(p, gain, eta);
    softmaxInto(q, loss, -eta);
    for (let i = 0; i < m; i++) rowSum[i] += p[i];
    for (let j = 0; j < n; j++) colSum[j] += q[j];
    for (let i = 0; i < m; i++) {
      const row = payoff[i];
      let aq = 0;
      for (let j = 0; j < n; j++) {
        aq += row[j] * q[j];
        colPayoffSum[j] += p[i] * row[j];
      }
      rowPayoffSum[i] += aq;
    }
    if (feedback === 'expected') {
      for (let i = 0; i < m; i++) {
        const row = scaled[i];
        let aq = 0;
        for (let j = 0; j < n; j++) {
          aq += row[j] * q[j];
          loss[j] += p[i] * row[j];
        }
        gain[i] += aq;
      }
    } else {
      const i = sample(p, rng);
      const j = sample(q, rng);
      for (let r = 0; r < m; r++) gain[r] += scaled[r][j];
      const row = scaled[i];
      for (let c = 0; c < n; c++) loss[c] += row[c];
    }
    if (recorder.wants(t)) {
      recorder.record(t, rowSum, colSum, rowPayoffSum, colPayoffSum);
      bound.push(boundAt(m, n, range, t, eta, feedback, delta, c));
    }
  }
  return { ...recorder.result(), eta, rowInitial, colInitial, bound };
}
