/**
 * Entry point of a worker thread of the benchmark's thread splits (`thread_split.ts`): its own
 * wasm backend (with saplab's kernels), a copy of the model and images it is started with,
 * computing ranges of batches with `computeSplitRange` (the code the main thread runs). Speaks the
 * `TaskPool` protocol (`{ id: 0 }` when ready, then `{ id, task }` → `{ id, result }`).
 */
import { parentPort, workerData } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import type { BatchRange } from '../parallel/batch_ranges';
import { computeSplitRange, SplitContext, SplitWorkerData, splitModel } from './thread_split';

async function start(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('split_worker must run in a worker thread');
  const init = workerData as SplitWorkerData;
  await initBackend({ backend: 'wasm' });
  const net = await tf.models.modelFromJSON(JSON.parse(init.topology));
  const values = init.weights.map((w) => tf.tensor(w.data, w.shape));
  net.setWeights(values);
  tf.dispose(values);
  const ctx: SplitContext = {
    model: splitModel(net, init.workload, init.seed),
    x: tf.tensor4d(init.x.data, init.x.shape as [number, number, number, number]),
    y: tf.tensor1d(init.y, 'int32'),
    data: init,
  };
  port.on('message', (msg: { id: number; task: BatchRange }) => {
    try {
      port.postMessage({ id: msg.id, result: computeSplitRange(ctx, msg.task) });
    } catch (e) {
      port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
  port.postMessage({ id: 0 });
}

start().catch((e) => {
  parentPort?.postMessage({ id: 0, error: e instanceof Error ? e.message : String(e) });
});
