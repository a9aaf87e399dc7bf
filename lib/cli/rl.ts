/**
 * `saplab rl <subcommand>`: the reinforcement-learning experiment on Catch.
 * - `rl train`: trains the DQN agent and saves it with its learning curve and evaluation;
 * - `rl evaluate`: the agent × attack × eps grid of returns (see `lib/rl/evaluate_grid.ts`).
 */
import * as path from 'path';
import { FlagSpec, parseFlags, usageFor, UsageError } from './args';
import { initBackend } from '../backend';
import { saveModel } from '../models/io';
import { writeFileAtomic } from '../data/download';
import { asModel } from '../models/model';
import { DEFAULT_DQN, DqnConfig, trainDqn } from '../rl/dqn';
import { episodeSeeds } from '../rl/catch';
import { meanReturnInterval, playCatch } from '../rl/play';
import type { Command } from './commands';

const backendFlag = { type: 'string' as const, help: 'tensorflow-gpu | tensorflow | wasm | cpu | auto', default: 'auto' };

interface Sub {
  summary: string;
  spec: FlagSpec;
  run(flags: Record<string, any>): Promise<number>;
}

/** Evaluation episodes of `rl train` and their seed label (disjoint from training episodes). */
export const TRAIN_EVAL_EPISODES = 1000;

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
};

function usage(): string {
  const parts = Object.entries(SUBCOMMANDS).map(([name, s]) => `saplab rl ${name} [flags]\n  ${s.summary}\n${usageFor(s.spec)}`);
  return `usage: saplab rl <subcommand> [flags]\n\nReinforcement learning on Catch: a DQN agent, SAP on its Q-network, attacks on its observations.\n\n${parts.join('\n\n')}`;
}

/** Adds a subcommand (used by the evaluation grid's module to register `rl evaluate`). */
export function addRlSubcommand(name: string, sub: Sub): void {
  SUBCOMMANDS[name] = sub;
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
    return sub.run(flags);
  },
};


