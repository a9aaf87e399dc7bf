/**
 * The sampling core of Stochastic Activation Pruning, on plain typed arrays.
 *
 * For one example's activations `h` (N units): `p_j = |h_j| / sum_k |h_k|`; draw `r` indices
 * with replacement from `p`; units drawn at least once are kept and scaled by
 * `1 / (1 - (1 - p_j)^r)`, the others are zeroed. The result is a *multiplier* `m` with
 * `SAP(h) = m * h` and `E[m_j] = 1` for every unit with `h_j != 0`, so `E[SAP(h)] = h`.
 *
 * Exact sampling costs O(N + r) per example (Walker's alias method, see `sapMultipliers`).
 * Probabilities are computed in float64 and `1 - (1 - p)^r` as `-expm1(r * log1p(-p))`, which
 * stays accurate when `p` is tiny (where `1 - (1 - p)^r` rounds to 0 in float32).
 */
import { Rng } from '../seed';

/** `'exact'`: the authors' operator (r draws with replacement). `'poisson'`: the approximation of
 * Athalye et al. (2018): keep unit j independently with probability `1 - exp(-r p_j)`. */
export type SapMode = 'exact' | 'poisson';

/** Options of the SAP mask samplers. */
export interface SamplerOptions {
  /** r / N: number of draws relative to the number of units. SAP-100 is 1. */
  sampleFraction: number;
  mode: SapMode;
}

/** Number of draws for N units: `round(sampleFraction * N)`, at least 1. */
export function drawCount(sampleFraction: number, n: number): number {
  return Math.max(1, Math.round(sampleFraction * n));
}

/**
 * `1 - (1 - p)^r`, accurate for tiny p (relative error below 3e-7 everywhere, far below float32's
 * resolution). Computed as `-expm1(r * log1p(-p))`, with short series for `log1p` at small `p`
 * and for `expm1` at small `r * log1p(-p)`, which keeps it cheap in the hot loop.
 */
export function keepProbability(p: number, r: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const l = p < 1e-2 ? -p * (1 + p * (0.5 + p * (1 / 3))) : Math.log1p(-p);
  const x = r * l;
  return x < -1e-3 ? 1 - Math.exp(x) : -x * (1 + x * (0.5 + x * (1 / 6)));
}

/** Work buffers reused across rows and calls (allocation dominates otherwise). */
class Scratch {
  index = new Int32Array(0);
  mass = new Float64Array(0);
  threshold = new Float64Array(0);
  alias = new Int32Array(0);
  small = new Int32Array(0);
  large = new Int32Array(0);
  kept = new Uint8Array(0);
  random = new Uint32Array(0);
  ensure(n: number, draws: number): void {
    if (this.index.length < n) {
      this.index = new Int32Array(n);
      this.mass = new Float64Array(n);
      this.threshold = new Float64Array(n);
      this.alias = new Int32Array(n);
      this.small = new Int32Array(n);
      this.large = new Int32Array(n);
      this.kept = new Uint8Array(n);
    }
    if (this.random.length < 2 * draws) this.random = new Uint32Array(2 * draws);
  }
}
const scratch = new Scratch();
const TWO32 = 4294967296;

/**
 * Fills `out` (same length as `h`) with SAP multipliers for `rows` examples of `n` units each.
 * Returns the number of units kept. Rows whose activations are all zero get all-zero multipliers.
 * Throws on a non-finite activation.
 *
 * Exact mode works on the m non-zero units of a row (after a ReLU, about half): it builds a
 * Walker alias table over them (Vose's O(m) construction) and makes each of the r draws with two
 * random 32-bit integers and two table reads, with no search, so a row costs O(N + r).
 */
export function sapMultipliers(h: ArrayLike<number>, rows: number, n: number, opts: SamplerOptions, rng: Rng, out: Float32Array): number {
  const r = drawCount(opts.sampleFraction, n);
  let keptTotal = 0;
  scratch.ensure(n, opts.mode === 'exact' ? r : 0);
  const { index, mass, threshold, alias, small, large, kept, random } = scratch;
  for (let row = 0; row < rows; row++) {
    const base = row * n;
    // The non-zero units, their magnitudes and the total.
    let m = 0;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const v = h[base + j];
      if (v !== 0) {
        const a = v < 0 ? -v : v;
        index[m] = j;
        mass[m] = a;
        sum += a;
        m++;
      }
    }
    out.fill(0, base, base + n);
    if (!Number.isFinite(sum)) throw new Error(`SAP got a non-finite activation in example ${row}`);
    if (m === 0) continue;
    if (opts.mode === 'poisson') {
      for (let i = 0; i < m; i++) {
        const q = -Math.expm1((-r * mass[i]) / sum);
        if (rng.next() < q) {
          out[base + index[i]] = 1 / q;
          keptTotal++;
        }
      }
      continue;
    }
    // Alias table over the m units: a draw picks slot k uniformly, keeps k with probability
    // threshold[k] / 2^32, else alias[k].
    let ns = 0;
    let nl = 0;
    const f = m / sum;
    for (let i = 0; i < m; i++) {
      const q = mass[i] * f;
      threshold[i] = q;
      alias[i] = i;
      if (q < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const l = small[--ns];
      const g = large[nl - 1];
      alias[l] = g;
      const pg = threshold[g] + threshold[l] - 1;
      threshold[g] = pg;
      if (pg < 1) {
        nl--;
        small[ns++] = g;
      }
    }
    // Leftovers are 1 up to rounding.
    while (nl > 0) threshold[large[--nl]] = 1;
    while (ns > 0) threshold[small[--ns]] = 1;
    for (let i = 0; i < m; i++) threshold[i] *= TWO32;
    kept.fill(0, 0, m);
    rng.fillUint32(random.subarray(0, 2 * r));
    for (let d = 0; d < 2 * r; d += 2) {
      const k = ((random[d] * m) / TWO32) | 0;
      kept[random[d + 1] < threshold[k] ? k : alias[k]] = 1;
    }
    for (let i = 0; i < m; i++) {
      if (kept[i]) {
        out[base + index[i]] = 1 / keepProbability(mass[i] / sum, r);
        keptTotal++;
      }
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
