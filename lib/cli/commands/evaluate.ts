/** `saplab evaluate`: clean accuracy and calibration of a model, dense and with SAP or random pruning. */
import { UsageError } from '../args';
import { Command, announceBackend, backendFlag, command, workersFlag } from '../command';
import { checkSampleFraction } from '../../defenses/sap';
import { accuracy } from '../../metrics/accuracy';
import { calibration } from '../../metrics/calibration';
import { Progress } from '../../util/progress';
import { DEFAULT_SEED } from '../../seed';
import { ConfigError, MODEL_INPUT_DEFAULTS, validateModelInput } from '../../reproduce/config';
import { describeConventions } from '../../reproduce/inputs';
import { EvaluateJob, evaluateProbs, evaluationModels, loadJobInputs, startEvaluateWorkers } from '../../reproduce/evaluate';
import { MODEL_INPUT_FLAGS, modelInputOverrides } from '../model_flags';

/** The `evaluate` command. */
export const evaluateCommand: Command = command(
  'evaluate',
  'Clean accuracy (with a 95% Wilson interval) and calibration of a model (the shipped CNN by default) on a test split, dense and, with --sap, with SAP.',
  {
    n: { type: 'number', help: 'number of test images (default: the whole test split, at most 10000)' },
    sap: { type: 'string', help: 'comma-separated SAP sampleFractions to evaluate too, e.g. 0.1,0.5,1,2' },
    random: { type: 'boolean', help: 'also evaluate uniform random pruning at the same fractions' },
    samples: { type: 'number', help: 'softmax passes averaged per SAP prediction', default: 100 },
    seed: { type: 'number', help: 'seed of the SAP masks (batch b of the images is seeded by the seed and b)', default: DEFAULT_SEED },
    'batch-size': { type: 'number', help: 'images per batch: the unit of randomness and of the split over worker threads', default: 256 },
    workers: { type: 'string', help: 'worker threads sharing the batches with the main thread when SAP is evaluated: a number (0: none) or auto (default: SAPLAB_WORKERS, else one per idle core beyond the one of the main thread, on wasm); same numbers either way' },
    ...MODEL_INPUT_FLAGS,
    backend: backendFlag,
  },
  async (f) => {
    const workers = workersFlag(f.workers);
    const fractions = f.sap === undefined ? [] : String(f.sap).split(',').map((v) => Number(v.trim()));
    try {
      fractions.forEach(checkSampleFraction);
    } catch (e) {
      throw new UsageError(`--sap takes positive numbers, got ${JSON.stringify(f.sap)} (${(e as Error).message})`);
    }
    if (!(Number.isInteger(f.samples) && f.samples >= 1)) throw new UsageError('--samples must be a positive integer');
    if (!Number.isInteger(f.seed)) throw new UsageError('--seed must be an integer');
    if (!(Number.isInteger(f['batch-size']) && f['batch-size'] >= 1)) throw new UsageError('--batch-size must be a positive integer');
    if (f.n !== undefined && !(Number.isInteger(f.n) && f.n >= 1)) throw new UsageError('--n must be a positive integer');
    const mi = { ...MODEL_INPUT_DEFAULTS, ...modelInputOverrides(f) };
    try {
      validateModelInput(mi);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    await announceBackend(f.backend);
    const job: EvaluateJob = { ...mi, n: f.n ?? 10000, nIsUpperBound: f.n === undefined, fractions, random: !!f.random, samples: f.samples, seed: f.seed, batchSize: f['batch-size'] };
    const inputs = await loadJobInputs(job);
    const { data: test } = inputs;
    process.stderr.write(`model ${mi.model}: ${describeConventions(inputs)}${fractions.length ? `; SAP after ${inputs.sites.join(', ')}` : ''}\n`);
    const models = evaluationModels(inputs, job);
    // With SAP, every model's batches are split over worker threads (same numbers); dense alone runs here.
    const n = test.x.shape[0];
    const pool = fractions.length ? await startEvaluateWorkers({ ...job, n }, n, { workers }) : undefined;
    try {
      process.stdout.write(`| model | accuracy [95% Wilson] | ECE | NLL | Brier | passes | seconds |\n|---|---|---|---|---|---|---|\n`);
      for (const [i, { label, model }] of models.entries()) {
        const t0 = Date.now();
        const bar = new Progress(pool ? `${label} (main thread + ${pool.workers.length} worker${pool.workers.length > 1 ? 's' : ''})` : label, 1);
        const probs = await evaluateProbs(models, i, test.x, job, pool, bar.callback());
        bar.finish();
        const acc = accuracy(probs, test.y);
        const cal = calibration(probs, test.y);
        probs.dispose();
        const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
        process.stdout.write(`| ${label} | ${pct(acc.accuracy)} [${pct(acc.low)}, ${pct(acc.high)}] | ${pct(cal.ece)} | ${cal.nll.toFixed(3)} | ${cal.brier.toFixed(3)} | ${model.stochastic ? f.samples : 1} | ${((Date.now() - t0) / 1000).toFixed(1)} |\n`);
      }
    } finally {
      await pool?.close();
    }
    process.stdout.write(`(${n} ${mi.dataset} test images in batches of ${job.batchSize}, model ${mi.model}, seed ${f.seed}${fractions.length ? `, SAP sites: ${inputs.sites.join(', ')}` : ''})\n`);
    inputs.dispose();
    return 0;
  },
);
