/**
 * Entry point of a `BatchWorkers` thread: its own TF.js wasm backend (with saplab's kernels) and a
 * copy of the model, answering `runBatchOp` requests on slices of a batch.
 */
import { parentPort, workerData } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import { installWasmKernels } from '../backend/wasm_kernels';
import { BatchOp, runBatchOp } from './batch_ops';

/** What the main thread passes when it starts a worker. */
export interface BatchWorkerData {
  /** `model.toJSON(null, false)` of the model. */
  topology: string;
  /** Modules to `require` before the model is built (to register custom layer classes). */
  modules: string[];
}

/** A request: run `op` on `x` (`shape`), with labels `y` and `scale` for gradients. */
export interface BatchRequest {
  id: number;
  op: BatchOp | 'weights';
  x?: Float32Array;
  shape?: number[];
  y?: Int32Array;
  scale?: number;
  /** For `weights`: new values of every weight, in `model.getWeights()` order. */
  weights?: { shape: number[]; data: Float32Array }[];
}

export interface BatchReply {
  id: number;
  data?: Float32Array;
  shape?: number[];
  error?: string;
}

async function start(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('batch_worker must run in a worker thread');
  const init = workerData as BatchWorkerData;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-wasm');
  for (const m of init.modules) require(m);
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmKernels();
  const net = await tf.models.modelFromJSON(JSON.parse(init.topology));
  port.on('message', (req: BatchRequest) => {
    try {
      if (req.op === 'weights') {
        const values = req.weights!.map((w) => tf.tensor(w.data, w.shape));
        net.setWeights(values);
        tf.dispose(values);
        port.postMessage({ id: req.id } satisfies BatchReply);
        return;
      }
      const out = tf.tidy(() => {
        const x = tf.tensor4d(req.x!, req.shape as [number, number, number, number]);
        const y = req.y ? tf.tensor1d(req.y, 'int32') : undefined;
        return runBatchOp(net, req.op as BatchOp, x, y, req.scale);
      });
      const data = out.dataSync() as Float32Array;
      const reply: BatchReply = { id: req.id, data, shape: out.shape };
      out.dispose();
      port.postMessage(reply, [data.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e) } satisfies BatchReply);
    }
  });
  port.postMessage({ id: 0 } satisfies BatchReply);
}

start().catch((e) => {
  parentPort?.postMessage({ id: 0, error: e instanceof Error ? e.message : String(e) });
});
