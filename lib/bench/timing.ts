/**
 * Timing of synchronous workloads: the median and minimum of repeated runs after a warm-up, alone
 * (`timeRuns`) or alternating several functions run by run so that all see the same machine load
 * (`timeInterleaved`). Both check that a workload leaves no tensors behind.
 */
import * as tf from '@tensorflow/tfjs';

/** Timings of one workload. */
export interface Timing {
  /** Median over the timed runs, ms. */
  medianMs: number;
  /** Fastest timed run, ms. */
  minMs: number;
  /** Every timed run, ms. */
  timesMs: number[];
}

/** Median and minimum of `repeats` timed runs of `run` after `warmup` untimed ones. */
export function timeRuns(run: () => void, repeats: number, warmup: number): Timing {
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats must be a positive integer, got ${repeats}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`warmup must be a non-negative integer, got ${warmup}`);
  const before = tf.memory().numTensors;
  for (let i = 0; i < warmup; i++) run();
  const timesMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    timesMs.push(performance.now() - t0);
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`workload left ${leaked} tensors behind`);
  return summarizeTimes(timesMs);
}

/** Like `timeRuns` for several functions, alternating them run by run. */
export function timeInterleaved(runs: (() => void)[], repeats: number, warmup: number): Timing[] {
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats must be a positive integer, got ${repeats}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`warmup must be a non-negative integer, got ${warmup}`);
  const times: number[][] = runs.map(() => []);
  const before = tf.memory().numTensors;
  for (let i = 0; i < warmup + repeats; i++) {
    runs.forEach((run, k) => {
      const t0 = performance.now();
      run();
      if (i >= warmup) times[k].push(performance.now() - t0);
    });
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`workload left ${leaked} tensors behind`);
  return times.map(summarizeTimes);
}

/** Median and minimum of timed runs (the order of `timesMs` is kept). */
export function summarizeTimes(timesMs: number[]): Timing {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianMs, minMs: sorted[0], timesMs };
}

/** `v` rounded to `digits` decimals (the precision the benchmark reports). */
export function roundTo(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** A timing with its median, minimum and every run rounded to `digits` decimals (ms). */
export function roundTiming(t: Timing, digits = 2): Timing {
  return { medianMs: roundTo(t.medianMs, digits), minMs: roundTo(t.minMs, digits), timesMs: t.timesMs.map((v) => roundTo(v, digits)) };
}
