/**
 * The benchmark's thread splits: a workload of `images` images in batches of `batchSize` on the
 * main thread alone against the same batches split over the main thread and worker threads by the
 * engine's unit of parallel work (`splitBatches`, a `TaskPool`), runs interleaved so both see the
 * same machine load, with a check that both give bit-identical results. Two workloads:
 *
 * - `input-gradient`: the cross-entropy input gradient (`lossGradient`) of each batch;
 * - `sap-predict`: SAP-100 `predictBatchRange`, `samples` passes a batch, batch `b` seeded by `b`.
 *
 * Starting the workers (each copies the model's weights and the images) is timed separately
 * (`startMs`): it is paid once per model, not per call.
 */
import * as tf from '@tensorflow/tfjs';
import { lossGradient } from '../attacks/gradient';
import { predictBatchRange } from '../defenses/predict';
import { withSap } from '../defenses/with_sap';
import { asModel, Model } from '../models/model';
import { BatchRange, joinRows, splitBatches } from '../parallel/batch_ranges';
import { compiledWorkerScript } from '../parallel/compiled_worker';
import { TaskPool } from '../parallel/task_pool';
import { roundTiming, roundTo, summarizeTimes, Timing } from './timing';

/** A workload the benchmark splits over threads. */
export type SplitWorkload = 'input-gradient' | 'sap-predict';

/** Options of `measureThreadSplit`. */
export interface ThreadSplitOptions {
  /** Worker threads besides the main thread. */
  workers: number;
  /** Images of the workload. Default 128 (`input-gradient`) or 256 (`sap-predict`). */
  images?: number;
  /** Images per batch (the unit of work). Default `ceil(images / (workers + 1))`: one batch a thread. */
  batchSize?: number;
  /** SAP passes averaged (`sap-predict`). Default 20. */
  samples?: number;
  /** Timed runs of each (median reported). Default 3. */
  repeats?: number;
  /** Untimed runs of each first. Default 1. */
  warmup?: number;
  /** Seed of the images, labels and masks. Default 1. */
  seed?: number;
  /** Compiled worker entry (default: `split_worker.js` in `dist/bench/`). */
  workerScript?: string;
}

/** One thread against main thread + workers on the same batches. */
export interface ThreadSplitReport {
  workload: SplitWorkload;
  images: number;
  batchSize: number;
  /** SAP passes a batch (`sap-predict`; 1 for `input-gradient`). */
  samples: number;
  workers: number;
  /** Milliseconds to start the workers (once per model). */
  startMs: number;
  singleThread: Timing;
  split: Timing;
  /** singleThread median / split median. */
  speedup: number;
  /** Whether both gave bit-identical results. */
  identical: boolean;
}

/** What a split worker is started with: the model, the images and the workload. */
export interface SplitWorkerData {
  /** `net.toJSON(null, false)`. */
  topology: string;
  /** Its weights, in `getWeights()` order. */
  weights: { shape: number[]; data: Float32Array }[];
  x: { shape: number[]; data: Float32Array };
  y: Int32Array;
  workload: SplitWorkload;
  batchSize: number;
  samples: number;
  seed: number;
}

/** A thread's model and images. */
export interface SplitContext {
  model: Model;
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  data: Pick<SplitWorkerData, 'workload' | 'batchSize' | 'samples' | 'seed'>;
}

/** The model a thread evaluates for `workload` (SAP-100 for `sap-predict`). */
export function splitModel(net: tf.LayersModel, workload: SplitWorkload, seed: number): Model {
  return workload === 'sap-predict' ? withSap(net, { seed }) : asModel(net);
}

