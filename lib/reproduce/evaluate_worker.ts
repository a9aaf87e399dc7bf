/**
 * Entry point of a worker thread of `saplab evaluate`: its own TF.js backend (the main thread's
 * choice, with saplab's kernels), its own copy of the model and test images (`loadJobInputs`),
 * computing ranges of batches with `computeEvaluateTask` (the code the main thread runs). Speaks
 * the `TaskPool` protocol (`{ id: 0 }` when ready, then `{ id, task }` → `{ id, result }`).
 */
import { parentPort, workerData } from 'worker_threads';
import { initBackend } from '../backend';
import { computeEvaluateTask, EvaluateTask, EvaluateWorkerData, evaluationModels, loadJobInputs } from './evaluate';

async function start(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('evaluate_worker must run in a worker thread');
  const { job, backend } = workerData as EvaluateWorkerData;
  await initBackend({ backend });
  const inputs = await loadJobInputs(job);
  const models = evaluationModels(inputs, job);
  port.on('message', (msg: { id: number; task: EvaluateTask }) => {
    try {
      const result = computeEvaluateTask(models, inputs.data.x, job, msg.task);
      port.postMessage({ id: msg.id, result });
    } catch (e) {
      port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
  port.postMessage({ id: 0 });
}

start().catch((e) => {
  parentPort?.postMessage({ id: 0, error: e instanceof Error ? e.message : String(e) });
});
