/**
 * Paired comparisons: two measurements on the same examples (two defenses on the same test
 * images, one defense under two attacks, two policies on the same episode seeds).
 *
 * Pairing removes the between-example variation that dominates two separate intervals: two
 * accuracies of 30% and 34% on 150 images have Wilson intervals of about ±7 points each, yet
 * their paired difference is decided only by the images on which the two disagree.
 *
 * - {@link mcnemarExact}: the exact McNemar test (McNemar, 1947; exact binomial form e.g.
 *   Fagerland, Lydersen & Laake, BMC Med. Res. Methodol. 13:91, 2013).
 * - {@link pairedProportionDifference}: Newcombe's (1998) method 10 interval for a difference of
 *   paired proportions.
 * - {@link pairedMeanDifference}: a seeded bootstrap interval and a sign-flip test for continuous
 *   paired outcomes (episode returns).
 * - {@link sampleSizeForPairedDifference}: the number of pairs that would resolve an effect.
 */
import { DEFAULT_SEED, deriveSeed, Rng } from '../seed';
import { wilsonInterval } from './accuracy';
import { normalQuantile, zForConfidence } from './normal';

/** Paired binary outcomes: 0/1 or booleans, one per example. */
export type PairedFlags = ArrayLike<number | boolean>;

function readFlags(a: PairedFlags, b: PairedFlags, what: string): { x: Uint8Array; y: Uint8Array } {
  if (a.length !== b.length) throw new Error(`${what}: a and b must have the same length, got ${a.length} and ${b.length}`);
  if (a.length === 0) throw new Error(`${what}: no pairs`);
  const read = (v: PairedFlags, name: string): Uint8Array => {
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const f = v[i];
      if (f === true || f === 1) out[i] = 1;
      else if (f === false || f === 0) out[i] = 0;
      else throw new Error(`${what}: ${name}[${i}] = ${String(f)}; outcomes must be 0/1 or booleans`);
    }
    return out;
  };
  return { x: read(a, 'a'), y: read(b, 'b') };
}

/** The 2x2 table of paired binary outcomes. */
interface PairedTable {
  n: number;
  /** Both 1. */
  both: number;
  /** a = 1, b = 0. */
  onlyA: number;
  /** a = 0, b = 1. */
  onlyB: number;
  /** Both 0. */
  neither: number;
}

function table(a: PairedFlags, b: PairedFlags, what: string): PairedTable {
  const { x, y } = readFlags(a, b, what);
  const t = { n: x.length, both: 0, onlyA: 0, onlyB: 0, neither: 0 };
  for (let i = 0; i < x.length; i++) {
    if (x[i] && y[i]) t.both++;
    else if (x[i]) t.onlyA++;
    else if (y[i]) t.onlyB++;
    else t.neither++;
  }
  return t;
}

/** Result of {@link mcnemarExact}. */
export interface McNemarResult {
  /** Number of pairs. */
  n: number;
  /** Pairs on which a and b differ (`onlyA + onlyB`). */
  discordant: number;
  /** Pairs with a = 1 and b = 0. */
  onlyA: number;
  /** Pairs with a = 0 and b = 1. */
  onlyB: number;
  /** Exact two-sided p-value; 1 when there are no discordant pairs. */
  pValue: number;
}

/**
 * `P(X <= k)` for `X ~ Binomial(m, 1/2)`, summed in log space so that it stays exact to
 * rounding for any `m` (2^-m underflows past m = 1074).
 */
export function binomialHalfCdf(k: number, m: number): number {
  if (k < 0) return 0;
  if (k >= m) return 1;
  const ln2m = m * Math.LN2;
  let logC = 0; // log C(m, 0)
  let sum = Math.exp(-ln2m);
  for (let i = 1; i <= k; i++) {
    logC += Math.log((m - i + 1) / i);
    sum += Math.exp(logC - ln2m);
  }
  return Math.min(1, sum);
}

