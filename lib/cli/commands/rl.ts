/**
 * `saplab rl <subcommand>`: the reinforcement-learning experiment on Catch.
 * - `rl train`: trains the DQN agent and saves it with its learning curve and evaluation;
 * - `rl evaluate`: the agent × attack × eps grid of returns (see `lib/rl/evaluate_grid.ts`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { FlagSpec, parseFlags, usageFor, UsageError } from '../args';
import { backendFlag, checkBackendFlag, type Command } from '../command';
import { initBackend } from '../../backend';
import { saveModel } from '../../models/io';
import { writeFileAtomic } from '../../data/download';
import { asModel } from '../../models/model';
import { DEFAULT_DQN, DqnConfig, trainDqn } from '../../rl/dqn';
import { episodeSeeds } from '../../rl/catch';
import { meanReturnInterval, playCatch } from '../../rl/play';
import { ConfigError } from '../../reproduce/config';
import { checkEpsList } from '../../attacks/validate';
import { buildRlConfig, RlEvaluateConfig, rlGridPairs } from '../../rl/evaluate_config';
import { runRlEvaluate } from '../../rl/evaluate_grid';

interface Sub {
  summary: string;
  spec: FlagSpec;
  run(flags: Record<string, any>): Promise<number>;
}

/** Evaluation episodes of `rl train` and their seed label (disjoint from training episodes). */
const TRAIN_EVAL_EPISODES = 1000;

