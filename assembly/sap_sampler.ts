// Exact SAP sampler in AssemblyScript, compiled to WebAssembly by `npm run build:wasm`
// (scripts/build_wasm.js) into lib/backend/sap_sampler_wasm.ts. The module imports the memory of
// the TF.js wasm backend and works on tensors where they live: no copies in or out.
//
// The module must not own any memory: no data segments, no globals in memory, no allocation (it
// writes only where the caller's pointers say). scripts/build_wasm.js checks that it has no data
// section.
//
// For each row of `n` activations h: p_j = |h_j| / sum_k |h_k|; r indices are drawn with
// replacement from p by inversion of the cumulative sums (a guide table of 2n buckets, built
// without branches, makes each draw O(1) on average); a unit drawn at least once gets the multiplier
// 1 / (1 - (1 - p_j)^r), every other unit 0. Outputs: y = h * m and m.
// Each row has its own random stream (SplitMix64 seeded from the call's seed and the row's index
// in the whole batch), so any split of the rows over threads gives the same masks.

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

/** Marks the unit whose cumulative-sum interval holds mass position t. */
// @ts-ignore: decorator
@inline function draw(t: f64, perMass: f64, buckets: i32, last: i32, cdf: usize, guide: usize, kept: usize): void {
  let k = <i32>(t * perMass);
  if (k >= buckets) k = buckets - 1;
  let i = load<i32>(guide + (<usize>k << 2));
  while (i < last && load<f64>(cdf + (<usize>i << 3)) <= t) i++;
  store<u8>(kept + <usize>i, 1);
}

/** 1 - (1 - p)^r, accurate for tiny p (the same formulas as keepProbability in sampler.ts). */
export function keepProbability(p: f64, r: f64): f64 {
  if (p <= 0.0) return 0.0;
  if (p >= 1.0) return 1.0;
  const l = p < 1e-2 ? -p * (1.0 + p * (0.5 + p * (1.0 / 3.0))) : logPos(1.0 - p);
  const x = r * l;
  return x < -1e-3 ? 1.0 - expNeg(x) : -x * (1.0 + x * (0.5 + x * (1.0 / 6.0)));
}

/**
 * SAP on `rows` rows of `n` float32 activations at `h`; writes y = h * m at `y` and the
 * multipliers m at `m` (both `rows * n` float32). `cdf` (n float64), `guide` (2n int32) and `kept`
 * (n bytes, zero on entry and on return) are scratch. `rowOffset` is the index of the first row in
 * the whole batch (for the per-row random streams). Returns the number of kept units, or
 * -(row + 1) when a row has a non-finite activation (its outputs are then not written).
 */
export function sapExact(h: usize, y: usize, m: usize, rows: i32, n: i32, r: i32, seedLo: u32, seedHi: u32, rowOffset: i32, cdf: usize, guide: usize, kept: usize): i32 {
  const seed: u64 = (<u64>seedHi << 32) | <u64>seedLo;
  const rf = <f64>r;
  const nf = <f64>n;
  let keptTotal: i32 = 0;
  for (let row: i32 = 0; row < rows; row++) {
    const hb = h + (<usize>row * <usize>n << 2);
    const yb = y + (<usize>row * <usize>n << 2);
    const mb = m + (<usize>row * <usize>n << 2);
    // Cumulative sums of |h| (float64); the last unit with a non-zero value.
    let sum: f64 = 0.0;
    let last: i32 = -1;
    for (let j: i32 = 0; j < n; j++) {
      const a = Math.abs(<f64>load<f32>(hb + (<usize>j << 2)));
      if (a != 0.0) last = j;
      sum += a;
      store<f64>(cdf + (<usize>j << 3), sum);
    }
    if (!isFinite(sum)) return -(row + 1);
    if (last < 0) {
      memory.fill(yb, 0, <usize>n << 2);
      memory.fill(mb, 0, <usize>n << 2);
      continue;
    }
    // A draw is u uniform on 32 bits, at mass position t = u * sum / 2^32 (so each unit's chance
    // is its share of the mass up to 2^-32, as with 32-bit alias thresholds); bucket
    // k = floor(t * buckets / sum) of a guide table with two buckets per unit.
    const buckets = n << 1;
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
      draw(<f64>(<u32>z) * scale, perMass, buckets, last, cdf, guide, kept);
      if (d + 1 < r) draw(<f64>(<u32>(z >> 32)) * scale, perMass, buckets, last, cdf, guide, kept);
    }
    // Multipliers of the kept units. Their indices are first gathered without branches (into
    // the guide table, no longer needed), so the costly part runs on kept units only.
    memory.fill(yb, 0, <usize>n << 2);
    memory.fill(mb, 0, <usize>n << 2);
    let count: i32 = 0;
    for (let jj: i32 = 0; jj <= last; jj++) {
      store<i32>(guide + (<usize>count << 2), jj);
      count += <i32>load<u8>(kept + <usize>jj);
    }
    memory.fill(kept, 0, <usize>(last + 1));
    const inv = 1.0 / sum;
    for (let c: i32 = 0; c < count; c++) {
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