/**
 * Exact McNemar test of `P(a = 1) = P(b = 1)` on paired binary outcomes (McNemar, 1947).
 *
 * Under the null, each of the `discordant` pairs is equally likely to favour a or b, so
 * `onlyA ~ Binomial(discordant, 1/2)`; the two-sided p-value is
 * `min(1, 2 · P(X <= min(onlyA, onlyB)))` (the binomial is symmetric, so doubling the smaller tail
 * equals summing every outcome at most as likely as the one observed). Concordant pairs carry no
 * information about the difference; with no discordant pairs the p-value is 1.
 *
 * Example: 12 pairs favour a and 2 favour b: `p = 2 · (1 + 14 + 91) / 2^14 = 0.01294`.
 * Throws on empty or mismatched inputs and on values other than 0/1/booleans.
 */
export function mcnemarExact(a: PairedFlags, b: PairedFlags): McNemarResult {
  const t = table(a, b, 'mcnemarExact');
  const discordant = t.onlyA + t.onlyB;
  const pValue = discordant === 0 ? 1 : Math.min(1, 2 * binomialHalfCdf(Math.min(t.onlyA, t.onlyB), discordant));
  return { n: t.n, discordant, onlyA: t.onlyA, onlyB: t.onlyB, pValue };
}

/** Options of {@link pairedProportionDifference}. */
export interface PairedIntervalOptions {
  /** Confidence level of the interval. Default 0.95. */
  confidence?: number;
}

/** A paired difference with its interval. */
export interface PairedDifference {
  /** Number of pairs. */
  n: number;
  /** `mean(a) - mean(b)`. */
  diff: number;
  /** Lower end of the interval. */
  low: number;
  /** Upper end of the interval. */
  high: number;
}

/**
 * The difference of paired proportions `mean(a) - mean(b)` with Newcombe's method 10 interval
 * (R. G. Newcombe, "Improved confidence intervals for the difference between binomial
 * proportions based on paired data", Statistics in Medicine 17:2635–2650, 1998).
 *
 * With `[l1, u1]`, `[l2, u2]` the Wilson intervals of the two proportions `p1`, `p2`:
 * `low = diff - sqrt((p1 - l1)² - 2φ(p1 - l1)(u2 - p2) + (u2 - p2)²)`,
 * `high = diff + sqrt((p2 - l2)² - 2φ(p2 - l2)(u1 - p1) + (u1 - p1)²)`,
 * where φ is the phi coefficient of the 2x2 table with Newcombe's continuity correction
 * (`ad - bc` is replaced by `max(ad - bc - n/2, 0)` when positive) and φ = 0 when a margin is
 * empty. The interval stays inside [-1, 1] and is sensible at 0 and n discordant pairs.
 * Reproduces Newcombe's worked examples, e.g. 36/12/2/0 → 0.2 [0.0569, 0.3404].
 */
