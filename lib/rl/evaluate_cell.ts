/**
 * One cell of `saplab rl evaluate` (an agent under an attack at one eps, or clean): the agent and
 * the attack built from their specs, the episodes played, and the record of the cell's mean
 * return. The grid engine runs the cells (`evaluate_grid.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { asModel, Model } from '../models/model';
import { withSap, type SapModel } from '../defenses/with_sap';
import { attacks } from '../attacks/factory';
import type { Attack } from '../attacks/types';
import { deriveSeed } from '../seed';
import { episodeSeeds } from './catch';
import { meanReturnInterval, playCatch } from './play';
import { RL_GRID_ATTACK_KEYS, type RlAgentSpec, type RlAttackSpec, type RlEvaluateConfig } from './evaluate_config';

/** One finished cell, as stored in `cells/<key>.json`. */
export interface RlCell {
  key: string;
  agent: string;
  kind: RlAgentSpec['kind'];
  sampleFraction: number | null;
  attack: string;
  eps: number;
  episodes: number;
  meanReturn: number;
  low: number;
  high: number;
  /** Fraction of decisions the attack changed (0 for clean cells). */
  flipRate: number;
  /** Per-episode returns, in the order of the episode seeds. */
  returns: number[];
  seconds: number;
  error?: string;
}

/** The episode seeds every cell plays. */
export function rlEpisodeSeeds(config: RlEvaluateConfig): number[] {
  return episodeSeeds(config.seed, config.episodes, 'rl-evaluate');
}

/** The attack function of a spec (EOT only against stochastic agents). */
export function buildRlAttack(spec: RlAttackSpec, stochastic: boolean): Attack {
  const options: Record<string, unknown> = { ...spec };
  for (const k of RL_GRID_ATTACK_KEYS) delete options[k];
  // A deterministic agent needs no Monte-Carlo average of its gradient.
  const eotSamples = stochastic ? spec.eotSamples : undefined;
  return spec.method === 'fgsm' ? attacks.fgsm({ ...options, eotSamples }) : attacks.pgd({ ...options, eotSamples });
}

/** The agent's model: the Q-network, or SAP / random pruning after every ReLU (weights shared). */
export function buildRlAgent(net: tf.LayersModel, spec: RlAgentSpec, seed: number): Model {
  if (spec.kind === 'dense') return asModel(net, spec.name);
  return withSap(net, { sampleFraction: spec.sampleFraction, seed: deriveSeed(seed, 'agent', spec.name), kind: spec.kind });
}

/** Releases a SAP / random-pruning agent's graph (its layers stay alive while the original network holds them). */
export function disposeAgent(model: Model): void {
  (model as Partial<SapModel>).net?.dispose();
}

/** One cell of the RL grid: an agent under an attack at one eps (no attack: the clean cell at eps 0). */
export interface RlCellTask {
  /** File name in `cells/` (see `cellKey`). */
  key: string;
  agent: RlAgentSpec;
  attack?: RlAttackSpec;
  eps: number;
}

/** The record of a cell that failed with `error`. */
export function failedRlCell(task: RlCellTask, config: RlEvaluateConfig, seconds: number, error: string): RlCell {
  return { ...cellBase(task, config), meanReturn: NaN, low: NaN, high: NaN, flipRate: NaN, returns: [], seconds, error };
}

function cellBase(task: RlCellTask, config: RlEvaluateConfig) {
  const { key, agent, attack, eps } = task;
  return { key, agent: agent.name, kind: agent.kind, sampleFraction: agent.kind === 'dense' ? null : agent.sampleFraction ?? null, attack: attack?.name ?? 'clean', eps, episodes: config.episodes };
}

/**
 * Plays one cell: the agent on `net` (SAP / random pruning with the weights shared), attacked at
 * `eps` on every step, over the grid's episode seeds; `step` is awaited after every game step.
 * Every random choice derives from the user seed and the cell's key.
 */
export async function computeRlCell(net: tf.LayersModel, config: RlEvaluateConfig, task: RlCellTask, step: () => Promise<void>): Promise<RlCell> {
  const tc = Date.now();
  const model = buildRlAgent(net, task.agent, config.seed);
  try {
    const attackFn = task.attack ? buildRlAttack(task.attack, task.agent.kind !== 'dense') : undefined;
    const played = await playCatch(model, {
      episodeSeeds: rlEpisodeSeeds(config),
      seed: deriveSeed(config.seed, task.key),
      samples: config.samples,
      attack: attackFn,
      eps: task.eps,
      batchSize: config.batchSize,
      afterStep: step,
    });
    const ci = meanReturnInterval(played.returns);
    return { ...cellBase(task, config), meanReturn: ci.mean, low: ci.low, high: ci.high, flipRate: played.flipRate, returns: Array.from(played.returns), seconds: (Date.now() - tc) / 1000 };
  } finally {
    disposeAgent(model);
  }
}
