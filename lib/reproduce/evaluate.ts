/**
 * What `saplab evaluate` computes: the averaged softmax of a model on the first `n` test images,
 * dense and with SAP (and random pruning) at given fractions. The batch is the unit of randomness
 * (`predictBatchRange`: batch `b` seeded by the user seed and `b`) and the unit of parallel work:
 * the batches are split over the main thread and worker threads (`splitBatches`), each worker
 * loading the same model and images itself (`evaluate_worker.ts`), so any number of workers gives
 * the numbers of one thread.
 */
import * as tf from '@tensorflow/tfjs';
import { backendInfo, BackendChoice } from '../backend';
import { predictBatchRange } from '../defenses/predict';
import { withSap } from '../defenses/with_sap';
import type { Model } from '../models/model';
import { BatchRange, joinRows, splitBatches } from '../parallel/batch_ranges';
import { compiledWorkerScript } from '../parallel/compiled_worker';
import { TaskPool } from '../parallel/task_pool';
import { workerCount } from '../parallel/worker_count';
import type { ProgressCallback } from '../util/progress';
import { EvaluationInputs, loadEvaluationInputs } from './inputs';
import type { ModelInputConfig } from './spec';

/** Everything that fixes `saplab evaluate`'s numbers. */
export interface EvaluateJob extends ModelInputConfig {
  /** Test images (the first `n`; with `nIsUpperBound`, all of a smaller split). */
  n: number;
  nIsUpperBound: boolean;
  /** SAP sampleFractions evaluated besides the dense model. */
  fractions: number[];
  /** Also uniform random pruning at each fraction. */
  random: boolean;
  /** Softmax passes averaged per prediction of a stochastic model. */
  samples: number;
  /** Seed of the masks: batch `b` of every model is seeded by `deriveSeed(seed, 'batch', b)`. */
  seed: number;
  /** Images per batch (the unit of randomness and of parallel work). */
  batchSize: number;
}

/** A model of the evaluation, as evaluated (input conventions applied). */
export interface EvaluatedModel {
  label: string;
  model: Model;
}

/** The job's models in table order: dense, then per fraction SAP (and random pruning). */
export function evaluationModels(inputs: EvaluationInputs, job: Pick<EvaluateJob, 'fractions' | 'random' | 'seed'>): EvaluatedModel[] {
  const out: EvaluatedModel[] = [{ label: 'dense', model: inputs.wrap(inputs.net) }];
  for (const fr of job.fractions) {
    out.push({ label: `SAP r/N=${fr}`, model: inputs.wrap(withSap(inputs.net, { sampleFraction: fr, seed: job.seed })) });
    if (job.random) out.push({ label: `random r/N=${fr}`, model: inputs.wrap(withSap(inputs.net, { sampleFraction: fr, seed: job.seed, kind: 'random' })) });
  }
  return out;
}

/** The job's model and data, loaded and checked (`loadEvaluationInputs`). */
export function loadJobInputs(job: EvaluateJob): Promise<EvaluationInputs> {
  return loadEvaluationInputs(job, { needsRelu: job.fractions.length > 0, nIsUpperBound: job.nIsUpperBound });
}

/** What the main thread passes when it starts an evaluate worker. */
export interface EvaluateWorkerData {
  job: EvaluateJob;
  /** The main thread's backend choice. */
  backend: BackendChoice | 'auto';
}

/** A worker task: batches `[first, end)` of model `model` (index in `evaluationModels`). */
export interface EvaluateTask extends BatchRange {
  model: number;
}

/** Probabilities of a range of batches of one model, as a worker returns them. */
export function computeEvaluateTask(models: EvaluatedModel[], x: tf.Tensor4D, job: EvaluateJob, task: EvaluateTask): Float32Array {
  const m = models[task.model];
  if (!m) throw new Error(`no model ${task.model} in this evaluation (${models.length} models)`);
  const p = predictBatchRange(m.model, x, { samples: job.samples, seed: job.seed, batchSize: job.batchSize, first: task.first, end: task.end });
  const values = p.dataSync() as Float32Array;
  p.dispose();
  return values;
}

/** Worker threads of an evaluation, each with its own copy of the model and images. */
export type EvaluatePool = TaskPool<EvaluateTask, Float32Array>;

/** Options of `startEvaluateWorkers`. */
export interface EvaluateWorkersOptions {
  /** Worker threads besides the main thread: a number or `'auto'` (see `workerCount`). Default: `SAPLAB_WORKERS`, else `'auto'`. */
  workers?: number | 'auto';
  /** The compiled worker entry; default `evaluate_worker.js` next to this module (in `dist/reproduce/`). */
  workerScript?: string;
}

/**
 * Starts the workers of `job` (none when `workers` resolves to 0, or when there is at most one batch:
 * then returns undefined). Each worker loads the model and images on the active backend.
 */
export async function startEvaluateWorkers(job: EvaluateJob, images: number, options: EvaluateWorkersOptions = {}): Promise<EvaluatePool | undefined> {
  const batches = Math.ceil(images / job.batchSize);
  const count = Math.min(workerCount({ workers: options.workers, backend: backendInfo()?.choice ?? tf.getBackend() }), batches - 1);
  if (count <= 0) return undefined;
  const script = options.workerScript ?? compiledWorkerScript(__dirname, 'reproduce', 'evaluate_worker.js', 'pass workerScript, or use workers: 0');
  const data: EvaluateWorkerData = { job, backend: backendInfo()?.choice ?? 'auto' };
  return TaskPool.start<EvaluateTask, Float32Array>(script, count, data);
}

/**
 * The averaged softmax `[n, classes]` of model `index` of `models` on `x`, its batches split over
 * the main thread and `pool`'s workers (all on the main thread without a pool): the same numbers
 * for any number of workers. The caller owns the result.
 */
export async function evaluateProbs(models: EvaluatedModel[], index: number, x: tf.Tensor4D, job: EvaluateJob, pool?: EvaluatePool, onProgress?: ProgressCallback): Promise<tf.Tensor2D> {
  const n = x.shape[0];
  const parts = await splitBatches<EvaluateTask, Float32Array>({
    batches: Math.ceil(n / job.batchSize),
    pool,
    main: (r) => computeEvaluateTask(models, x, job, { model: index, ...r }),
    task: (r) => ({ model: index, ...r }),
    onProgress,
  });
  const values = joinRows(parts.map((p) => p.result));
  return tf.tensor2d(values, [n, values.length / n]);
}