export function pairedProportionDifference(a: PairedFlags, b: PairedFlags, opts: PairedIntervalOptions = {}): PairedDifference {
  const confidence = opts.confidence ?? 0.95;
  const z = zForConfidence(confidence);
  const t = table(a, b, 'pairedProportionDifference');
  const n = t.n;
  const e = t.both;
  const f = t.onlyA;
  const g = t.onlyB;
  const h = t.neither;
  const p1 = (e + f) / n;
  const p2 = (e + g) / n;
  const diff = (f - g) / n;
  const w1 = wilsonInterval(e + f, n, z);
  const w2 = wilsonInterval(e + g, n, z);
  const marginProduct = (e + f) * (g + h) * (e + g) * (f + h);
  let phi = 0;
  if (marginProduct > 0) {
    const cross = e * h - f * g;
    const corrected = cross > 0 ? Math.max(cross - n / 2, 0) : cross;
    phi = corrected / Math.sqrt(marginProduct);
  }
  const dl1 = p1 - w1.low;
  const du1 = w1.high - p1;
  const dl2 = p2 - w2.low;
  const du2 = w2.high - p2;
  const low = diff - Math.sqrt(Math.max(0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
  const high = diff + Math.sqrt(Math.max(0, dl2 * dl2 - 2 * phi * dl2 * du1 + du1 * du1));
  return { n, diff, low: Math.max(-1, low), high: Math.min(1, high) };
}

/** Options of {@link pairedMeanDifference}. */
export interface PairedMeanOptions {
  /** Confidence level of the interval. Default 0.95. */
  confidence?: number;
  /** Seed of the bootstrap and of the Monte Carlo sign flips. Default `DEFAULT_SEED`. */
  seed?: number;
  /** Bootstrap resamples, and sign flips when the test is not enumerated exactly. Default 4000. */
  resamples?: number;
}

/** A paired mean difference with its interval and test. */
export interface PairedMeanDifference extends PairedDifference {
  /** Two-sided p-value of the paired sign-flip (permutation) test of a zero mean difference. */
  pValue: number;
}

/** Up to this many pairs the sign-flip test enumerates all 2^n flips exactly. */
const EXACT_SIGN_FLIP_MAX_N = 16;

function quantileSorted(sorted: Float64Array, q: number): number {
  // Linear interpolation between order statistics (Hyndman & Fan type 7, as R's default).
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The difference of paired means `mean(a) - mean(b)` for continuous outcomes such as episode
 * returns on the same environment seeds.
 *
 * - Interval: the **percentile bootstrap over pairs** (Efron & Tibshirani, *An Introduction to
 *   the Bootstrap*, 1993, ch. 13): `resamples` resamples of the n differences with replacement,
 *   seeded by `seed`, and the `(1 ± confidence)/2` quantiles of their means. It makes no normality
 *   assumption (returns are often bimodal) but it cannot reach past the observed differences and
 *   covers less than nominal below about 20 pairs; with fewer than 2 pairs the interval is
 *   `[-Infinity, Infinity]`.
 * - p-value: the **paired sign-flip permutation test** (Fisher, 1935; Good, *Permutation Tests*,
 *   2000) of the mean difference: under the null each difference is as likely to have either sign.
 *   All 2^n sign patterns are enumerated when `n <= 16`; otherwise `resamples` random patterns
 *   give `p = (1 + #{|T*| >= |T|}) / (1 + resamples)` (Phipson & Smyth, 2010), never 0.
 *
 * Throws on empty, mismatched or non-finite inputs.
 */
export function pairedMeanDifference(a: ArrayLike<number>, b: ArrayLike<number>, opts: PairedMeanOptions = {}): PairedMeanDifference {
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new Error(`pairedMeanDifference: confidence must be in (0, 1), got ${confidence}`);
  const seed = opts.seed ?? DEFAULT_SEED;
  const resamples = opts.resamples ?? 4000;
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`pairedMeanDifference: resamples must be a positive integer, got ${resamples}`);
  if (a.length !== b.length) throw new Error(`pairedMeanDifference: a and b must have the same length, got ${a.length} and ${b.length}`);
  const n = a.length;
  if (n === 0) throw new Error('pairedMeanDifference: no pairs');
  const d = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i] - b[i];
    if (!Number.isFinite(v)) throw new Error(`pairedMeanDifference: pair ${i} is not finite (a = ${a[i]}, b = ${b[i]})`);
    d[i] = v;
    sum += v;
  }
  const diff = sum / n;
  if (n < 2) return { n, diff, low: -Infinity, high: Infinity, pValue: 1 };

  // Percentile bootstrap over pairs.
  const rng = new Rng(deriveSeed(seed, 'paired-bootstrap'));
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  const alpha = 1 - confidence;
  const low = Math.min(diff, quantileSorted(means, alpha / 2));
  const high = Math.max(diff, quantileSorted(means, 1 - alpha / 2));

  // Sign-flip test on |sum of differences|, with a relative tolerance for rounding ties.
  let scale = 0;
  for (let i = 0; i < n; i++) scale += Math.abs(d[i]);
  const observed = Math.abs(sum) - 1e-9 * scale;
  let pValue: number;
  if (scale === 0) {
    pValue = 1;
  } else if (n <= EXACT_SIGN_FLIP_MAX_N) {
    let atLeast = 0;
    const patterns = 2 ** n;
    for (let m = 0; m < patterns; m++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += m & (1 << i) ? -d[i] : d[i];
      if (Math.abs(s) >= observed) atLeast++;
    }
    pValue = atLeast / patterns;
  } else {
    const flips = new Rng(deriveSeed(seed, 'paired-sign-flip'));
    let atLeast = 0;
    for (let r = 0; r < resamples; r++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += flips.nextUint32() & 1 ? -d[i] : d[i];
      if (Math.abs(s) >= observed) atLeast++;
    }
    pValue = (1 + atLeast) / (1 + resamples);
  }
  return { n, diff, low, high, pValue: Math.min(1, pValue) };
}

