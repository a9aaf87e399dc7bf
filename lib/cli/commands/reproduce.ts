/** `saplab reproduce`: the experiment grid of a preset (or a config), resumable, written to a run folder. */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../args';
import { Command, announceBackend, backendFlag, command, workersFlag } from '../command';
import type { Model } from '../../models/model';
import { withSap } from '../../defenses/with_sap';
import { buildConfig, ConfigError, gridCost, gridPairs, Preset, PRESETS, ReproduceConfig, smoothingSampleCost } from '../../reproduce/config';
import { needsRelu, runReproduce } from '../../reproduce/run';
import { describeConventions, EvaluationInputs, loadEvaluationInputs } from '../../reproduce/inputs';
import { MODEL_INPUT_FLAGS, modelInputOverrides } from '../model_flags';
import { parseShard, shardRange, type Shard } from '../../reproduce/shard';

function formatDuration(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

/**
 * Seconds the grid should take here: its cost in forward passes, split into the dense model's and
 * the stochastic defenses', times a forward pass of each measured on this model and machine (a
 * gradient counts about three passes, see `gridCost`). A smoothed defense's pass is the dense
 * model's on a noisy copy; its CERTIFY and PREDICT passes (`smoothingSampleCost`) run in batches of
 * 1000 noisy copies and are timed at that size.
 */
async function estimateSeconds(config: ReproduceConfig, inputs: EvaluationInputs): Promise<number> {
  const k = Math.min(32, config.batchSize, inputs.data.x.shape[0]);
  const x = tf.slice(inputs.data.x, [0, 0, 0, 0], [k, -1, -1, -1]) as tf.Tensor4D;
  const perImage = (model: Model, rows = k) => {
    const xs = rows === k ? x : (tf.tile(x, [Math.ceil(rows / k), 1, 1, 1]) as tf.Tensor4D);
    const once = () => tf.tidy(() => model(xs).dataSync());
    once();
    const t = Date.now();
    for (let i = 0; i < 2; i++) once();
    if (xs !== x) xs.dispose();
    return (Date.now() - t) / 1000 / 2 / xs.shape[0];
  };
  const dense = perImage(inputs.wrap(inputs.net));
  const denseLike = (d: ReproduceConfig['defenses'][number]) => d.kind === 'dense' || d.kind === 'smoothed';
  const stochasticDefenses = config.defenses.filter((d) => !denseLike(d));
  const stochastic = stochasticDefenses.length ? perImage(inputs.wrap(withSap(inputs.net, { sampleFraction: 1, seed: 1 }))) : 0;
  const sampled = smoothingSampleCost(config);
  const bulk = sampled > 0 ? perImage(inputs.wrap(inputs.net), 512) : 0;
  tf.dispose(x);
  const denseCost = gridCost({ ...config, defenses: config.defenses.filter(denseLike) });
  const stochasticCost = gridCost({ ...config, defenses: stochasticDefenses });
  return (denseCost - sampled) * dense + sampled * bulk + stochasticCost * stochastic;
}

/** The `reproduce` command. */
export const reproduceCommand: Command = command(
  'reproduce',
  "The main job: the paper's experiment and the adaptive evaluation on the shipped CNN and test split, written to results/<run>/.",
  {
    quick: { type: 'boolean', help: 'small protocol for CI (under 2 minutes)' },
    full: { type: 'boolean', help: 'paper scale: 10k images, 100-sample predictions and gradients, EOT 20 (hours to days); with --preset smoothing: certification with the paper\'s n = 100,000 noise samples' },
    preset: { type: 'string', help: `named protocol: ${Object.keys(PRESETS).join(', ')} (--quick and --full are short for two of them)` },
    out: { type: 'string', help: 'output folder; rerun with the same folder to resume (default results/<preset>-seed<seed>)' },
    n: { type: 'number', help: 'number of test images' },
    seed: { type: 'number', help: 'seed of every random choice' },
    config: { type: 'string', help: 'JSON file overriding protocol keys (see lib/reproduce/config.ts)' },
    'stop-after': { type: 'number', help: 'stop after computing this many cells (resume later)' },
    'no-figures': { type: 'boolean', help: 'skip figure export' },
    shard: { type: 'string', help: 'i/k (0 <= i < k): compute only shard i of k of the images (split at batch boundaries), into its own --out; combine the k folders with saplab merge' },
    workers: { type: 'string', help: 'worker threads computing cells beside the main thread: a number (0: none) or auto (default: SAPLAB_WORKERS, else one per idle core beyond the one of the main thread, on wasm/cpu)' },
    ...MODEL_INPUT_FLAGS,
    backend: backendFlag,
  },
  async (f) => {
    const workers = workersFlag(f.workers);
    if ([f.quick, f.full, f.preset !== undefined].filter(Boolean).length > 1 && !(f.full && f.preset !== undefined && !f.quick)) throw new UsageError('--quick, --full and --preset exclude each other (but --full with a --preset that has a full variant)');
    // --full alone is the main job at paper scale; with --preset, that preset's paper-scale variant.
    const presetFull = !!f.full && f.preset !== undefined;
    const preset: Preset = f.quick ? 'quick' : f.preset ?? (f.full ? 'full' : 'default');
    if (!PRESETS[preset]) throw new UsageError(`unknown preset "${preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
    if (presetFull && !PRESETS[preset].full) throw new UsageError(`--full with --preset ${preset}: that preset has no full variant (presets with one: ${Object.keys(PRESETS).filter((k) => PRESETS[k].full).join(', ')})`);
    const runName = presetFull ? `${preset}-full` : preset;
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
      config = buildConfig(preset, overrides, presetFull);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(`bad protocol: ${e.message}`);
      throw e;
    }
    let shard: Shard | undefined;
    try {
      shard = f.shard === undefined ? undefined : parseShard(String(f.shard));
      if (shard) shardRange(config, shard);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    await announceBackend(f.backend);
    const outDir = path.resolve(f.out ?? path.join('results', `${runName}-seed${config.seed}${shard ? `-shard${shard.index}of${shard.count}` : ''}`));
    // Model and data are loaded and checked before anything is written (bad input: exit 2, no folder).
    const inputs = await loadEvaluationInputs(config, { needsRelu: needsRelu(config) });
    const estimate = (await estimateSeconds(config, inputs)) * (shard ? (shardRange(config, shard).end - shardRange(config, shard).first) / Math.ceil(config.n / config.batchSize) : 1);
    process.stderr.write(`reproduce (${runName}): ${gridPairs(config).length} defense × attack pairs, ${config.eps.length} eps values, ${config.n} images of ${config.dataset}${shard ? ` (shard ${shard.index}/${shard.count}: images ${shardRange(config, shard).start}–${shardRange(config, shard).stop - 1})` : ''} -> ${outDir}\n`);
    process.stderr.write(`model ${config.model}: ${describeConventions(inputs)}${needsRelu(config) ? `; SAP after ${inputs.sites.length} ReLU layers (${inputs.sites.join(', ')})` : ''}\n`);
    // The suite's cells are costed as if every attack ran on every image for its whole budget.
    const bound = config.attacks.some((a) => a.method === 'autoattack') ? ', at most: the AutoAttack suite attacks only the images still robust and stops on each once broken' : '';
    // A cost model's bound can be far from a run: the preset's measured time is printed beside it.
    const m = presetFull ? undefined : PRESETS[preset].measured;
    const measured = m ? `; measured: ${formatDuration(m.seconds)} for its ${m.n} images on two idle cores` : '';
    process.stderr.write(`estimated time on this machine: ${formatDuration(estimate)}${bound}${measured} (resumable: rerun with the same --out)\n`);
    let result;
    try {
      result = await runReproduce({ config, preset: runName, outDir, stopAfterCells: f['stop-after'], figures: !f['no-figures'], workers, inputs, shard });
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    process.stdout.write(`${result.status}: ${result.computed} cells computed, ${result.reused} reused${result.workers ? ` (main thread + ${result.workers} worker threads)` : ''} -> ${outDir}\n`);
    if (result.status === 'complete' && shard) {
      process.stdout.write(`shard ${shard.index}/${shard.count} done; once every shard is, combine them: saplab merge --out <run folder> <the ${shard.count} shard folders>\n`);
      return result.cells.some((c) => c.error) ? 1 : 0;
    }
    if (result.status === 'complete') {
      process.stdout.write(fs.readFileSync(path.join(outDir, 'summary.md'), 'utf8').split('## Figures')[0]);
      return result.cells.some((c) => c.error) ? 1 : 0;
    }
    return result.status === 'interrupted' ? 130 : 0;
  },
);
