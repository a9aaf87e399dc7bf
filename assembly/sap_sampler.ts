// Exact SAP sampler in AssemblyScript, compiled to WebAssembly (with SIMD) by `npm run build:wasm`
// (scripts/build_wasm.js) into lib/backend/sap_sampler_wasm.ts. The module imports the memory of
// the TF.js wasm backend and works on tensors where they live: no copies in or out.
//
// The module must not own any memory: no data segments, no globals in memory, no allocation (it
// writes only where the caller's pointers say). scripts/build_wasm.js checks that it has no data
// section.
//
// For each row of `n` activations h: p_j = |h_j| / sum_k |h_k|; r indices are drawn with
// replacement from p by inversion of the cumulative sums (a guide table of two buckets per
// non-zero unit makes each draw O(1) on average); a unit drawn at least once gets the multiplier
// 1 / (1 - (1 - p_j)^r), every other unit 0. Outputs: y = h * m and m.
// Each row has its own random stream (SplitMix64 seeded from the call's seed and the row's index
// in the whole batch), so any split of the rows over threads gives the same masks.
//
// Where the time goes (conv1 + conv2 of the Fashion CNN, 128 rows, r = n): the draws (random
// reads of the guide table and the cumulative sums, ~7 ns a draw), then one exp per kept unit
// (two lanes at a time), then the cumulative sums. Zero units are left out of the cumulative sums
// (they cannot be drawn), so a draw almost always resolves with one branch-free comparison.

const GOLDEN: u64 = 0x9e3779b97f4a7c15;
const TWO_M32: f64 = 2.3283064365386963e-10; // 2^-32

// @ts-ignore: decorator
@inline function mix64(z: u64): u64 {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const LOG2E: f64 = 1.44269504088896338700e+0;

/** e^x for x <= 0 (relative error below 1e-11; 0 below -745). */
// @ts-ignore: decorator
@inline function expNeg(x: f64): f64 {
  if (x < -745.0) return 0.0;
  const k = Math.floor(x * LOG2E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  // Taylor series to degree 10 on |r| <= 0.35 (truncation below 3e-12, far below float32's
  // resolution of the multipliers), evaluated in two halves to shorten the dependency chain.
  const r2 = r * r;
  const lo = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0))));
  const hi = 1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0 + r * (1.0 / 40320.0 + r * (1.0 / 362880.0 + r * (1.0 / 3628800.0)))));
  const p = lo + r2 * r2 * r * hi;
  const ki = <i64>k;
  if (ki < -1022) return p * reinterpret<f64>(<u64>(ki + 1022 + 1023) << 52) * reinterpret<f64>(<u64>(1023 - 1022) << 52);
  return p * reinterpret<f64>(<u64>(ki + 1023) << 52);
}

/** ln(x) for finite x > 0 (relative error ~1e-16). */
function logPos(x: f64): f64 {
  let bits = reinterpret<u64>(x);
  let e = <i64>((bits >> 52) & 0x7ff) - 1023;
  if (e == -1023) {
    // subnormal: scale up by 2^54
    x *= 18014398509481984.0;
    bits = reinterpret<u64>(x);
    e = <i64>((bits >> 52) & 0x7ff) - 1023 - 54;
  }
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  // ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716
  const s = (m - 1.0) / (m + 1.0);
  const s2 = s * s;
  let t = 1.0 / 23.0;
  t = t * s2 + 1.0 / 21.0;
  t = t * s2 + 1.0 / 19.0;
  t = t * s2 + 1.0 / 17.0;
  t = t * s2 + 1.0 / 15.0;
  t = t * s2 + 1.0 / 13.0;
  t = t * s2 + 1.0 / 11.0;
  t = t * s2 + 1.0 / 9.0;
  t = t * s2 + 1.0 / 7.0;
  t = t * s2 + 1.0 / 5.0;
  t = t * s2 + 1.0 / 3.0;
  t = t * s2 + 1.0;
  return 2.0 * s * t + <f64>e * LN2_HI + <f64>e * LN2_LO;
}
const MAGIC: f64 = 6755399441055744.0; // 1.5 * 2^52: adding it leaves an integer in the low bits

/**
 * keepProbability of two lanes with 0 < p < 1e-2: the same operations, in the same order, as the
 * scalar formulas below (so the same results to the bit).
 */