/** Options of {@link sampleSizeForPairedDifference}. */
export interface PairedSampleSizeOptions {
  /** The paired difference to resolve (e.g. the observed one). Its sign does not matter. */
  diff: number;
  /**
   * For paired proportions: the fraction of discordant pairs ψ (`discordant / n`). Must be at
   * least `diff²`. Give this or `sd`.
   */
  discordantRate?: number;
  /** For paired means: the standard deviation of the per-pair differences. Give this or `discordantRate`. */
  sd?: number;
  /** Confidence level of the two-sided test or interval. Default 0.95. */
  confidence?: number;
  /** Probability of resolving the difference if it is real. Default 0.8. */
  power?: number;
}

/**
 * The smallest number of pairs at which a difference of size `diff` would be resolved: a
 * two-sided test at level `1 - confidence` rejects "no difference" (equivalently, the interval
 * excludes 0) with probability `power`, by the normal approximation.
 *
 * - Paired proportions (give `discordantRate` ψ): Connor's formula for McNemar's test
 *   (R. J. Connor, "Sample size for testing differences in proportions for the paired-sample
 *   design", Biometrics 43:207–211, 1987):
 *   `n = (z_{α/2} √ψ + z_β √(ψ - diff²))² / diff²`.
 * - Paired means (give `sd` of the differences): `n = ((z_{α/2} + z_β) · sd / diff)²`.
 *
 * Returns an integer (rounded up), at least 1; `Infinity` when `diff` is 0 (no n resolves a
 * null effect). With `power = 0.5` the proportion formula is the n at which the observed effect
 * would sit on the edge of significance.
 */
export function sampleSizeForPairedDifference(opts: PairedSampleSizeOptions): number {
  const confidence = opts.confidence ?? 0.95;
  const power = opts.power ?? 0.8;
  const diff = Math.abs(opts.diff);
  if (!Number.isFinite(diff)) throw new Error(`sampleSizeForPairedDifference: diff must be finite, got ${opts.diff}`);
  if (!(power > 0 && power < 1)) throw new Error(`sampleSizeForPairedDifference: power must be in (0, 1), got ${power}`);
  const za = zForConfidence(confidence);
  const zb = normalQuantile(power);
  let n: number;
  if (opts.discordantRate !== undefined) {
    const psi = opts.discordantRate;
    if (!(psi >= 0 && psi <= 1)) throw new Error(`sampleSizeForPairedDifference: discordantRate must be in [0, 1], got ${psi}`);
    if (diff > 1) throw new Error(`sampleSizeForPairedDifference: a difference of proportions must be in [-1, 1], got ${opts.diff}`);
    if (psi < diff * diff - 1e-12) {
      throw new Error(`sampleSizeForPairedDifference: discordantRate ${psi} is below diff² = ${diff * diff}; at most discordant pairs can differ`);
    }
    if (diff === 0) return Infinity;
    const root = za * Math.sqrt(psi) + zb * Math.sqrt(Math.max(0, psi - diff * diff));
    n = (root * root) / (diff * diff);
  } else if (opts.sd !== undefined) {
    if (!(opts.sd >= 0) || !Number.isFinite(opts.sd)) throw new Error(`sampleSizeForPairedDifference: sd must be a finite number >= 0, got ${opts.sd}`);
    if (diff === 0) return Infinity;
    n = (((za + zb) * opts.sd) / diff) ** 2;
  } else {
    throw new Error('sampleSizeForPairedDifference: give discordantRate (paired proportions) or sd (paired means)');
  }
  return Math.max(1, Math.ceil(n - 1e-9));
}
