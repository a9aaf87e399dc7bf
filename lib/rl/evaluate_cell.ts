/**
 * One cell of `saplab rl evaluate` (an agent under an attack at one eps, or clean): the agent and
 * the attack built from their specs, and the record of the cell's mean return. The grid that runs
 * the cells is in `evaluate_grid.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { asModel, Model } from '../models/model';
import { withSap, type SapModel } from '../defenses/with_sap';
import { attacks } from '../attacks/factory';
import type { Attack } from '../attacks/types';
import { deriveSeed } from '../seed';
import { episodeSeeds } from './catch';
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
