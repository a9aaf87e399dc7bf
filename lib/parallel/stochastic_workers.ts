/**
 * SAP predictions and EOT gradients over worker threads, bit-identical to one thread for the same
 * seed. A `withSap` model is copied into each worker (its own wasm backend and weights); a batch
 * is cut by rows into `workers + 1` contiguous slices; the main thread computes the first slice
 * while the workers compute the others, every thread running all passes on its rows. Each thread
 * starts the SAP layers' streams where the one-thread call starts, skips the passes that come
 * before its rows' passes and keys its masks by the rows' index in the one-thread batch (see
 * `stochastic_ops.ts`), so the numbers equal those of `predictProbs` / `lossGradient` bit for bit,
 * and the model's streams end where the one-thread call leaves them.
 *
 * Where it applies: models from `withSap` whose SAP layers are row-keyed (`model.rowKeyed()`:
 * exact SAP or random pruning with the WebAssembly sampler, i.e. the wasm backend with SIMD).
 * The Poisson mode and the JavaScript and tensor-op samplers draw rows one after
 * another from one stream, so a slice cannot reproduce its rows' masks: such models, and any model
 * that is not a `withSap` model, run on the main thread (the one-thread function), whatever
 * `workers` says. An EOT gradient whose one-thread call batches several draws into one pass
 * (`rowsPerPass`, small batches) also runs on the main thread. The workers copy the weights at
 * `start`; a model whose weights change needs a new pool.
 */
