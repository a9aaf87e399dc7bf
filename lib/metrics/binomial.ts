/**
 * Exact binomial statistics for randomized smoothing (Cohen, Rosenfeld & Kolter, ICML 2019): the
 * Clopper–Pearson interval (CERTIFY's lower bound on p_A) and the two-sided binomial test
 * (PREDICT's abstention rule).
 *
 * Clopper–Pearson (1934): the two-sided interval at level `1 − alpha` for `k` successes in `n`
 * trials is `[B(alpha/2; k, n−k+1), B(1−alpha/2; k+1, n−k)]`, with `B(q; a, b)` the `q`-quantile
 * of the Beta(a, b) distribution, and the ends 0 at `k = 0` and 1 at `k = n`: statsmodels'
 * `proportion_confint(k, n, alpha, method="beta")`. Quantiles invert the regularized incomplete
 * beta function (Lentz's continued fraction, Numerical Recipes §6.4) by bisection to a relative
 * 1e-15; the results agree with scipy to about 1e-12 for `n` up to 1e5.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** `ln Γ(x)` for `x > 0` (Lanczos, g = 7; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new Error(`logGamma: x must be > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Remainder of Stirling's series: `ln Γ(z) − [(z − 1/2) ln z − z + ln(2π)/2]`, for `z >= 10`. */
function stirlingRemainder(z: number): number {
  const z2 = z * z;
  return (1 / z) * (1 / 12 - (1 / z2) * (1 / 360 - (1 / z2) * (1 / 1260 - (1 / z2) * (1 / 1680 - 1 / (1188 * z2)))));
}

/**
 * `ln[x^a (1 − x)^b / B(a, b)]`. For `a, b >= 10` it is formed from Stirling's series around
 * `x = a / (a + b)` (terms of order one instead of differences of `ln Γ` values near 1e6, which
 * would cost 1e-10 of accuracy at `n = 1e5`).
 */
function logBetaFront(x: number, a: number, b: number): number {
  if (a < 10 || b < 10) return logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const t = x * (a + b) - a;
  return (
    a * Math.log1p(t / a) +
    b * Math.log1p(-t / b) +
    0.5 * Math.log((a * b) / (a + b) / (2 * Math.PI)) -
    stirlingRemainder(a) -
    stirlingRemainder(b) +
    stirlingRemainder(a + b)
  );
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) return h;
  }
  throw new Error(`incomplete beta: continued fraction did not converge for a=${a}, b=${b}, x=${x}`);
}

/**
 * The regularized incomplete beta function `I_x(a, b) = P(X <= x)` for `X ~ Beta(a, b)`,
 * `a, b > 0`, `x` in [0, 1].
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new Error(`regularizedIncompleteBeta: a and b must be > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new Error(`regularizedIncompleteBeta: x must be in [0, 1], got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logFront = logBetaFront(x, a, b);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaFraction(b, a, 1 - x)) / b;
}

/** The `q`-quantile of Beta(a, b): the `x` with `I_x(a, b) = q` (bisection to a relative 1e-15). */
export function betaQuantile(q: number, a: number, b: number): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`betaQuantile: q must be in [0, 1], got ${q}`);
  if (!(a > 0 && b > 0)) throw new Error(`betaQuantile: a and b must be > 0, got a=${a}, b=${b}`);
  if (q === 0) return 0;
  if (q === 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 2000 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (regularizedIncompleteBeta(mid, a, b) < q) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

function checkCounts(k: number, n: number, where: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${where}: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new Error(`${where}: k must be an integer in [0, n] = [0, ${n}], got ${k}`);
}

function checkAlpha(alpha: number, where: string): void {
  if (!(alpha > 0 && alpha < 1)) throw new Error(`${where}: alpha must be in (0, 1), got ${alpha}`);
}

/** A confidence interval for a proportion. */
export interface ProportionInterval {
  lower: number;
  upper: number;
}

/**
 * Two-sided Clopper–Pearson interval at level `1 − alpha` for `k` successes in `n` trials (see the
 * file comment); equals statsmodels' `proportion_confint(k, n, alpha, method="beta")`.
 */
export function clopperPearson(k: number, n: number, alpha: number): ProportionInterval {
  checkCounts(k, n, 'clopperPearson');
  checkAlpha(alpha, 'clopperPearson');
  return {
    lower: k === 0 ? 0 : betaQuantile(alpha / 2, k, n - k + 1),
    upper: k === n ? 1 : betaQuantile(1 - alpha / 2, k + 1, n - k),
  };
}

/**
 * One-sided Clopper–Pearson lower bound at level `1 − alpha`: `P(p < bound) <= alpha` over the
 * draw of `k ~ Binomial(n, p)`, for every `p`. Cohen et al.'s `lowerConfBound`
 * (`proportion_confint(k, n, alpha=2*alpha, method="beta")[0]`).
 */
export function clopperPearsonLower(k: number, n: number, alpha: number): number {
  checkCounts(k, n, 'clopperPearsonLower');
  checkAlpha(alpha, 'clopperPearsonLower');
  return k === 0 ? 0 : betaQuantile(alpha, k, n - k + 1);
}

/** `P(X = k)` for `X ~ Binomial(n, p)`. */
export function binomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** `P(X <= k)` for `X ~ Binomial(n, p)` (via `I_{1−p}(n − k, k + 1)`). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p === 0) return 1;
  if (p === 1) return 0;
  return regularizedIncompleteBeta(1 - p, n - k, k + 1);
}

/** `P(X > k)` for `X ~ Binomial(n, p)` (via `I_p(k + 1, n − k)`). */
function binomialSf(k: number, n: number, p: number): number {
  if (k < 0) return 1;
  if (k >= n) return 0;
  if (p === 0) return 0;
  if (p === 1) return 1;
  return regularizedIncompleteBeta(p, k + 1, n - k);
}

/** Largest `i` in [lo, hi] with `f(i) <= d` for `f` increasing there (scipy's `_binary_search_for_binom_tst`). */
function searchBelow(f: (i: number) => number, d: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const v = f(mid);
    if (v < d) lo = mid + 1;
    else if (v > d) hi = mid - 1;
    else return mid;
  }
  return f(lo) <= d ? lo : lo - 1;
}

/**
 * Two-sided exact binomial test of `H0: X ~ Binomial(n, p)` for an observed `k`: the probability of
 * an outcome no more likely than `k` (scipy's `binomtest(k, n, p).pvalue`, the old `binom_test`,
 * with its relative tolerance 1e-7 for ties). PREDICT uses it with `p = 1/2` on the top two counts.
 */
export function binomialTestTwoSided(k: number, n: number, p = 0.5): number {
  checkCounts(k, n, 'binomialTestTwoSided');
  if (!(p >= 0 && p <= 1)) throw new Error(`binomialTestTwoSided: p must be in [0, 1], got ${p}`);
  const d = binomialPmf(k, n, p);
  const rerr = 1 + 1e-7;
  let pval: number;
  if (k === p * n) pval = 1;
  else if (k < p * n) {
    const ix = searchBelow((i) => -binomialPmf(i, n, p), -d * rerr, Math.ceil(p * n), n);
    const y = n - ix + (d * rerr === binomialPmf(ix, n, p) ? 1 : 0);
    pval = binomialCdf(k, n, p) + binomialSf(n - y, n, p);
  } else {
    const ix = searchBelow((i) => binomialPmf(i, n, p), d * rerr, 0, Math.floor(p * n));
    const y = ix + 1;
    pval = binomialCdf(y - 1, n, p) + binomialSf(k - 1, n, p);
  }
  return Math.min(1, pval);
}
