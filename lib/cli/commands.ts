/** The subcommands of `saplab`. */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { FlagSpec, parseFlags, usageFor, UsageError } from './args';
import { initBackend } from '../backend';
import { DATASETS, isDatasetName, loadDataset } from '../data/datasets';
import { Architecture, buildArchitecture, DEFAULT_RECIPE, TRAIN_RECIPES } from '../models/recipes';
import { trainClassifier } from '../models/train';
import { loadModel, saveModel } from '../models/io';
import type { Model } from '../models/model';
import { withSap } from '../defenses/with_sap';
import { predictProbs } from '../defenses/predict';
import { StochasticWorkers } from '../parallel/stochastic_workers';
import { accuracy } from '../metrics/accuracy';
import { calibration } from '../metrics/calibration';
import { Progress } from '../util/progress';
import { DEFAULT_SEED } from '../seed';
import { formatBench, runBench } from '../bench/bench';
import { listNotebooks, notebookDirtiness, runNotebooks } from './notebooks';
import { buildConfig, ConfigError, gridCost, gridPairs, Preset, PRESETS, ReproduceConfig } from '../reproduce/config';
import { needsRelu, runReproduce } from '../reproduce/run';
import { describeConventions, EvaluationInputs, loadEvaluationInputs } from '../reproduce/inputs';
import { MODEL_INPUT_DEFAULTS, validateModelInput } from '../reproduce/config';
import { MODEL_INPUT_FLAGS, modelInputOverrides } from './model_flags';
import { parseWorkers } from '../parallel/worker_count';
import { rlCommand } from './rl';
import { trainAdversarial } from '../models/adversarial_training';
import { ADVERSARIAL_TRAIN_FLAGS, checkAdversarialFlags, splitHeldOut } from './adversarial_flags';