import { compiledWorkerScript } from './compiled_worker';
import type { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { GradientOptions, LossGradient } from '../attacks/gradient';
import { lossGradient } from '../attacks/gradient';
import { predictProbs, PredictProbsOptions } from '../defenses/predict';
import type { SapModel } from '../defenses/with_sap';
import { InputConventions, withInputConventions } from '../models/input_conventions';
import type { Model } from '../models/model';
import { checkInt } from '../attacks/validate';
import { TaskPool } from './task_pool';
import { sliceSizes } from './batch_workers';
import { eotRowsPerPass, probsSegments, SlicedModel, slicedLossGradient, slicedProbs, StreamStates, streamStates } from './stochastic_ops';
import type { StochasticResult, StochasticTask, StochasticWorkerData } from './stochastic_worker';
import { workerCount } from './worker_count';

/** Options of `StochasticWorkers.start`. */
export interface StochasticWorkersOptions {
  /**
   * Worker threads besides the main thread: a number (0: none) or `'auto'` (one per idle core
   * beyond the main thread's, see `workerCount`; 0 off wasm/cpu). Default: `SAPLAB_WORKERS`, else `'auto'`.
   * A model that is not row-keyed gets no workers.
   */
  workers?: number | 'auto';
  /** Input conventions applied inside the evaluated function (as `withInputConventions`). Default none. */
  conventions?: InputConventions;
  /** Evaluate the log of the model's output (a model that outputs probabilities). Default `false`. */
  logOfOutput?: boolean;
  /** The compiled worker entry; default `stochastic_worker.js` next to this module (in `dist/parallel/`). */
  workerScript?: string;
}

/** Options of `predictProbsParallel`: `predictProbs`' options and the pool's. */
export type PredictProbsParallelOptions = PredictProbsOptions & Omit<StochasticWorkersOptions, 'conventions' | 'logOfOutput'>;

/** Options of `lossGradientParallel`: `lossGradient`'s options and the pool's. */
export type LossGradientParallelOptions = GradientOptions & Omit<StochasticWorkersOptions, 'conventions' | 'logOfOutput'>;

function defaultWorkerScript(): string {
  return compiledWorkerScript(__dirname, 'parallel', 'stochastic_worker.js');
}

/** `true` for a model returned by `withSap` (it carries its network and SAP layers). */
function isSapModel(model: unknown): model is SapModel {
  const m = model as Partial<SapModel>;
  return typeof model === 'function' && m.net instanceof tf.LayersModel && Array.isArray(m.sapLayers) && typeof m.rowKeyed === 'function';
}

/** A `withSap` model replicated into worker threads; see the module comment. */
export class StochasticWorkers {
  private closed = false;
  private constructor(
    private readonly sap: SapModel | undefined,
    private readonly local: Model,
    private readonly pool: TaskPool<StochasticTask, StochasticResult> | undefined,
  ) {}

  /**
   * Starts the workers for `model` (a `withSap` model; anything else, or a model that is not
   * row-keyed, gets a pool without workers that runs the one-thread functions).
   */
  static async start(model: Model | tf.LayersModel, options: StochasticWorkersOptions = {}): Promise<StochasticWorkers> {
    const sap = isSapModel(model) ? model : undefined;
    const local = withInputConventions(typeof model === 'function' ? model : wrapLayers(model), options.conventions ?? {}, { logOfOutput: options.logOfOutput });
    const count = sap && sap.rowKeyed() ? workerCount({ workers: options.workers, backend: tf.getBackend() }) : 0;
    if (!Number.isInteger(count) || count < 0) throw new Error(`workers must be a non-negative integer or 'auto', got ${options.workers}`);
    if (!sap || count === 0) return new StochasticWorkers(sap, local, undefined);
    const data: StochasticWorkerData = {
      topology: JSON.stringify(sap.net.toJSON(null, false)),
      weights: sap.net.getWeights().map((w) => ({ shape: w.shape, data: Float32Array.from(w.dataSync() as Float32Array) })),
      conventions: options.conventions,
      logOfOutput: options.logOfOutput,
    };
    const pool = await TaskPool.start<StochasticTask, StochasticResult>(options.workerScript ?? defaultWorkerScript(), count, data);
    return new StochasticWorkers(sap, local, pool);
  }

  /** Number of worker threads (the main thread computes one more slice). */
  get workers(): number {
    return this.pool?.workers.length ?? 0;
  }

  /** The worker threads (e.g. to check that none outlives the pool: `threadId` is -1 once exited). */
  get threads(): Worker[] {
    return this.pool?.workers.map((w) => w.thread) ?? [];
  }

  /**
   * `predictProbs(model, x, options)` with the batch split over the threads: the same numbers,
   * bit for bit, and the model's streams end in the same state. With workers, `onProgress`
   * follows the main thread's slice (the workers' slices are as large). The caller owns the result.
   */
  async predictProbs(x: tf.Tensor4D, options: PredictProbsOptions = {}): Promise<tf.Tensor2D> {
    this.checkOpen();
    const samples = options.samples ?? 100;
    const batchSize = options.batchSize ?? 256;
    if (!this.pool || !this.sap || x.rank !== 4 || x.shape[0] < 2) return predictProbs(this.local, x, options);
    if (!Number.isInteger(samples) || samples < 1) throw new Error(`samples must be a positive integer, got ${options.samples}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    if (options.seed !== undefined) this.sap.reseed(options.seed);
    const n = x.shape[0];
    const states = streamStates(this.sap.sapLayers);
    const passes = Math.ceil(n / batchSize) * samples;
    return (await this.split(x, states, passes, {
      main: (m, xs, lo, hi) => slicedProbs(m, xs, samples, probsSegments(lo, hi, batchSize), states, options.onProgress),
      task: (xs, shape, lo, hi) => ({ op: 'probs', x: xs, shape, samples, segments: probsSegments(lo, hi, batchSize), states }),
      collect: (first, replies, rows) => [joinRows(first as tf.Tensor2D, replies.map((r) => r.probs!), rows)],
    }))[0] as tf.Tensor2D;
  }

  /**
   * `lossGradient(model, x, y, options)` with the batch split over the threads (one pass per draw
   * on every slice): the same grad, loss, probs and counts, bit for bit. Runs on the main thread
   * when the one-thread call would batch several draws per pass (`eotSamples` > 1 and
   * `n ≤ rowsPerPass / 2`). The caller owns the result.
   */
  async lossGradient(x: tf.Tensor4D, y: tf.Tensor1D, options: GradientOptions = {}): Promise<LossGradient> {
    this.checkOpen();
    const samples = checkInt(options.eotSamples, 1, 'eotSamples', 1, 'lossGradient');
    const n = x.shape[0];
    if (!this.pool || !this.sap || x.rank !== 4 || n < 2 || eotRowsPerPass(n, samples, options.rowsPerPass) > 1) return lossGradient(this.local, x, y, options);
    if (y.shape[0] !== n) throw new Error(`lossGradient: x has ${n} rows but y has ${y.shape[0]}`);
    const sliceOptions = { loss: options.loss, targeted: options.targeted, eotSamples: samples };
    const yv = tf.tidy(() => tf.cast(y, 'int32').dataSync()) as Int32Array;
    const states = streamStates(this.sap.sapLayers);
    let allFinite = true;
    const parts = await this.split(x, states, samples, {
      main: (m, xs, lo, hi) => {
        const ys = tf.tensor1d(yv.slice(lo, hi), 'int32');
        try {
          const g = slicedLossGradient(m, xs, ys, sliceOptions, lo, states);
          allFinite &&= g.allFinite;
          return [g.grad, g.loss, g.probs, g.finiteDraws, g.nonFiniteLogits];
        } finally {
          ys.dispose();
        }
      },
      task: (xs, shape, lo, hi) => ({ op: 'eot-gradient', x: xs, shape, y: yv.slice(lo, hi), options: sliceOptions, rowOffset: lo, states }),
      collect: (first, replies, rows) => {
        const firsts = first as tf.Tensor[];
        for (const r of replies) allFinite &&= r.gradient!.allFinite;
        const keys = ['grad', 'loss', 'probs', 'finiteDraws', 'nonFiniteLogits'] as const;
        return keys.map((k, i) => joinRows(firsts[i], replies.map((r) => r.gradient![k]), rows));
      },
    });
    const [grad, loss, probs, finiteDraws, nonFiniteLogits] = parts as [tf.Tensor4D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    return {
      grad,
      loss,
      probs,
      finiteDraws,
      nonFiniteLogits,
      samples,
      allFinite,
      dispose() {
        tf.dispose([grad, loss, probs, finiteDraws, nonFiniteLogits]);
      },
    };
  }

  /**
   * Cuts `x` into slices, posts all but the first to the workers, computes the first here, and
   * joins the results. Afterwards the model's streams are where the one-thread call leaves them:
   * `states` advanced by `passes`. A crashed worker closes the pool (no thread outlives it).
   */
  private async split(
    x: tf.Tensor4D,
    states: StreamStates,
    passes: number,
    how: {
      main: (m: SlicedModel, xs: tf.Tensor4D, lo: number, hi: number) => tf.Tensor | tf.Tensor[];
      task: (xs: Float32Array, shape: number[], lo: number, hi: number) => StochasticTask;
      collect: (first: tf.Tensor | tf.Tensor[], replies: StochasticResult[], rows: number[]) => tf.Tensor[];
    },
  ): Promise<tf.Tensor[]> {
    const sap = this.sap!;
    const workers = this.pool!.workers;
    const n = x.shape[0];
    const sizes = sliceSizes(n, workers.length + 1);
    const [, h, w, c] = x.shape;
    const per = h * w * c;
    const xv = x.dataSync() as Float32Array;
    const replies: Promise<StochasticResult>[] = [];
    let lo = sizes[0];
    for (let i = 1; i < sizes.length; i++) {
      const hi = lo + sizes[i];
      const xs = xv.slice(lo * per, hi * per);
      const worker = workers[i - 1];
      replies.push(worker.run(how.task(xs, [sizes[i], h, w, c], lo, hi)).catch((e: Error) => {
        throw new Error(`stochastic worker ${i} of ${workers.length} failed: ${e.message}`);
      }));
      lo = hi;
    }
    // Keep the rejections handled while the main thread computes its slice.
    const settled = Promise.allSettled(replies);
    let first: tf.Tensor | tf.Tensor[] | undefined;
    try {
      const x0 = tf.slice(x, [0, 0, 0, 0], [sizes[0], -1, -1, -1]);
      try {
        first = how.main({ model: this.local, layers: sap.sapLayers }, x0, 0, sizes[0]);
      } catch (e) {
        await settled; // the workers are free again when this call fails
        throw e;
      } finally {
        x0.dispose();
      }
      const done = await settled;
      const failed = done.find((d): d is PromiseRejectedResult => d.status === 'rejected');
      if (failed) {
        // A crashed thread closes the pool (no thread outlives it); a task's error leaves it usable.
        if (workers.some((wk) => wk.crashed)) await this.close();
        throw failed.reason;
      }
      return how.collect(first, done.map((d) => (d as PromiseFulfilledResult<StochasticResult>).value), sizes);
    } finally {
      if (first) tf.dispose(first);
      // The streams end where the one-thread call's end.
      for (const l of sap.sapLayers) {
        l.setStreamState(states[l.name]);
        l.skipPasses(passes);
        l.rowOffset = 0;
      }
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('StochasticWorkers: already closed');
  }

  /** Stops the workers (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool?.close();
  }
}

function wrapLayers(net: tf.LayersModel): Model {
  const m: Model = (x) => net.apply(x, { training: false }) as tf.Tensor2D;
  m.stochastic = false;
  m.label = net.name;
  return m;
}

/** Rows of the main thread's result followed by the workers' rows, as one tensor. */
function joinRows(first: tf.Tensor, rest: Float32Array[], rows: number[]): tf.Tensor {
  const n = rows.reduce((a, b) => a + b, 0);
  const rowSize = first.size / rows[0];
  const out = new Float32Array(n * rowSize);
  out.set(first.dataSync() as Float32Array, 0);
  let at = first.size;
  for (const r of rest) {
    out.set(r, at);
    at += r.length;
  }
  return tf.tensor(out, [n, ...first.shape.slice(1)]);
}

/**
 * `predictProbs` over worker threads: starts a `StochasticWorkers` pool for `model`, computes, and
 * stops it. Bit-identical to `predictProbs(model, x, options)`; without workers (0, `'auto'` on a
 * busy machine or off wasm, or a model that is not a row-keyed `withSap` model) it is that call.
 * Starting the workers costs about a second, so it pays for many samples or many images.
 */
export async function predictProbsParallel(model: Model | tf.LayersModel, x: tf.Tensor4D, options: PredictProbsParallelOptions = {}): Promise<tf.Tensor2D> {
  const { workers, workerScript, ...rest } = options;
  const pool = await StochasticWorkers.start(model, { workers, workerScript });
  try {
    return await pool.predictProbs(x, rest);
  } finally {
    await pool.close();
  }
}

/**
 * `lossGradient` (an EOT gradient) over worker threads: starts a pool, computes, stops it.
 * Bit-identical to `lossGradient(model, x, y, options)`; on the main thread alone in the cases
 * `predictProbsParallel` lists and when the one-thread call batches draws (`n ≤ rowsPerPass / 2`).
 */
export async function lossGradientParallel(model: Model | tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D, options: LossGradientParallelOptions = {}): Promise<LossGradient> {
  const { workers, workerScript, ...rest } = options;
  const pool = await StochasticWorkers.start(model, { workers, workerScript });
  try {
    return await pool.lossGradient(x, y, rest);
  } finally {
    await pool.close();
  }
}
