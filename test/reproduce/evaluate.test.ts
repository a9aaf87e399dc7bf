import { describe, expect, it, beforeAll } from 'vitest';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { MODEL_INPUT_DEFAULTS } from '../../lib/reproduce/spec';
import { computeEvaluateTask, EvaluateJob, evaluateProbs, evaluationModels, loadJobInputs, startEvaluateWorkers } from '../../lib/reproduce/evaluate';
import { predictBatchRange } from '../../lib/defenses/predict';
import { useWasm } from '../backend/backend_compare';
import { compileEvaluateWorker } from '../parallel/worker_script';

const JOB: EvaluateJob = { ...MODEL_INPUT_DEFAULTS, n: 10, nIsUpperBound: false, fractions: [0.5], random: true, samples: 2, seed: 5, batchSize: 3 };

describe('saplab evaluate, the library side', () => {
  beforeAll(useWasm);

  it('builds dense, SAP and random-pruning models and predicts ranges of batches with predictBatchRange', async () => {
    const inputs = await loadJobInputs(JOB);
    try {
      const models = evaluationModels(inputs, JOB);
      expect(models.map((m) => m.label)).toEqual(['dense', 'SAP r/N=0.5', 'random r/N=0.5']);
      expect(models.map((m) => !!m.model.stochastic)).toEqual([false, true, true]);
      const before = tf.memory().numTensors;
      const part = computeEvaluateTask(models, inputs.data.x, JOB, { model: 1, first: 1, end: 3 });
      const p = predictBatchRange(models[1].model, inputs.data.x, { samples: 2, seed: 5, batchSize: 3, first: 1, end: 3 });
      expect(Array.from(part)).toEqual(Array.from(p.dataSync()));
      p.dispose();
      expect(() => computeEvaluateTask(models, inputs.data.x, JOB, { model: 3, first: 0, end: 1 })).toThrow(/no model 3 in this evaluation \(3 models\)/);
      const whole = await evaluateProbs(models, 1, inputs.data.x, JOB);
      expect(whole.shape).toEqual([10, 10]);
      whole.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      inputs.dispose();
    }
  });

  it('gives the numbers of one thread with 1 and 2 workers', async () => {
    const script = compileEvaluateWorker();
    const inputs = await loadJobInputs(JOB);
    try {
      const models = evaluationModels(inputs, JOB);
      const probs = async (pool?: Awaited<ReturnType<typeof startEvaluateWorkers>>) => {
        const out: number[][] = [];
        for (let i = 0; i < models.length; i++) {
          const p = await evaluateProbs(models, i, inputs.data.x, JOB, pool);
          out.push(Array.from(p.dataSync()));
          p.dispose();
        }
        return out;
      };
      const one = await probs();
      expect(await startEvaluateWorkers(JOB, 10, { workers: 0, workerScript: script })).toBeUndefined();
      // At most one worker per batch beyond the main thread's: 1 image in batches of 3 gets none.
      expect(await startEvaluateWorkers(JOB, 1, { workers: 2, workerScript: script })).toBeUndefined();
      for (const workers of [1, 2]) {
        const pool = await startEvaluateWorkers(JOB, 10, { workers, workerScript: script });
        try {
          expect(pool!.workers.length).toBe(workers);
          expect(await probs(pool)).toEqual(one);
        } finally {
          await pool!.close();
        }
      }
    } finally {
      inputs.dispose();
      fs.rmSync(script, { force: true });
    }
  });
});
