/**
 * The paper's averaged SAP prediction split over worker threads: `predictProbs` of SAP-100 (by
 * default 256 images × 20 passes) on the main thread alone against `StochasticWorkers` (main thread
 * + workers), runs interleaved so both see the same machine load, and a check that both give the
 * same probabilities bit for bit. Starting the workers is timed separately (`startMs`): it is paid
 * once per model, not per call.
 */
import * as tf from '@tensorflow/tfjs';
import { predictProbs } from '../defenses/predict';
import { withSap } from '../defenses/with_sap';
import { StochasticWorkers } from '../parallel/stochastic_workers';
import { roundTiming, summarizeTimes, Timing } from './timing';

/** Options of `measureSapPredictSplit`. */
export interface SapPredictSplitOptions {
  /** Worker threads besides the main thread. */
  workers: number;
  /** Images per prediction. Default 256. */
  images?: number;
  /** SAP passes averaged. Default 20. */
  samples?: number;
  /** Timed runs of each (median reported). Default 3. */
  repeats?: number;
  /** Untimed runs of each first. Default 1. */
  warmup?: number;
  /** Seed of the images and the masks. Default 1. */
  seed?: number;
  /** Compiled worker entry (default: the one in `dist/parallel/`). */
  workerScript?: string;
}

/** One thread against main thread + workers on the same SAP-100 prediction. */
export interface SapPredictSplitReport {
  images: number;
  samples: number;
  workers: number;
  /** Milliseconds to start the workers (once per model). */
  startMs: number;
  singleThread: Timing;
  split: Timing;
  /** singleThread median / split median. */
  speedup: number;
  /** Whether both gave bit-identical probabilities. */
  identical: boolean;
}

/** Times SAP-100 `predictProbs` on one thread and split over `workers` worker threads (wasm). */
export async function measureSapPredictSplit(net: tf.LayersModel, options: SapPredictSplitOptions): Promise<SapPredictSplitReport> {
  const images = options.images ?? 256;
  const samples = options.samples ?? 20;
  const repeats = options.repeats ?? 3;
  const warmup = options.warmup ?? 1;
  const seed = options.seed ?? 1;
  const [h, w, c] = net.inputs[0].shape.slice(1) as number[];
  const x = tf.randomUniform([images, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D;
  const one = withSap(net, { seed });
  const t0 = performance.now();
  const pool = await StochasticWorkers.start(withSap(net, { seed }), { workers: options.workers, workerScript: options.workerScript });
  const startMs = performance.now() - t0;
  try {
    const opts = { samples, seed };
    const times: [number[], number[]] = [[], []];
    let identical = true;
    for (let i = 0; i < warmup + repeats; i++) {
      let t = performance.now();
      const a = predictProbs(one, x, opts);
      const ta = performance.now() - t;
      t = performance.now();
      const b = await pool.predictProbs(x, opts);
      const tb = performance.now() - t;
      const av = a.dataSync();
      const bv = b.dataSync();
      identical &&= av.length === bv.length && av.every((v, k) => Object.is(v, bv[k]));
      tf.dispose([a, b]);
      if (i >= warmup) {
        times[0].push(ta);
        times[1].push(tb);
      }
    }
    const singleThread = roundTiming(summarizeTimes(times[0]));
    const split = roundTiming(summarizeTimes(times[1]));
    return { images, samples, workers: pool.workers, startMs: Math.round(startMs), singleThread, split, speedup: Math.round((singleThread.medianMs / split.medianMs) * 100) / 100, identical };
  } finally {
    await pool.close();
    x.dispose();
  }
}
