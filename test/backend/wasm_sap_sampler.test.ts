import { describe, expect, it } from 'vitest';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { Rng, keepProbability, drawCount } from 'saplab';
import { wasmSapExact, wasmKeepProbability, wasmRandomPrune } from '../../lib/backend/wasm_sap_sampler';
import { useWasm, liveCounts } from './backend_compare';
import * as fs from 'fs';
import { systemComponent } from '../helpers';

const root = path.resolve(__dirname, '..', '..');
// The compiler is a devDependency: present after `npm ci`, maybe not in an older checkout.
const hasAsc = systemComponent('assemblyscript (npm devDependency)', () => fs.existsSync(path.join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js')));

function activations(rows: number, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const h = new Float32Array(rows * n);
  for (let i = 0; i < h.length; i++) h[i] = rng.next() < 0.4 ? 0 : Math.pow(rng.next(), 2) * 3;
  return h;
}


// A plain reference of the kernel's draws: the same SplitMix64 stream per row, the same mass
// positions t = u * sum / 2^32, and the unit found by binary search of the cumulative sums over
// all units (no guide table, no compaction). The kernel must keep exactly these units.
const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}
function referenceKept(h: Float32Array, rows: number, n: number, r: number, seedLo: number, seedHi: number, rowOffset = 0): Set<number>[] {
  const seed = (BigInt(seedHi) << 32n) | BigInt(seedLo);
  const out: Set<number>[] = [];
  for (let row = 0; row < rows; row++) {
    const cdf = new Float64Array(n);
    let sum = 0;
    for (let j = 0; j < n; j++) cdf[j] = sum += Math.abs(h[row * n + j]);
    const kept = new Set<number>();
    out.push(kept);
    if (sum === 0) continue;
    const scale = sum * 2 ** -32;
    const unitAt = (t: number) => {
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] <= t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    let state = mix64((seed + GOLDEN * BigInt(row + rowOffset + 1)) & MASK64);
    for (let d = 0; d < r; d += 2) {
      state = (state + GOLDEN) & MASK64;
      const z = mix64(state);
      kept.add(unitAt(Number(z & 0xffffffffn) * scale));
      if (d + 1 < r) kept.add(unitAt(Number(z >> 32n) * scale));
    }
  }
  return out;
}

/** Random pruning's keep probability of one row: SAP's expected survivors / non-zero units, at most 1. */
function randomKeepProbability(row: Float32Array, r: number): number {
  let sum = 0;
  let nonZero = 0;
  for (const v of row) {
    sum += Math.abs(v);
    if (v !== 0) nonZero++;
  }
  let expected = 0;
  for (const v of row) expected += keepProbability(Math.abs(v) / sum, r);
  return Math.min(1, expected / nonZero);
}

describe('wasm SAP sampler kernel', () => {
  it('computes keep probabilities like the JavaScript formula (relative error < 1e-9)', async () => {
    await useWasm();
    for (const r of [1, 7, 100, 21632, 1e6]) {
      for (const p of [1e-12, 1e-9, 3e-7, 1e-5, 1e-3, 0.0099, 0.01, 0.2, 0.5, 0.9, 0.999999]) {
        const js = keepProbability(p, r);
        expect(Math.abs(wasmKeepProbability(p, r) - js) / js).toBeLessThan(1e-9);
      }
    }
    expect(wasmKeepProbability(0, 10)).toBe(0);
    expect(wasmKeepProbability(1, 10)).toBe(1);
  });

  it('returns y = x * m, keeps only non-zero units, at most r of them per row, with multipliers 1/q', async () => {
    await useWasm();
    const rows = 5;
    const n = 37;
    const h = activations(rows, n, 3);
    const x = tf.tensor2d(h, [rows, n]);
    const r = drawCount(0.5, n);
    const [y, m] = wasmSapExact(x, { r, seedLo: 9, seedHi: 1 });
    const yv = y.dataSync();
    const mv = m.dataSync();
    for (let row = 0; row < rows; row++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.abs(h[row * n + j]);
      let kept = 0;
      for (let j = 0; j < n; j++) {
        const i = row * n + j;
        expect(yv[i]).toBe(Math.fround(h[i] * mv[i]));
        if (mv[i] !== 0) {
          kept++;
          expect(h[i]).not.toBe(0);
          expect(mv[i]).toBeCloseTo(1 / keepProbability(Math.abs(h[i]) / sum, r), 4);
        }
      }
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThanOrEqual(r);
    }
    tf.dispose([x, y, m]);
  });

  it('keeps exactly the units of a plain inversion of the same random stream (runs of zeros, one non-zero unit, r odd and above n)', async () => {
    await useWasm();
    const before = liveCounts();
    const n = 301;
    const h = activations(6, n, 11);
    h.fill(0, 40, 140); // a long run of zeros in row 0
    h.fill(0, n, 2 * n); // row 1: a single non-zero unit
    h[n + 77] = 0.5;
    for (let j = 2 * n; j < 3 * n; j++) h[j] = j % 3 === 0 ? 1e-30 : h[j]; // row 2: tiny masses beside large ones
    for (const r of [1, 7, n, 3 * n + 1]) {
      const x = tf.tensor2d(h, [6, n]);
      const [y, m] = wasmSapExact(x, { r, seedLo: 0x9abcdef0, seedHi: 0x12345678, rowOffset: 3 });
      const mv = m.dataSync();
      const want = referenceKept(h, 6, n, r, 0x9abcdef0, 0x12345678, 3);
      for (let row = 0; row < 6; row++) {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += Math.abs(h[row * n + j]);
        const got = new Set<number>();
        for (let j = 0; j < n; j++) if (mv[row * n + j] !== 0) got.add(j);
        expect([...got].sort((a, b) => a - b)).toEqual([...want[row]].sort((a, b) => a - b));
        for (const j of got) {
          const q = keepProbability(Math.abs(h[row * n + j]) / sum, r);
          expect(Math.abs(mv[row * n + j] * q - 1)).toBeLessThan(1e-6);
        }
      }
      tf.dispose([x, y, m]);
    }
    expect(liveCounts()).toEqual(before);
  });

  it('random pruning: every non-zero unit kept with probability q (SAP\'s expected survivors / non-zero units) and scaled by 1/q; rows keyed like SAP', async () => {
    await useWasm();
    const before = liveCounts();
    const rows = 3;
    const n = 41;
    const h = activations(rows, n, 5);
    h[0] = 40; // a dominant unit: SAP would always keep it, random pruning only with probability q
    const x = tf.tensor2d(h, [rows, n]);
    const r = n;
    const calls = 2000;
    const keeps = new Float64Array(rows * n);
    for (let c = 0; c < calls; c++) {
      const [y, m] = wasmRandomPrune(x, { r, seedLo: c, seedHi: 3 });
      const mv = m.dataSync();
      const yv = y.dataSync();
      for (let i = 0; i < mv.length; i++) {
        if (mv[i] !== 0) keeps[i]++;
        expect(yv[i]).toBe(Math.fround(h[i] * mv[i]));
      }
      if (c === 0) {
        for (let row = 0; row < rows; row++) {
          const q = randomKeepProbability(h.subarray(row * n, (row + 1) * n), r);
          for (let j = 0; j < n; j++) if (mv[row * n + j] !== 0) expect(Math.abs(mv[row * n + j] * q - 1)).toBeLessThan(1e-6);
        }
      }
      tf.dispose([y, m]);
    }
    for (let row = 0; row < rows; row++) {
      const q = randomKeepProbability(h.subarray(row * n, (row + 1) * n), r);
      const se = Math.sqrt((q * (1 - q)) / calls);
      for (let j = 0; j < n; j++) {
        const f = keeps[row * n + j] / calls;
        if (h[row * n + j] === 0) expect(f).toBe(0);
        else expect(Math.abs(f - q)).toBeLessThan(5 * se);
      }
    }
    expect(keeps[0] / calls).toBeLessThan(0.9);
    // Row split: rows 1..2 with rowOffset 1 equal the whole batch's rows.
    const [whole, wm] = wasmRandomPrune(x, { r, seedLo: 5, seedHi: 6 });
    const part = tf.slice(x, [1, 0], [2, n]);
    const [yp, mp] = wasmRandomPrune(part, { r, seedLo: 5, seedHi: 6, rowOffset: 1 });
    expect(Array.from(yp.dataSync())).toEqual(Array.from(whole.dataSync()).slice(n));
    tf.dispose([x, whole, wm, part, yp, mp]);
    const bad = tf.tensor2d([1, 2, 1, NaN], [2, 2]);
    expect(() => wasmRandomPrune(bad, { r: 2, seedLo: 1, seedHi: 1 })).toThrow(/random pruning got a non-finite activation in example 1/);
    bad.dispose();
    expect(liveCounts()).toEqual(before);
  });

  it('gives every row its own stream: a batch split with rowOffset equals the whole batch', async () => {
    await useWasm();
    const rows = 6;
    const n = 50;
    const x = tf.tensor2d(activations(rows, n, 4), [rows, n]);
    const [whole, wm] = wasmSapExact(x, { r: n, seedLo: 77, seedHi: 5 });
    const a = tf.slice(x, [0, 0], [2, n]);
    const b = tf.slice(x, [2, 0], [4, n]);
    const [ya, ma] = wasmSapExact(a, { r: n, seedLo: 77, seedHi: 5, rowOffset: 0 });
    const [yb, mb] = wasmSapExact(b, { r: n, seedLo: 77, seedHi: 5, rowOffset: 2 });
    expect(Array.from(whole.dataSync())).toEqual([...Array.from(ya.dataSync()), ...Array.from(yb.dataSync())]);
    // Another seed gives another mask.
    const [other, om] = wasmSapExact(x, { r: n, seedLo: 78, seedHi: 5 });
    expect(Array.from(other.dataSync())).not.toEqual(Array.from(whole.dataSync()));
    tf.dispose([x, whole, wm, a, b, ya, ma, yb, mb, other, om]);
  });

  it('reuses its scratch across row lengths (long, short, long again) and leaks nothing', async () => {
    await useWasm();
    const before = liveCounts();
    const results: number[][] = [];
    for (const n of [300, 40, 7, 300, 1000, 40]) {
      const x = tf.tensor2d(activations(3, n, n), [3, n]);
      const [y, m] = wasmSapExact(x, { r: n, seedLo: 1, seedHi: 2 });
      results.push(Array.from(y.dataSync()));
      tf.dispose([x, y, m]);
    }
    expect(results[0]).toEqual(results[3]);
    expect(results[1]).toEqual(results[5]);
    expect(liveCounts()).toEqual(before);
  });

  it('zeros all-zero rows and rejects non-finite activations without leaking', async () => {
    await useWasm();
    const x = tf.tensor2d([0, 0, 0, 1, 2, 3], [2, 3]);
    const [y, m] = wasmSapExact(x, { r: 3, seedLo: 1, seedHi: 0 });
    expect(Array.from(y.dataSync().slice(0, 3))).toEqual([0, 0, 0]);
    tf.dispose([y, m]);
    const before = liveCounts();
    const bad = tf.tensor2d([1, 2, 3, 1, NaN, 3], [2, 3]);
    expect(() => wasmSapExact(bad, { r: 3, seedLo: 1, seedHi: 0 })).toThrow(/non-finite activation in example 1/);
    bad.dispose();
    expect(liveCounts()).toEqual(before);
    x.dispose();
  });

  it.runIf(hasAsc)('the committed binary is what assembly/sap_sampler.ts compiles to', () => {
    // Exits 1 (and throws here) when lib/backend/sap_sampler_wasm.ts is stale.
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build_wasm.js'), '--check'], { cwd: root, stdio: 'pipe' });
  });
});
