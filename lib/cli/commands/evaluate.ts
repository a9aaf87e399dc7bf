/** `saplab evaluate`: clean accuracy and calibration of a model, dense and with SAP or random pruning. */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../args';
import { Command, announceBackend, backendFlag, command, workersFlag } from '../command';
import type { Model } from '../../models/model';
import { withSap } from '../../defenses/with_sap';
import { checkSampleFraction } from '../../defenses/sap';
import { predictProbs } from '../../defenses/predict';
import { StochasticWorkers } from '../../parallel/stochastic_workers';
import { accuracy } from '../../metrics/accuracy';
import { calibration } from '../../metrics/calibration';
import { Progress } from '../../util/progress';
import { DEFAULT_SEED } from '../../seed';
import { ConfigError, MODEL_INPUT_DEFAULTS, validateModelInput } from '../../reproduce/config';
import { describeConventions, loadEvaluationInputs } from '../../reproduce/inputs';
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
    seed: { type: 'number', help: 'seed of the SAP masks', default: DEFAULT_SEED },
    workers: { type: 'string', help: 'worker threads sharing the SAP passes with the main thread: a number (0: none) or auto (default: SAPLAB_WORKERS, else one per idle core beyond the one of the main thread, on wasm); same numbers either way' },
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
    if (f.n !== undefined && !(Number.isInteger(f.n) && f.n >= 1)) throw new UsageError('--n must be a positive integer');
    const mi = { ...MODEL_INPUT_DEFAULTS, ...modelInputOverrides(f) };
    try {
      validateModelInput(mi);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    await announceBackend(f.backend);
    const inputs = await loadEvaluationInputs({ ...mi, n: f.n ?? 10000 }, { needsRelu: fractions.length > 0, nIsUpperBound: f.n === undefined });
    const { net, data: test } = inputs;
    process.stderr.write(`model ${mi.model}: ${describeConventions(inputs)}${fractions.length ? `; SAP after ${inputs.sites.join(', ')}` : ''}\n`);
    // SAP and random-pruning models are split over worker threads by rows (same numbers; dense runs here).
    const models: { label: string; model: Model | tf.LayersModel }[] = [{ label: 'dense', model: net }];
    for (const fr of fractions) {
      models.push({ label: `SAP r/N=${fr}`, model: withSap(net, { sampleFraction: fr, seed: f.seed }) });
      if (f.random) models.push({ label: `random r/N=${fr}`, model: withSap(net, { sampleFraction: fr, seed: f.seed, kind: 'random' }) });
    }
    process.stdout.write(`| model | accuracy [95% Wilson] | ECE | NLL | Brier | passes | seconds |\n|---|---|---|---|---|---|---|\n`);
    for (const { label, model: raw } of models) {
      const model = inputs.wrap(raw);
      const t0 = Date.now();
      const pool = model.stochastic ? await StochasticWorkers.start(raw, { workers, conventions: inputs.conventions, logOfOutput: inputs.logits.method === 'log' }) : undefined;
      const bar = new Progress(pool?.workers ? `${label} (main thread + ${pool.workers} worker${pool.workers > 1 ? 's' : ''})` : label, 1);
      let probs: tf.Tensor2D;
      try {
        probs = pool ? await pool.predictProbs(test.x, { samples: f.samples, seed: f.seed, onProgress: bar.callback() }) : predictProbs(model, test.x, { samples: f.samples, seed: f.seed, onProgress: bar.callback() });
      } finally {
        await pool?.close();
      }
      bar.finish();
      const acc = accuracy(probs, test.y);
      const cal = calibration(probs, test.y);
      probs.dispose();
      const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
      process.stdout.write(`| ${label} | ${pct(acc.accuracy)} [${pct(acc.low)}, ${pct(acc.high)}] | ${pct(cal.ece)} | ${cal.nll.toFixed(3)} | ${cal.brier.toFixed(3)} | ${model.stochastic ? f.samples : 1} | ${((Date.now() - t0) / 1000).toFixed(1)} |\n`);
    }
    process.stdout.write(`(${test.x.shape[0]} ${mi.dataset} test images, model ${mi.model}, seed ${f.seed}${fractions.length ? `, SAP sites: ${inputs.sites.join(', ')}` : ''})\n`);
    inputs.dispose();
    return 0;
  },
);