// @ts-ignore: decorator
@inline function keepProbabilitySmall(p: v128, r: v128): v128 {
  // l = -p (1 + p (1/2 + p/3)), x = r l
  const l = f64x2.neg(f64x2.mul(p, f64x2.add(f64x2.splat(1.0), f64x2.mul(p, f64x2.add(f64x2.splat(0.5), f64x2.mul(p, f64x2.splat(1.0 / 3.0)))))));
  const x = f64x2.mul(r, l);
  // series for x >= -1e-3: -x (1 + x (1/2 + x/6))
  const series = f64x2.mul(f64x2.neg(x), f64x2.add(f64x2.splat(1.0), f64x2.mul(x, f64x2.add(f64x2.splat(0.5), f64x2.mul(x, f64x2.splat(1.0 / 6.0))))));
  // 1 - e^x for x < -1e-3; below -700, e^x is under 1e-304 and 1 - e^x rounds to 1 as in the scalar code
  const xe = f64x2.pmax(x, f64x2.splat(-700.0));
  const k = f64x2.floor(f64x2.add(f64x2.mul(xe, f64x2.splat(LOG2E)), f64x2.splat(0.5)));
  const rr = f64x2.sub(f64x2.sub(xe, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  const r2 = f64x2.mul(rr, rr);
  const lo = f64x2.add(f64x2.splat(1.0), f64x2.mul(rr, f64x2.add(f64x2.splat(1.0), f64x2.mul(rr, f64x2.add(f64x2.splat(0.5), f64x2.mul(rr, f64x2.add(f64x2.splat(1.0 / 6.0), f64x2.mul(rr, f64x2.splat(1.0 / 24.0)))))))));
  const hi = f64x2.add(f64x2.splat(1.0 / 120.0), f64x2.mul(rr, f64x2.add(f64x2.splat(1.0 / 720.0), f64x2.mul(rr, f64x2.add(f64x2.splat(1.0 / 5040.0), f64x2.mul(rr, f64x2.add(f64x2.splat(1.0 / 40320.0), f64x2.mul(rr, f64x2.add(f64x2.splat(1.0 / 362880.0), f64x2.mul(rr, f64x2.splat(1.0 / 3628800.0)))))))))));
  const poly = f64x2.add(lo, f64x2.mul(f64x2.mul(f64x2.mul(r2, r2), rr), hi));
  const kbits = i64x2.sub(f64x2.add(k, f64x2.splat(MAGIC)), i64x2.splat(reinterpret<i64>(MAGIC)));
  const scale = i64x2.shl(i64x2.add(kbits, i64x2.splat(1023)), 52);
  const big = f64x2.sub(f64x2.splat(1.0), f64x2.mul(poly, scale));
  return v128.bitselect(big, series, f64x2.lt(x, f64x2.splat(-1e-3)));
}

/** 1 - (1 - p)^r, accurate for tiny p (the same formulas as keepProbability in sampler.ts). */
export function keepProbability(p: f64, r: f64): f64 {
  if (p <= 0.0) return 0.0;
  if (p >= 1.0) return 1.0;
  const l = p < 1e-2 ? -p * (1.0 + p * (0.5 + p * (1.0 / 3.0))) : logPos(1.0 - p);
  const x = r * l;
  return x < -1e-3 ? 1.0 - expNeg(x) : -x * (1.0 + x * (0.5 + x * (1.0 / 6.0)));
}

/** Marks the unit whose cumulative-sum interval holds mass position t (see sapExact). */
// @ts-ignore: decorator
@inline function draw(t: f64, perMass: f64, lastBucket: i32, cdf: usize, guide: usize, kept: usize): void {
  let k = <i32>(t * perMass);
  k = k < lastBucket ? k : lastBucket;
  let i = load<i32>(guide + (<usize>k << 2));
  // Nearly always one step at most (two buckets a unit, no zero units): one comparison without
  // a branch, then a loop that is rarely entered. cdf[last] = sum > t ends every walk.
  i += <i32>(load<f64>(cdf + (<usize>i << 3)) <= t);
  while (load<f64>(cdf + (<usize>i << 3)) <= t) i++;
  store<u8>(kept + <usize>i, 1);
}

/**
 * keepProbability of two lanes of p (each 0 < p <= 1) for r draws (`rv` = r in both lanes):
 * the SIMD formula when both p are below 1e-2, else the scalar one lane by lane.
 */
// @ts-ignore: decorator
@inline function keepProbabilityPair(p: v128, r: f64, rv: v128): v128 {
  if (!v128.any_true(f64x2.ge(p, f64x2.splat(1e-2)))) return keepProbabilitySmall(p, rv);
  return f64x2.replace_lane(f64x2.splat(keepProbability(f64x2.extract_lane(p, 0), r)), 1, keepProbability(f64x2.extract_lane(p, 1), r));
}

/**
 * SAP on `rows` rows of `n` float32 activations at `h`; writes y = h * m at `y` and the
 * multipliers m at `m` (both `rows * n` float32). Scratch: `cdf` (n float64), `guide` (2n int32),
 * `idx` (n int32) and `kept` (n bytes, zero on entry and on return). `rowOffset` is the index of
 * the first row in the whole batch (for the per-row random streams). Returns the number of kept
 * units, or -(row + 1) when a row has a non-finite activation (its outputs are then not written).
 */
export function sapExact(h: usize, y: usize, m: usize, rows: i32, n: i32, r: i32, seedLo: u32, seedHi: u32, rowOffset: i32, cdf: usize, guide: usize, idx: usize, kept: usize): i32 {
  const seed: u64 = (<u64>seedHi << 32) | <u64>seedLo;
  const rf = <f64>r;
  let keptTotal: i32 = 0;
  for (let row: i32 = 0; row < rows; row++) {
    const hb = h + (<usize>row * <usize>n << 2);
    const yb = y + (<usize>row * <usize>n << 2);
    const mb = m + (<usize>row * <usize>n << 2);
    // Cumulative sums of |h| (float64) over the non-zero units only, with their indices
    // (compacted without branches: a zero unit's entry is overwritten by the next one).
    let sum: f64 = 0.0;
    let units: i32 = 0;
    for (let j: i32 = 0; j < n; j++) {
      const a = Math.abs(<f64>load<f32>(hb + (<usize>j << 2)));
      sum += a;
      store<f64>(cdf + (<usize>units << 3), sum);
      store<i32>(idx + (<usize>units << 2), j);
      units += <i32>(a != 0.0);
    }
    if (!isFinite(sum)) return -(row + 1);
    memory.fill(yb, 0, <usize>n << 2);
    memory.fill(mb, 0, <usize>n << 2);
    if (units == 0) continue;
    const last = units - 1;
    // A draw is u uniform on 32 bits, at mass position t = u * sum / 2^32 (so each unit's chance
    // is its share of the mass up to 2^-32, as with 32-bit alias thresholds); bucket
    // k = floor(t * buckets / sum) of a guide table with two buckets per non-zero unit.
    const buckets = units << 1;
    const scale = sum * TWO_M32;
    const perMass = <f64>buckets / sum;
    // guide[k]: the last unit whose interval starts in a bucket before k (0 if none). No unit
    // before it can hold a position in bucket k, and the units after it that can start in bucket
    // k itself: a draw walks forward from there. Built without branches: each unit writes its
    // index into the bucket of its start (the last one wins), then a running maximum.
    memory.fill(guide, 0, <usize>buckets << 2);
    let start: f64 = 0.0;
    const lastBucket = buckets - 1;
    for (let j: i32 = 0; j <= last; j++) {
      const k = <i32>(start * perMass);
      store<i32>(guide + (<usize>(k < lastBucket ? k : lastBucket) << 2), j);
      start = load<f64>(cdf + (<usize>j << 3));
    }
    let running: i32 = 0;
    for (let k: i32 = 0; k < buckets; k++) {
      const here = load<i32>(guide + (<usize>k << 2));
      store<i32>(guide + (<usize>k << 2), running);
      running = here > running ? here : running;
    }
    let state: u64 = mix64(seed + GOLDEN * <u64>(row + rowOffset + 1));
    for (let d: i32 = 0; d < r; d += 2) {
      state += GOLDEN;
      const z = mix64(state);
      draw(<f64>(<u32>z) * scale, perMass, lastBucket, cdf, guide, kept);
      if (d + 1 < r) draw(<f64>(<u32>(z >> 32)) * scale, perMass, lastBucket, cdf, guide, kept);
    }
    // Indices of the kept units, gathered without branches (into the guide table, no longer
    // needed), so that the multipliers are computed for kept units only, two at a time.
    let count: i32 = 0;
    for (let c: i32 = 0; c <= last; c++) {
      store<i32>(guide + (<usize>count << 2), load<i32>(idx + (<usize>c << 2)));
      count += <i32>load<u8>(kept + <usize>c);
    }
    memory.fill(kept, 0, <usize>units);
    const inv = 1.0 / sum;
    const rv = f64x2.splat(rf);
    let c: i32 = 0;
    for (; c + 1 < count; c += 2) {
      const off0 = <usize>load<i32>(guide + (<usize>c << 2)) << 2;
      const off1 = <usize>load<i32>(guide + (<usize>(c + 1) << 2)) << 2;
      const v0 = load<f32>(hb + off0);
      const v1 = load<f32>(hb + off1);
      const p = f64x2.mul(f64x2.replace_lane(f64x2.splat(Math.abs(<f64>v0)), 1, Math.abs(<f64>v1)), f64x2.splat(inv));
      const q = keepProbabilityPair(p, rf, rv);
      const mult = f64x2.div(f64x2.splat(1.0), q);
      const m0 = <f32>f64x2.extract_lane(mult, 0);
      const m1 = <f32>f64x2.extract_lane(mult, 1);
      store<f32>(mb + off0, m0);
      store<f32>(yb + off0, v0 * m0);
      store<f32>(mb + off1, m1);
      store<f32>(yb + off1, v1 * m1);
    }
    if (c < count) {
      const off = <usize>load<i32>(guide + (<usize>c << 2)) << 2;
      const v = load<f32>(hb + off);
      const mult = <f32>(1.0 / keepProbability(Math.abs(<f64>v) * inv, rf));
      store<f32>(mb + off, mult);
      store<f32>(yb + off, v * mult);
    }
    keptTotal += count;
  }
  return keptTotal;
}

/**
 * The uniform random-pruning baseline on `rows` rows of `n` float32 activations at `h`: every
 * non-zero unit is kept with the same probability q = E[units SAP keeps] / (non-zero units)
 * (E[units SAP keeps] = sum_j keepProbability(p_j, r), capped at q = 1) and scaled by 1/q; the
 * rest get 0. Writes y = h * m at `y` and m at `m`. One uniform on 32 bits a unit from the row's
 * own SplitMix64 stream (seeded as in sapExact), so a row split gives the same masks. `vals` (n
 * float64) is scratch. Returns the number of kept units, or -(row + 1) when a row has a
 * non-finite activation.
 */
export function randomPrune(h: usize, y: usize, m: usize, rows: i32, n: i32, r: i32, seedLo: u32, seedHi: u32, rowOffset: i32, vals: usize): i32 {
  const seed: u64 = (<u64>seedHi << 32) | <u64>seedLo;
  const rf = <f64>r;
  const rv = f64x2.splat(rf);
  let keptTotal: i32 = 0;
  for (let row: i32 = 0; row < rows; row++) {
    const hb = h + (<usize>row * <usize>n << 2);
    const yb = y + (<usize>row * <usize>n << 2);
    const mb = m + (<usize>row * <usize>n << 2);
    // |h| of the non-zero units, compacted without branches into `vals` (n float64).
    let sum: f64 = 0.0;
    let nonZero: i32 = 0;
    for (let j: i32 = 0; j < n; j++) {
      const a = Math.abs(<f64>load<f32>(hb + (<usize>j << 2)));
      sum += a;
      store<f64>(vals + (<usize>nonZero << 3), a);
      nonZero += <i32>(a != 0.0);
    }
    if (!isFinite(sum)) return -(row + 1);
    if (nonZero == 0) {
      memory.fill(yb, 0, <usize>n << 2);
      memory.fill(mb, 0, <usize>n << 2);
      continue;
    }
    // Expected number of units SAP keeps, over the non-zero units, two at a time.
    const inv = 1.0 / sum;
    let expected = f64x2.splat(0.0);
    let j: i32 = 0;
    for (; j + 1 < nonZero; j += 2) {
      const p = f64x2.mul(v128.load(vals + (<usize>j << 3)), f64x2.splat(inv));
      const q = keepProbabilityPair(p, rf, rv);
      expected = f64x2.add(expected, q);
    }
    let expectedKept = f64x2.extract_lane(expected, 0) + f64x2.extract_lane(expected, 1);
    if (j < nonZero) expectedKept += keepProbability(load<f64>(vals + (<usize>j << 3)) * inv, rf);
    const q = Math.min(1.0, expectedKept / <f64>nonZero);
    const mult = <f32>(1.0 / q);
    const threshold = q * 4294967296.0; // keep when u < q 2^32
    let state: u64 = mix64(seed + GOLDEN * <u64>(row + rowOffset + 1));
    let kept: i32 = 0;
    for (let k: i32 = 0; k < n; k += 2) {
      state += GOLDEN;
      const z = mix64(state);
      {
        const v = load<f32>(hb + (<usize>k << 2));
        const keep = (v != 0) & (<f64>(<u32>z) < threshold);
        const mk = keep ? mult : <f32>0.0;
        store<f32>(mb + (<usize>k << 2), mk);
        store<f32>(yb + (<usize>k << 2), v * mk);
        kept += <i32>keep;
      }
      if (k + 1 < n) {
        const v = load<f32>(hb + (<usize>(k + 1) << 2));
        const keep = (v != 0) & (<f64>(<u32>(z >> 32)) < threshold);
        const mk = keep ? mult : <f32>0.0;
        store<f32>(mb + (<usize>(k + 1) << 2), mk);
        store<f32>(yb + (<usize>(k + 1) << 2), v * mk);
        kept += <i32>keep;
      }
    }
    keptTotal += kept;
  }
  return keptTotal;
}
