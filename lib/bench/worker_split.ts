/**
 * The input gradient of one batch on the main thread alone against the same batch split between
 * the main thread and worker threads (`BatchWorkers`), runs interleaved so both see the same
 * machine load, with a check that both give bit-identical gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchWorkers } from '../parallel/batch_workers';
import { roundTiming, roundTo, summarizeTimes, Timing } from './timing';

/** Options of `measureWorkerSplit`. */
export interface WorkerSplitOptions {
  /** Worker threads beside the main thread. */
  workers: number;
  /** Examples in the batch. Default 128. */
  batch?: number;
  /** Compiled worker script (tests); default the package's. */
  workerScript?: string;
}

/** Timing of a batch split between the main thread and workers. */
export interface WorkerSplitReport {
  batch: number;
  workers: number;
  /** The whole batch on the main thread. */
  singleThread: Timing;
  /** The batch split between the main thread and the workers. */
  split: Timing;
  /** singleThread median / split median. */
  speedup: number;
  /** Whether both gave bit-identical gradients. */
  identical: boolean;
}

/** Times `BatchWorkers.inputGradient` with 0 and `workers` worker threads, interleaved. */
export async function measureWorkerSplit(net: tf.LayersModel, opts: WorkerSplitOptions, repeats: number, warmup: number, seed: number): Promise<WorkerSplitReport> {
  const batch = opts.batch ?? 128;
  const [h, w, c] = net.inputs[0].shape.slice(1) as number[];
  const x = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D;
  const y = tf.randomUniform([batch], 0, net.outputs[0].shape[1] as number, 'int32', seed + 1) as tf.Tensor1D;
  const single = await BatchWorkers.start(net, { workers: 0 });
  const split = await BatchWorkers.start(net, { workers: opts.workers, workerScript: opts.workerScript });
  try {
    const once = async (pool: BatchWorkers) => {
      const t0 = performance.now();
      const g = await pool.inputGradient(x, y);
      const ms = performance.now() - t0;
      return { g, ms };
    };
    const a = await once(single);
    const b = await once(split);
    const identical = tf.tidy(() => tf.all(tf.equal(a.g, b.g)).dataSync()[0] === 1);
    tf.dispose([a.g, b.g]);
    const times: [number[], number[]] = [[], []];
    for (let i = 0; i < warmup + repeats; i++) {
      for (const [k, pool] of [single, split].entries()) {
        const r = await once(pool);
        r.g.dispose();
        if (i >= warmup) times[k].push(r.ms);
      }
    }
    const singleThread = roundTiming(summarizeTimes(times[0]));
    const splitTiming = roundTiming(summarizeTimes(times[1]));
    return { batch, workers: opts.workers, singleThread, split: splitTiming, speedup: roundTo(singleThread.medianMs / splitTiming.medianMs, 2), identical };
  } finally {
    await Promise.all([single.close(), split.close()]);
    tf.dispose([x, y]);
  }
}