const SUBCOMMANDS: Record<string, Sub> = {
  train: {
    summary: 'Train the DQN agent on Catch (seeded), evaluate it greedily on 1000 episodes, save it with its learning curve.',
    spec: {
      game: { type: 'string', help: 'catch', default: 'catch' },
      seed: { type: 'number', help: 'seed of weights, environment, exploration and replay', default: DEFAULT_DQN.seed },
      steps: { type: 'number', help: 'environment steps of training', default: DEFAULT_DQN.totalSteps },
      out: { type: 'string', help: 'output folder', default: 'models/catch-dqn' },
      backend: backendFlag,
    },
    async run(f) {
      if (f.game !== 'catch') throw new UsageError(`--game ${f.game} is not supported; use catch`);
      if (!Number.isInteger(f.seed)) throw new UsageError('--seed must be an integer');
      if (!(Number.isInteger(f.steps) && f.steps >= 1)) throw new UsageError('--steps must be a positive integer');
      const info = await initBackend({ backend: f.backend });
      process.stderr.write(`backend: ${info.description}\n`);
      const config: Partial<DqnConfig> = { seed: f.seed, totalSteps: f.steps };
      const result = await trainDqn({ config });
      const evalSeed = result.config.seed;
      const evaluation = await playCatch(asModel(result.net, 'dense'), { episodeSeeds: episodeSeeds(evalSeed, TRAIN_EVAL_EPISODES, 'evaluation'), seed: evalSeed });
      const ci = meanReturnInterval(evaluation.returns);
      const out = path.resolve(f.out);
      await saveModel(result.net, out);
      const record = {
        game: 'catch',
        command: `saplab rl train --game catch --seed ${f.seed} --steps ${f.steps} --out ${f.out}`,
        config: result.config,
        seconds: result.seconds,
        backend: info.description,
        episodes: result.returns.length,
        evaluation: { episodes: ci.n, meanReturn: ci.mean, low: ci.low, high: ci.high, seedLabel: 'evaluation' },
        curve: result.curve,
      };
      writeFileAtomic(path.join(out, 'training.json'), JSON.stringify(record, null, 1) + '\n');
      result.net.dispose();
      process.stdout.write(
        `saved ${out}\ntrained ${result.returns.length} episodes (${result.config.totalSteps} steps) in ${result.seconds.toFixed(1)} s\n` +
          `greedy evaluation: mean return ${ci.mean.toFixed(3)} [95% ${ci.low.toFixed(3)}, ${ci.high.toFixed(3)}] over ${ci.n} episodes\n`,
      );
      return 0;
    },
  },
  evaluate: {
    summary: "Mean return per agent (dense, SAP-100, random pruning) × attack on the observations × eps, with paired comparisons, written to results/rl-<preset>-seed<seed>/ (resumable).",
    spec: {
      quick: { type: 'boolean', help: 'small protocol (under 2 minutes)' },
      episodes: { type: 'number', help: 'episodes per cell (default 150; --quick 60)' },
      eps: { type: 'string', help: 'comma-separated L-inf radii on the [0, 1] pixel scale (default 0,0.1,0.2,0.3,0.4; --quick 0,0.2,0.4)' },
      samples: { type: 'number', help: 'k: Q-value passes averaged per action of a stochastic agent (default 10; --quick 4)' },
      seed: { type: 'number', help: 'seed of episodes, SAP masks and attacks' },
      out: { type: 'string', help: 'output folder; rerun with the same folder to resume (default results/rl-<preset>-seed<seed>)' },
      'stop-after': { type: 'number', help: 'stop after computing this many cells (resume later)' },
      'no-figures': { type: 'boolean', help: 'skip figure export' },
      backend: backendFlag,
    },
    async run(f) {
      const preset = f.quick ? 'quick' : 'default';
      const overrides: Partial<RlEvaluateConfig> = {};
      if (f.episodes !== undefined) overrides.episodes = f.episodes;
      if (f.samples !== undefined) overrides.samples = f.samples;
      if (f.seed !== undefined) overrides.seed = f.seed;
      if (f.eps !== undefined) {
        const list = String(f.eps).split(',').map((v) => v.trim());
        const nums = list.map(Number);
        try {
          if (list.some((v) => v === '')) throw new Error('an empty entry');
          checkEpsList(nums, '--eps');
        } catch {
          throw new UsageError(`--eps takes comma-separated numbers in [0, 1], got ${JSON.stringify(f.eps)}`);
        }
        overrides.eps = nums;
      }
      if (f['stop-after'] !== undefined && !(Number.isInteger(f['stop-after']) && f['stop-after'] >= 1)) throw new UsageError('--stop-after must be a positive integer');
      let config: RlEvaluateConfig;
      try {
        config = buildRlConfig(preset, overrides);
      } catch (e) {
        if (e instanceof ConfigError) throw new UsageError(`bad protocol: ${e.message}`);
        throw e;
      }
      const info = await initBackend({ backend: f.backend });
      process.stderr.write(`backend: ${info.description}\n`);
      const outDir = path.resolve(f.out ?? path.join('results', `rl-${preset}-seed${config.seed}`));
      const pairs = rlGridPairs(config);
      const cells = pairs.reduce((n, p) => n + (p.attack ? config.eps.filter((e) => e > 0).length : 1), 0);
      process.stderr.write(`rl evaluate (${preset}): ${cells} cells (${config.agents.length} agents, ${config.attacks.length} attacks, eps ${config.eps.join(', ')}), ${config.episodes} episodes per cell, k = ${config.samples} -> ${outDir}\n`);
      let result;
      try {
        result = await runRlEvaluate({ config, preset, outDir, stopAfterCells: f['stop-after'], figures: !f['no-figures'] });
      } catch (e) {
        if (e instanceof ConfigError) throw new UsageError(e.message);
        throw e;
      }
      process.stdout.write(`${result.status}: ${result.computed} cells computed, ${result.reused} reused -> ${outDir}\n`);
      if (result.status === 'complete') {
        process.stdout.write(fs.readFileSync(path.join(outDir, 'summary.md'), 'utf8').split('## Figure')[0]);
        return result.cells.some((c) => c.error) ? 1 : 0;
      }
      return result.status === 'interrupted' ? 130 : 0;
    },
  },
};

function usage(): string {
  const parts = Object.entries(SUBCOMMANDS).map(([name, s]) => `saplab rl ${name} [flags]\n  ${s.summary}\n${usageFor(s.spec)}`);
  return `usage: saplab rl <subcommand> [flags]\n\nReinforcement learning on Catch: a DQN agent, SAP on its Q-network, attacks on its observations.\n\n${parts.join('\n\n')}`;
}

/** The `rl` command. */
export const rlCommand: Command = {
  summary: 'Reinforcement learning on Catch: `rl train` (DQN agent), `rl evaluate` (returns under attack, dense vs SAP).',
  usage,
  async run(argv) {
    const [name, ...rest] = argv;
    const sub = name ? SUBCOMMANDS[name] : undefined;
    if (!sub) throw new UsageError(name ? `unknown subcommand ${JSON.stringify(name)}; use ${Object.keys(SUBCOMMANDS).join(' or ')}` : `missing subcommand; use ${Object.keys(SUBCOMMANDS).join(' or ')}`);
    const { flags, positional } = parseFlags(rest, sub.spec);
    if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
    checkBackendFlag(flags);
    return sub.run(flags);
  },
};


