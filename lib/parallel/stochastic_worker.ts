/**
 * Entry point of a `StochasticWorkers` thread: its own wasm backend (set up by `initBackend`, with
 * saplab's kernels), a copy of a `withSap` model built from its topology and weights, answering
 * `probs` and `eot-gradient` tasks on slices of a batch with the code of `stochastic_ops.ts`.
 * Speaks the `TaskPool` protocol (`{ id: 0 }` when ready, then `{ id, task }` → `{ id, result }`).
 */
import { parentPort, workerData } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { SapLayer } from '../defenses/sap_layer'; // also registers the class for modelFromJSON
import { withInputConventions, InputConventions } from '../models/input_conventions';
import type { Model } from '../models/model';
import { ProbsSegment, SlicedModel, slicedLossGradient, slicedProbs, SliceGradientOptions, StreamStates } from './stochastic_ops';

/** What the main thread passes when it starts a worker. */
export interface StochasticWorkerData {
  /** `net.toJSON(null, false)` of the `withSap` network. */
  topology: string;
  /** Its weights, in `getWeights()` order. */
  weights: { shape: number[]; data: Float32Array }[];
  /** Input conventions applied inside the evaluated function (as `withInputConventions`). */
  conventions?: InputConventions;
  logOfOutput?: boolean;
}

/** A task: a slice of the batch (`x`, `shape`) and what to compute on it. */
export type StochasticTask =
  | { op: 'probs'; x: Float32Array; shape: number[]; samples: number; segments: ProbsSegment[]; states: StreamStates }
  | { op: 'eot-gradient'; x: Float32Array; shape: number[]; y: Int32Array; options: SliceGradientOptions; rowOffset: number; states: StreamStates };

/** A task's result: the slice's rows of each output. */
export interface StochasticResult {
  probs?: Float32Array;
  gradient?: { grad: Float32Array; loss: Float32Array; probs: Float32Array; finiteDraws: Float32Array; nonFiniteLogits: Float32Array; allFinite: boolean };
}

/** Runs one task on the thread's model. */
export function runStochasticTask(m: SlicedModel, task: StochasticTask): StochasticResult {
  const x = tf.tensor4d(task.x, task.shape as [number, number, number, number]);
  try {
    if (task.op === 'probs') {
      const p = slicedProbs(m, x, task.samples, task.segments, task.states);
      const probs = p.dataSync() as Float32Array;
      p.dispose();
      return { probs };
    }
    if (task.op !== 'eot-gradient') throw new Error(`unknown task ${JSON.stringify((task as { op: unknown }).op)}`);
    const y = tf.tensor1d(task.y, 'int32');
    try {
      const g = slicedLossGradient(m, x, y, task.options, task.rowOffset, task.states);
      const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
      const gradient = { grad: read(g.grad), loss: read(g.loss), probs: read(g.probs), finiteDraws: read(g.finiteDraws), nonFiniteLogits: read(g.nonFiniteLogits), allFinite: g.allFinite };
      g.dispose();
      return { gradient };
    } finally {
      y.dispose();
    }
  } finally {
    x.dispose();
  }
}

async function start(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('stochastic_worker must run in a worker thread');
  const init = workerData as StochasticWorkerData;
  await initBackend({ backend: 'wasm' });
  const net = await tf.models.modelFromJSON(JSON.parse(init.topology));
  const values = init.weights.map((w) => tf.tensor(w.data, w.shape));
  net.setWeights(values);
  tf.dispose(values);
  const fn = ((x: tf.Tensor4D) => net.apply(x, { training: false }) as tf.Tensor2D) as Model;
  fn.stochastic = true;
  fn.independentRows = true;
  const m: SlicedModel = {
    model: withInputConventions(fn, init.conventions ?? {}, { logOfOutput: init.logOfOutput }),
    layers: net.layers.filter((l): l is SapLayer => l instanceof SapLayer),
  };
  port.on('message', (msg: { id: number; task: StochasticTask }) => {
    try {
      const result = runStochasticTask(m, msg.task);
      const buffers = [result.probs, ...Object.values(result.gradient ?? {})].filter((v): v is Float32Array => v instanceof Float32Array).map((v) => v.buffer as ArrayBuffer);
      port.postMessage({ id: msg.id, result }, buffers);
    } catch (e) {
      port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
  port.postMessage({ id: 0 });
}

if (parentPort && workerData && typeof (workerData as StochasticWorkerData).topology === 'string') {
  start().catch((e) => {
    parentPort?.postMessage({ id: 0, error: e instanceof Error ? e.message : String(e) });
  });
}
