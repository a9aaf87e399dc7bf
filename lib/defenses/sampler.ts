/**
 * The sampling core of Stochastic Activation Pruning, on plain typed arrays.
 *
 * For one example's activations `h` (N units): `p_j = |h_j| / sum_k |h_k|`; draw `r` indices
 * with replacement from `p`; units drawn at least once are kept and scaled by
 * `1 / (1 - (1 - p_j)^r)`, the others are zeroed. The result is a *multiplier* `m` with
 * `SAP(h) = m * h` and `E[m_j] = 1` for every unit with `h_j != 0`, so `E[SAP(h)] = h`.
 *
 * Exact sampling costs O(N + r) per example: the r draws are located in the cumulative
 * distribution through a guide table (Chen & Asau 1974), so no draw scans the CDF. Probabilities
 * are accumulated in float64 and `1 - (1 - p)^r` is computed as `-expm1(r * log1p(-p))`,
 * which stays accurate when `p` is tiny (where `1 - (1 - p)^r` rounds to 0 in float32).
 */
import { Rng } from '../seed';

/** `'exact'`: the authors' operator (r draws with replacement). `'poisson'`: the approximation of
 * Athalye et al. (2018): keep unit j independently with probability `1 - exp(-r p_j)`. */
export type SapMode = 'exact' | 'poisson';

export interface SamplerOptions {
  /** r / N: number of draws relative to the number of units. SAP-100 is 1. */
  sampleFraction: number;
  mode: SapMode;
}

/** Number of draws for N units: `round(sampleFraction * N)`, at least 1. */
export function drawCount(sampleFraction: number, n: number): number {
  return Math.max(1, Math.round(sampleFraction * n));
}

/** `1 - (1 - p)^r`, accurate for tiny p. */
export function keepProbability(p: number, r: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  return -Math.expm1(r * Math.log1p(-p));
}

/** Work buffers reused across rows and calls (allocation dominates otherwise). */
class Scratch {
  cum = new Float64Array(0);
  guide = new Int32Array(0);
  kept = new Uint8Array(0);
  ensure(n: number, g: number): void {
    if (this.cum.length < n) {
      this.cum = new Float64Array(n);
      this.kept = new Uint8Array(n);
    }
    if (this.guide.length < g) this.guide = new Int32Array(g);
  }
}
const scratch = new Scratch();

/**
 * Fills `out` (same length as `h`) with SAP multipliers for `rows` examples of `n` units each.
 * Returns the number of units kept. Rows whose activations are all zero get all-zero multipliers.
 * Throws on a non-finite activation.
 */
export function sapMultipliers(h: ArrayLike<number>, rows: number, n: number, opts: SamplerOptions, rng: Rng, out: Float32Array): number {
  const r = drawCount(opts.sampleFraction, n);
  let keptTotal = 0;
  scratch.ensure(n, r);
  const { cum, guide, kept } = scratch;
  for (let row = 0; row < rows; row++) {
    const base = row * n;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const a = Math.abs(h[base + j]);
      sum += a;
      cum[j] = sum;
    }
    if (!Number.isFinite(sum)) throw new Error(`SAP got a non-finite activation in example ${row}`);
    if (sum === 0) {
      out.fill(0, base, base + n);
      continue;
    }
    if (opts.mode === 'poisson') {
      for (let j = 0; j < n; j++) {
        const a = Math.abs(h[base + j]);
        if (a === 0) {
          out[base + j] = 0;
          continue;
        }
        const q = -Math.expm1((-r * a) / sum);
        if (rng.next() < q) {
          out[base + j] = 1 / q;
          keptTotal++;
        } else out[base + j] = 0;
      }
      continue;
    }
    // Exact: r draws with replacement, located through a guide table over the cumulative sums.
    // The last unit with mass gets cum = sum exactly, so every draw u < sum finds a unit.
    let last = n - 1;
    while (h[base + last] === 0) last--;
    for (let j = last; j < n; j++) cum[j] = sum;
    const g = r;
    let j = 0;
    for (let k = 0; k < g; k++) {
      const t = (k / g) * sum;
      while (cum[j] <= t) j++;
      guide[k] = j;
    }
    kept.fill(0, 0, n);
    for (let d = 0; d < r; d++) {
      const v = rng.next();
      const u = v * sum;
      // One guide slot back guards against rounding in (k / g) * sum; the walk is then O(1) expected.
      let i = guide[Math.max(0, Math.min(g - 1, Math.floor(v * g) - 1))];
      while (cum[i] <= u) i++;
      kept[i] = 1;
    }
    for (let i = 0; i < n; i++) {
      if (kept[i]) {
        out[base + i] = 1 / keepProbability(Math.abs(h[base + i]) / sum, r);
        keptTotal++;
      } else out[base + i] = 0;
    }
  }
  return keptTotal;
}

/**
 * Multipliers of the uniform random-pruning baseline: each non-zero unit is kept independently
 * with the same probability `q = E[#kept by SAP] / #non-zero units` (so the expected number of
 * survivors matches SAP's) and survivors are scaled by `1 / q`. Magnitudes play no part in who
 * survives.
 */
export function randomPruneMultipliers(h: ArrayLike<number>, rows: number, n: number, sampleFraction: number, rng: Rng, out: Float32Array): number {
  const r = drawCount(sampleFraction, n);
  let keptTotal = 0;
  for (let row = 0; row < rows; row++) {
    const base = row * n;
    let sum = 0;
    let nonZero = 0;
    for (let j = 0; j < n; j++) {
      const a = Math.abs(h[base + j]);
      sum += a;
      if (a !== 0) nonZero++;
    }
    if (!Number.isFinite(sum)) throw new Error(`random pruning got a non-finite activation in example ${row}`);
    if (sum === 0) {
      out.fill(0, base, base + n);
      continue;
    }
    let expectedKept = 0;
    for (let j = 0; j < n; j++) expectedKept += keepProbability(Math.abs(h[base + j]) / sum, r);
    const q = Math.min(1, expectedKept / nonZero);
    for (let j = 0; j < n; j++) {
      if (h[base + j] !== 0 && rng.next() < q) {
        out[base + j] = 1 / q;
        keptTotal++;
      } else out[base + j] = 0;
    }
  }
  return keptTotal;
}