function formatDuration(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

/**
 * Seconds the grid should take here: its cost in forward passes, split into the dense model's and
 * the stochastic defenses', times a forward pass of each measured on this model and machine (a
 * gradient counts about three passes, see `gridCost`).
 */
async function estimateSeconds(config: ReproduceConfig, inputs: EvaluationInputs): Promise<number> {
  const k = Math.min(32, config.batchSize, inputs.data.x.shape[0]);
  const x = tf.slice(inputs.data.x, [0, 0, 0, 0], [k, -1, -1, -1]) as tf.Tensor4D;
  const perImage = (model: Model) => {
    const once = () => tf.tidy(() => model(x).dataSync());
    once();
    const t = Date.now();
    for (let i = 0; i < 2; i++) once();
    return (Date.now() - t) / 1000 / 2 / k;
  };
  const dense = perImage(inputs.wrap(inputs.net));
  const stochasticDefenses = config.defenses.filter((d) => d.kind !== 'dense');
  const stochastic = stochasticDefenses.length ? perImage(inputs.wrap(withSap(inputs.net, { sampleFraction: 1, seed: 1 }))) : 0;
  tf.dispose(x);
  const denseCost = gridCost({ ...config, defenses: config.defenses.filter((d) => d.kind === 'dense') });
  const stochasticCost = gridCost({ ...config, defenses: stochasticDefenses });
  return denseCost * dense + stochasticCost * stochastic;
}

export interface Command {
  summary: string;
  usage(): string;
  run(argv: string[]): Promise<number>;
}

function command(name: string, summary: string, spec: FlagSpec, run: (flags: Record<string, any>, positional: string[]) => Promise<number>): Command {
  return {
    summary,
    usage: () => `usage: saplab ${name} [flags]\n\n${summary}\n\nflags:\n${usageFor(spec)}`,
    run: async (argv) => {
      const { flags, positional } = parseFlags(argv, spec);
      if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
      return run(flags, positional);
    },
  };
}

const backendFlag = { type: 'string' as const, help: 'tensorflow-gpu | tensorflow | wasm | cpu | auto', default: 'auto' };

async function announceBackend(choice: string): Promise<void> {
  const info = await initBackend({ backend: choice as never });
  process.stderr.write(`backend: ${info.description}\n`);
}

export const COMMANDS: Record<string, Command> = {
  info: command('info', 'Print the active backend, versions and data locations.', { backend: backendFlag }, async (f) => {
    const info = await initBackend({ backend: f.backend });
    const lines = [`saplab backend: ${info.description}`, `tf.getBackend(): ${info.name}`];
    for (const s of info.skipped) lines.push(`skipped ${s.choice}: ${s.reason}`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  }),

  train: command(
    'train',
    'Train a model with a seeded loop and save it in TF.js layers format.',
    {
      dataset: { type: 'string', help: Object.keys(DATASETS).join(' | '), default: 'fashion-mnist' },
      data: { type: 'string', help: 'folder searched first for the data set (then $SAPLAB_DATA, data/, download)' },
      model: { type: 'string', help: 'architecture: fashion-cnn | resnet20', default: 'fashion-cnn' },
      recipe: { type: 'string', help: `training recipe: ${Object.keys(TRAIN_RECIPES).join(' | ')} (default: adam for fashion-cnn, paper-cifar10 for resnet20)` },
      epochs: { type: 'number', help: "passes over the training set (default: the recipe's)" },
      'batch-size': { type: 'number', help: "examples per step (default: the recipe's)" },
      lr: { type: 'number', help: 'learning rate of the adam recipe (halved every 3 epochs)' },
      'micro-batch': { type: 'number', help: "largest chunk whose gradient is computed at once; larger batches sum the chunks' gradients (default: the recipe's)" },
      seed: { type: 'number', help: 'seed of initialisation and shuffles', default: DEFAULT_SEED },
      limit: { type: 'number', help: 'use only the first N training images' },
      'noise-sigma': { type: 'number', help: 'Gaussian data augmentation: add N(0, S²) noise to every training input (for randomized smoothing, Cohen et al. 2019); default 0' },
      out: { type: 'string', help: 'output folder (default models/<model>)' },
      ...ADVERSARIAL_TRAIN_FLAGS,
      backend: backendFlag,
    },
    async (f) => {
      if (!isDatasetName(f.dataset)) throw new UsageError(`--dataset must be one of ${Object.keys(DATASETS).join(', ')}, got ${JSON.stringify(f.dataset)}`);
      if (f.model !== 'fashion-cnn' && f.model !== 'resnet20') throw new UsageError(`--model must be fashion-cnn or resnet20 (an architecture to train), got ${JSON.stringify(f.model)}`);
      const arch = f.model as Architecture;
      const recipeName = f.recipe ?? DEFAULT_RECIPE[arch];
      const recipe = TRAIN_RECIPES[recipeName];
      if (!recipe) throw new UsageError(`unknown --recipe ${JSON.stringify(recipeName)} (known: ${Object.keys(TRAIN_RECIPES).join(', ')})`);
      for (const k of ['epochs', 'batch-size', 'limit', 'micro-batch'] as const) if (f[k] !== undefined && !(Number.isInteger(f[k]) && f[k] >= 1)) throw new UsageError(`--${k} must be a positive integer`);
      if (f.lr !== undefined && (recipe.options.optimizer !== 'adam' || !(f.lr > 0))) throw new UsageError('--lr takes a positive number and applies to the adam recipe only');
      if (f.dataset === 'idx' && !f.data) throw new UsageError('--dataset idx needs --data DIR');
      const adversarial = checkAdversarialFlags(f);
      const noiseSigma = f['noise-sigma'];
      if (noiseSigma !== undefined && !(Number.isFinite(noiseSigma) && noiseSigma > 0)) throw new UsageError(`--noise-sigma must be a positive number, got ${noiseSigma}`);
      if (noiseSigma !== undefined && adversarial) throw new UsageError('--noise-sigma and --adversarial cannot be combined');
      await announceBackend(f.backend);
      const dir = f.data === undefined ? undefined : String(f.data);
      const train = await loadDataset({ dataset: f.dataset, dir, split: 'train', limit: f.limit });
      const test = await loadDataset({ dataset: f.dataset, dir, split: 'test' });
      const [, h, w, c] = train.x.shape;
      const classes = Math.max(10, tf.tidy(() => train.y.max().dataSync()[0]) + 1);
      let model: tf.LayersModel = buildArchitecture(arch, { seed: f.seed, inputShape: [h, w, c], classes });
      if (adversarial?.resume) {
        model.dispose();
        model = await loadModel(path.resolve(adversarial.resume));
      }
      const epochs = f.epochs ?? recipe.epochs;
      const outDir = path.resolve(f.out ?? path.join('models', arch));
      const common = { ...recipe.options, ...(f.lr !== undefined ? { lr: f.lr } : {}), ...(f['micro-batch'] !== undefined ? { microBatch: f['micro-batch'] } : {}), epochs, batchSize: f['batch-size'] ?? recipe.batchSize, seed: f.seed, validation: test, ...(noiseSigma !== undefined ? { noiseSigma } : {}) };
      const recipeNote = `recipe ${recipeName}${epochs !== recipe.epochs ? ` shortened to ${epochs} epochs` : ''}${noiseSigma !== undefined ? `, Gaussian noise sigma ${noiseSigma} on the inputs` : ''}`;
      let log;
      let kept: number | undefined;
      if (adversarial) {
        const { trainX, trainY, heldOut } = splitHeldOut(train, adversarial.holdout);
        process.stderr.write(`adversarial training (${adversarial.method}) of ${model.name} on ${trainX.shape[0]} ${f.dataset} images (${adversarial.holdout} held out), ${recipeNote}, seed ${f.seed}\n`);
        // Each epoch is saved as it finishes (out/epochs/N), so a long run can be stopped and used.
        const epochLog: unknown[] = [];
        const onEpoch = async (epoch: number, entry: unknown) => {
          epochLog.push(entry);
          await saveModel(model, path.join(outDir, 'epochs', String(epoch)));
          fs.writeFileSync(path.join(outDir, 'epochs', 'train-log.json'), JSON.stringify({ argv: process.argv.slice(2), epochs: epochLog }, null, 2) + '\n');
        };
        const r = await trainAdversarial(model, trainX, trainY, { ...common, ...adversarial.options, heldOut, onEpoch });
        log = r.log;
        kept = r.keptEpoch;
        tf.dispose([trainX, trainY]);
        if (heldOut) tf.dispose([heldOut.x, heldOut.y]);
      } else {
        process.stderr.write(`training ${model.name} (${model.countParams()} parameters) on ${train.x.shape[0]} ${f.dataset} images, ${recipeNote}, seed ${f.seed}\n`);
        // A noise-augmented run saves each epoch as it finishes (out/epochs/N), so it can be stopped and used.
        const onEpoch = noiseSigma === undefined ? undefined : async (epoch: number) => saveModel(model, path.join(outDir, 'epochs', String(epoch)));
        log = await trainClassifier(model, train.x, train.y, { ...common, onEpoch });
      }
      const out = outDir;
      await saveModel(model, out);
      const acc = (kept !== undefined ? log.find((e) => e.epoch === kept)! : log[log.length - 1]).valAccuracy!;
      if (adversarial) fs.writeFileSync(path.join(out, 'train-log.json'), JSON.stringify({ argv: process.argv.slice(2), keptEpoch: kept, epochs: log }, null, 2) + '\n');
      else if (noiseSigma !== undefined) fs.writeFileSync(path.join(out, 'train-log.json'), JSON.stringify({ argv: process.argv.slice(2), noiseSigma, epochs: log }, null, 2) + '\n');
      process.stdout.write(`saved ${out}${kept !== undefined ? ` (epoch ${kept})` : ''}\ntest accuracy ${(acc * 100).toFixed(2)}% on ${test.x.shape[0]} images\n`);
      tf.dispose([train.x, train.y, test.x, test.y]);
      model.dispose();
      return 0;
    },
  ),

  reproduce: command(
    'reproduce',
    "The main job: the paper's experiment and the adaptive evaluation on the shipped CNN and test split, written to results/<run>/.",
    {
      quick: { type: 'boolean', help: 'small protocol for CI (under 2 minutes)' },
      full: { type: 'boolean', help: 'paper scale: 10k images, 100-sample predictions and gradients, EOT 20 (hours to days)' },
      preset: { type: 'string', help: `named protocol: ${Object.keys(PRESETS).join(', ')} (--quick and --full are short for two of them)` },
      out: { type: 'string', help: 'output folder; rerun with the same folder to resume (default results/<preset>-seed<seed>)' },
      n: { type: 'number', help: 'number of test images' },
      seed: { type: 'number', help: 'seed of every random choice' },
      config: { type: 'string', help: 'JSON file overriding protocol keys (see lib/reproduce/config.ts)' },
      'stop-after': { type: 'number', help: 'stop after computing this many cells (resume later)' },
      'no-figures': { type: 'boolean', help: 'skip figure export' },
      workers: { type: 'string', help: 'worker threads computing cells beside the main thread: a number (0: none) or auto (default: SAPLAB_WORKERS, else one per idle core beyond the one of the main thread, on wasm/cpu)' },
      ...MODEL_INPUT_FLAGS,
      backend: backendFlag,
    },
    async (f) => {
      let workers: number | 'auto' | undefined;
      try {
        workers = parseWorkers(f.workers, '--workers');
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      if ([f.quick, f.full, f.preset !== undefined].filter(Boolean).length > 1) throw new UsageError('--quick, --full and --preset exclude each other');
      const preset: Preset = f.quick ? 'quick' : f.full ? 'full' : f.preset ?? 'default';
      if (!PRESETS[preset]) throw new UsageError(`unknown preset "${preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
      let overrides: Partial<ReproduceConfig> = {};
      if (f.config) {
        let text: string;
        try {
          text = fs.readFileSync(String(f.config), 'utf8');
        } catch (e) {
          throw new UsageError(`cannot read --config ${f.config}: ${(e as Error).message}`);
        }
        try {
          overrides = JSON.parse(text);
        } catch (e) {
          throw new UsageError(`--config ${f.config} is not valid JSON: ${(e as Error).message}`);
        }
        if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) throw new UsageError(`--config ${f.config} must hold a JSON object`);
      }
      if (f.n !== undefined) overrides.n = f.n;
      if (f.seed !== undefined) overrides.seed = f.seed;
      Object.assign(overrides, modelInputOverrides(f));
      if (f['stop-after'] !== undefined && !(Number.isInteger(f['stop-after']) && f['stop-after'] >= 1)) throw new UsageError('--stop-after must be a positive integer');
      let config: ReproduceConfig;
      try {
        config = buildConfig(preset, overrides);
      } catch (e) {
        if (e instanceof ConfigError) throw new UsageError(`bad protocol: ${e.message}`);
        throw e;
      }
      await announceBackend(f.backend);
      const outDir = path.resolve(f.out ?? path.join('results', `${preset}-seed${config.seed}`));
      // Model and data are loaded and checked before anything is written (bad input: exit 2, no folder).
      const inputs = await loadEvaluationInputs(config, { needsRelu: needsRelu(config) });
      const estimate = await estimateSeconds(config, inputs);
      process.stderr.write(`reproduce (${preset}): ${gridPairs(config).length} defense × attack pairs, ${config.eps.length} eps values, ${config.n} images of ${config.dataset} -> ${outDir}\n`);
      process.stderr.write(`model ${config.model}: ${describeConventions(inputs)}${needsRelu(config) ? `; SAP after ${inputs.sites.length} ReLU layers (${inputs.sites.join(', ')})` : ''}\n`);
      process.stderr.write(`estimated time on this machine: ${formatDuration(estimate)} (resumable: rerun with the same --out)\n`);
      let result;
      try {
        result = await runReproduce({ config, preset, outDir, stopAfterCells: f['stop-after'], figures: !f['no-figures'], workers, inputs });
      } catch (e) {
        if (e instanceof ConfigError) throw new UsageError(e.message);
        throw e;
      }
      process.stdout.write(`${result.status}: ${result.computed} cells computed, ${result.reused} reused${result.workers ? ` (main thread + ${result.workers} worker threads)` : ''} -> ${outDir}\n`);
      if (result.status === 'complete') {
        process.stdout.write(fs.readFileSync(path.join(outDir, 'summary.md'), 'utf8').split('## Figures')[0]);
        return result.cells.some((c) => c.error) ? 1 : 0;
      }
      return result.status === 'interrupted' ? 130 : 0;
    },
  ),

  notebooks: command(
    'notebooks',
    'Execute the tutorial notebooks headless on the tslab kernel and write HTML copies.',
    {
      quick: { type: 'boolean', help: 'small, fast runs (sets QUICK=1 for the notebooks)' },
      out: { type: 'string', help: 'output folder for executed notebooks and HTML', default: 'results/notebooks' },
      only: { type: 'string', help: 'comma-separated notebook file names to run' },
      'check-clean': { type: 'boolean', help: 'only check that committed notebooks carry no outputs or execution counts' },
    },
    async (f) => {
      const dirty = listNotebooks().flatMap((nb) => notebookDirtiness(nb).map((p) => `${nb}: ${p}`));
      if (dirty.length) {
        process.stderr.write(`notebooks must be committed without outputs:\n${dirty.join('\n')}\n`);
        return 1;
      }
      if (f['check-clean']) {
        process.stdout.write(`${listNotebooks().length} notebooks, none carries outputs\n`);
        return 0;
      }
      const env: Record<string, string> = {};
      if (f.quick) env.QUICK = '1';
      const results = runNotebooks({ outDir: f.out, env, notebooks: f.only ? String(f.only).split(',') : undefined });
      for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.notebook} ${r.seconds.toFixed(1)} s${r.html ? ` ${r.html}` : ''}\n`);
      return results.every((r) => r.ok) ? 0 : 1;
    },
  ),

  evaluate: command(
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
      let workers: number | 'auto' | undefined;
      try {
        workers = parseWorkers(f.workers, '--workers');
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const fractions = f.sap === undefined ? [] : String(f.sap).split(',').map((v) => Number(v.trim()));
      if (fractions.some((v) => !(v > 0) || !Number.isFinite(v))) throw new UsageError(`--sap takes positive numbers, got ${JSON.stringify(f.sap)}`);
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
  ),

  bench: command(
    'bench',
    'Time the forward pass and the input gradient on the active backend (wasm: also with the stock kernels; PyTorch alongside when available).',
    {
      batch: { type: 'number', help: 'examples per workload run', default: 128 },
      repeats: { type: 'number', help: 'timed runs per workload (median reported)', default: 7 },
      warmup: { type: 'number', help: 'untimed runs before timing', default: 2 },
      json: { type: 'string', help: 'write the results as JSON to this file', default: 'results/bench.json' },
      'no-torch': { type: 'boolean', help: 'do not run the PyTorch comparison' },
      'no-stock': { type: 'boolean', help: 'do not time the stock wasm kernels' },
      workers: { type: 'number', help: 'wasm: also time the input gradient of --batch examples and SAP-100 predictProbs (256 images × 20 passes) split over the main thread + N workers (0: skip)', default: 1 },
      'throughput-n': { type: 'number', help: 'images of the default-protocol throughput run, one thread and with worker threads (0: skip)', default: 16 },
      backend: backendFlag,
    },
    async (f) => {
      await announceBackend(f.backend);
      const result = await runBench({
        batch: f.batch,
        repeats: f.repeats,
        warmup: f.warmup,
        torch: !f['no-torch'],
        stock: !f['no-stock'],
        workerSplit: f.workers > 0 ? { workers: f.workers } : undefined,
        sapPredictSplit: f.workers > 0 ? { workers: f.workers } : undefined,
        throughput: f['throughput-n'] > 0 ? { n: f['throughput-n'] } : undefined,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(formatBench(result) + '\n');
      const out = path.resolve(f.json);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
      process.stdout.write(`\nwrote ${out}\n`);
      return 0;
    },
  ),

  rl: rlCommand,
};
