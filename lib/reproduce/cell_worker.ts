/**
 * Entry point of a worker thread of `saplab reproduce`: its own TF.js backend (the one the main
 * thread uses, with saplab's kernels), its own copy of the model and test images, computing the
 * cells it is sent with `computeCell` (the code the main thread runs) and reporting each batch.
 */
import { parentPort, workerData } from 'worker_threads';
import { initBackend, BackendChoice } from '../backend';
import type { ReproduceConfig } from './spec';
import type { MatchedStrength } from './baseline_grid';
import { CellInputs, CellTask, computeCell, loadCellInputs } from './cell';
import type { Shard } from './shard';

/** What the main thread passes when it starts a cell worker. */
interface CellWorkerData {
  config: ReproduceConfig;
  backend: BackendChoice | 'auto';
  /** Strengths of the `matchTo` baselines, calibrated once by the main thread. */
  matched?: Record<string, MatchedStrength>;
  /** The shard of the images the run computes (default: all). */
  shard?: Shard;
}

async function start(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('cell_worker must run in a worker thread');
  const init = workerData as CellWorkerData;
  await initBackend({ backend: init.backend });
  const inputs: CellInputs = await loadCellInputs(init.config, undefined, init.matched ?? {});
  // Cells run one at a time; messages that arrive meanwhile wait in this queue.
  let chain = Promise.resolve();
  port.on('message', (msg: { id: number; task: CellTask }) => {
    chain = chain.then(async () => {
      try {
        const result = await computeCell(inputs, msg.task, async () => {
          port.postMessage({ id: msg.id, progress: 1 });
          await new Promise<void>((resolve) => setImmediate(resolve));
        }, init.shard);
        port.postMessage({ id: msg.id, result });
      } catch (e) {
        port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
      }
    });
  });
  port.postMessage({ id: 0 });
}

start().catch((e) => {
  parentPort?.postMessage({ id: 0, error: e instanceof Error ? e.message : String(e) });
});