/** The workload's result on batches `range`, flattened (the code the main thread and the workers run). */
export function computeSplitRange(ctx: SplitContext, range: BatchRange): Float32Array {
  const { workload, batchSize, samples, seed } = ctx.data;
  if (workload === 'sap-predict') {
    const p = predictBatchRange(ctx.model, ctx.x, { samples, seed, batchSize, first: range.first, end: range.end });
    const v = p.dataSync() as Float32Array;
    p.dispose();
    return v;
  }
  if (workload !== 'input-gradient') throw new Error(`unknown split workload ${JSON.stringify(workload)}`);
  const n = ctx.x.shape[0];
  const parts: Float32Array[] = [];
  for (let b = range.first; b < range.end; b++) {
    const start = b * batchSize;
    const size = Math.min(batchSize, n - start);
    const xb = tf.slice(ctx.x, [start, 0, 0, 0], [size, -1, -1, -1]);
    const yb = tf.slice(ctx.y, [start], [size]);
    const g = lossGradient(ctx.model, xb, yb);
    parts.push(g.grad.dataSync() as Float32Array);
    g.dispose();
    tf.dispose([xb, yb]);
  }
  return joinRows(parts);
}

function defaultWorkerScript(): string {
  return compiledWorkerScript(__dirname, 'bench', 'split_worker.js');
}

/** Times `workload` on one thread and split over `workers` worker threads (wasm), interleaved. */
export async function measureThreadSplit(net: tf.LayersModel, workload: SplitWorkload, options: ThreadSplitOptions): Promise<ThreadSplitReport> {
  const images = options.images ?? (workload === 'sap-predict' ? 256 : 128);
  const workers = options.workers;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`measureThreadSplit: workers must be a positive integer, got ${workers}`);
  if (!Number.isInteger(images) || images < 1) throw new Error(`measureThreadSplit: images must be a positive integer, got ${images}`);
  const batchSize = options.batchSize ?? Math.ceil(images / (workers + 1));
  const samples = workload === 'sap-predict' ? options.samples ?? 20 : 1;
  const repeats = options.repeats ?? 3;
  const warmup = options.warmup ?? 1;
  const seed = options.seed ?? 1;
  const [h, w, c] = net.inputs[0].shape.slice(1) as number[];
  const x = tf.randomUniform([images, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D;
  const y = tf.randomUniform([images], 0, net.outputs[0].shape[1] as number, 'int32', seed + 1) as tf.Tensor1D;
  const ctx: SplitContext = { model: splitModel(net, workload, seed), x, y, data: { workload, batchSize, samples, seed } };
  const data: SplitWorkerData = {
    topology: JSON.stringify(net.toJSON(null, false)),
    weights: net.getWeights().map((v) => ({ shape: v.shape, data: Float32Array.from(v.dataSync() as Float32Array) })),
    x: { shape: x.shape, data: Float32Array.from(x.dataSync() as Float32Array) },
    y: Int32Array.from(y.dataSync() as Int32Array),
    ...ctx.data,
  };
  const t0 = performance.now();
  let pool: TaskPool<BatchRange, Float32Array> | undefined;
  try {
    pool = await TaskPool.start<BatchRange, Float32Array>(options.workerScript ?? defaultWorkerScript(), workers, data);
    const startMs = performance.now() - t0;
    const batches = Math.ceil(images / batchSize);
    const run = async (p?: TaskPool<BatchRange, Float32Array>) => {
      const t = performance.now();
      const parts = await splitBatches<BatchRange, Float32Array>({ batches, pool: p, main: (r) => computeSplitRange(ctx, r), task: (r) => r });
      return { values: joinRows(parts.map((q) => q.result)), ms: performance.now() - t };
    };
    const times: [number[], number[]] = [[], []];
    let identical = true;
    for (let i = 0; i < warmup + repeats; i++) {
      const a = await run();
      const b = await run(pool);
      identical &&= a.values.length === b.values.length && a.values.every((v, k) => Object.is(v, b.values[k]));
      if (i >= warmup) {
        times[0].push(a.ms);
        times[1].push(b.ms);
      }
    }
    const singleThread = roundTiming(summarizeTimes(times[0]));
    const split = roundTiming(summarizeTimes(times[1]));
    return { workload, images, batchSize, samples, workers, startMs: Math.round(startMs), singleThread, split, speedup: roundTo(singleThread.medianMs / split.medianMs, 2), identical };
  } finally {
    await pool?.close();
    tf.dispose([x, y]);
  }
}
