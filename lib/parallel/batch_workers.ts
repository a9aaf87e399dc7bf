/**
 * Spreads a batch over worker threads, each with its own TF.js wasm backend and a copy of the
 * model (tfjs 4.22 turns wasm multithreading off in Node, so this is the only way to use a second
 * core there). The batch is cut into `workers + 1` contiguous slices; the main thread computes the
 * first while the workers compute the others, and the results are put back in order. All threads
 * run the same `runBatchOp` on the same kernels, so the result equals the single-thread one.
 *
 * Use it for the wasm backend with a deterministic model of standard layers (custom layer classes
 * need `modules` that register them). The workers hold a copy of the weights taken at `start`:
 * call `syncWeights()` after changing the model.
 *
 * Measured on a 2-core AMD EPYC VM (Node 20, tfjs 4.22 wasm with saplab's kernels), input gradient
 * of the Fashion CNN on 256 examples (`saplab bench --batch 256` reports it as `workerSplit`): one thread
 * ~190-200 ms; main thread + 1 worker ~120-150 ms (1.3-1.6x) when the second core is idle, and
 * no gain (0.93-0.98x) while other processes keep both cores busy. It pays only on an otherwise
 * idle machine, so nothing in saplab uses it by default.
 */
import * as os from 'os';
import { compiledWorkerScript } from './compiled_worker';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import { BatchOp, runBatchOp } from './batch_ops';
import type { BatchReply, BatchRequest, BatchWorkerData } from './batch_worker';

/** Options of `BatchWorkers`. */
export interface BatchWorkersOptions {
  /** Worker threads besides the main thread. Default `os.cpus().length - 1`. */
  workers?: number;
  /** The compiled worker entry; default `batch_worker.js` next to this module (in `dist/parallel/`). */
  workerScript?: string;
  /** Modules each worker `require`s before building the model (to register custom layers). */
  modules?: string[];
}

function defaultWorkerScript(): string {
  return compiledWorkerScript(__dirname, 'parallel', 'batch_worker.js');
}

interface Pending {
  resolve: (r: BatchReply) => void;
  reject: (e: Error) => void;
}

class Channel {
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  constructor(readonly worker: Worker) {
    worker.on('message', (r: BatchReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.error) p.reject(new Error(`batch worker: ${r.error}`));
      else p.resolve(r);
    });
    worker.on('error', (e) => this.failAll(e));
    worker.on('exit', (code) => this.failAll(new Error(`batch worker exited with code ${code}`)));
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  request(req: Omit<BatchRequest, 'id'>, transfer: ArrayBuffer[] = []): Promise<BatchReply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }
}

function waitReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: BatchReply) => {
      if (r.id !== 0) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      if (r.error) reject(new Error(`batch worker failed to start: ${r.error}`));
      else resolve();
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

/** Sizes of `parts` contiguous slices of `n` rows, as equal as possible (largest first). */
export function sliceSizes(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < n % parts ? 1 : 0)).filter((s) => s > 0);
}

/** A model replicated into worker threads; see the module comment. */
export class BatchWorkers {
  private closed = false;
  private constructor(
    private readonly net: tf.LayersModel,
    private readonly channels: Channel[],
  ) {}

  /** Starts the workers and copies the model into each. `workers: 0` runs everything on the main thread. */
  static async start(net: tf.LayersModel, options: BatchWorkersOptions = {}): Promise<BatchWorkers> {
    const count = options.workers ?? Math.max(os.cpus().length - 1, 0);
    if (!Number.isInteger(count) || count < 0) throw new Error(`workers must be a non-negative integer, got ${count}`);
    const channels: Channel[] = [];
    if (count > 0) {
      const script = options.workerScript ?? defaultWorkerScript();
      const data: BatchWorkerData = { topology: JSON.stringify(net.toJSON(null, false)), modules: options.modules ?? [] };
      const workers = Array.from({ length: count }, () => new Worker(script, { workerData: data }));
      try {
        await Promise.all(workers.map(waitReady));
      } catch (e) {
        await Promise.all(workers.map((w) => w.terminate()));
        throw e;
      }
      channels.push(...workers.map((w) => new Channel(w)));
    }
    const pool = new BatchWorkers(net, channels);
    await pool.syncWeights();
    return pool;
  }

  /** Number of worker threads (the main thread computes one more slice). */
  get workers(): number {
    return this.channels.length;
  }

  /** Copies the current weights of the model into every worker. */
  async syncWeights(): Promise<void> {
    if (!this.channels.length) return;
    const weights = this.net.getWeights().map((w) => ({ shape: w.shape, data: Float32Array.from(w.dataSync() as Float32Array) }));
    await Promise.all(this.channels.map((c) => c.request({ op: 'weights', weights })));
  }

  /** Logits `[n, classes]` of `x`. */
  async logits(x: tf.Tensor4D): Promise<tf.Tensor2D> {
    return (await this.run('logits', x)) as tf.Tensor2D;
  }

  /** Gradient of the mean softmax cross-entropy over the whole batch with respect to `x`. */
  async inputGradient(x: tf.Tensor4D, y: tf.Tensor1D): Promise<tf.Tensor4D> {
    return (await this.run('ce-gradient', x, y, 1 / x.shape[0])) as tf.Tensor4D;
  }

  private async run(op: BatchOp, x: tf.Tensor4D, y?: tf.Tensor1D, scale = 1): Promise<tf.Tensor> {
    if (this.closed) throw new Error('BatchWorkers: already closed');
    const n = x.shape[0];
    if (y && y.shape[0] !== n) throw new Error(`BatchWorkers: x has ${n} rows but y has ${y.shape[0]}`);
    const sizes = sliceSizes(n, this.channels.length + 1);
    if (sizes.length === 1) return runBatchOp(this.net, op, x, y, scale);
    const [, h, w, c] = x.shape;
    const per = h * w * c;
    const xv = x.dataSync() as Float32Array;
    const yv = y ? (tf.tidy(() => tf.cast(y, 'int32').dataSync()) as Int32Array) : undefined;
    // Workers take the slices after the first; the main thread computes the first meanwhile.
    const replies: Promise<BatchReply>[] = [];
    let start = sizes[0];
    for (let i = 1; i < sizes.length; i++) {
      const xs = xv.slice(start * per, (start + sizes[i]) * per);
      const ys = yv?.slice(start, start + sizes[i]);
      replies.push(this.channels[i - 1].request({ op, x: xs, shape: [sizes[i], h, w, c], y: ys, scale }, [xs.buffer]));
      start += sizes[i];
    }
    const first = tf.tidy(() => {
      const x0 = tf.slice(x, [0, 0, 0, 0], [sizes[0], -1, -1, -1]);
      const y0 = y ? tf.slice(y, [0], [sizes[0]]) : undefined;
      return runBatchOp(this.net, op, x0, y0, scale);
    });
    let done: BatchReply[];
    try {
      done = await Promise.all(replies);
    } catch (e) {
      first.dispose();
      throw e;
    }
    const rowSize = first.size / sizes[0];
    const out = new Float32Array(n * rowSize);
    out.set(first.dataSync() as Float32Array, 0);
    let at = first.size;
    for (const r of done) {
      out.set(r.data!, at);
      at += r.data!.length;
    }
    const shape = [n, ...first.shape.slice(1)];
    first.dispose();
    return tf.tensor(out, shape);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.channels.map((c) => c.worker.terminate()));
  }
}
