/**
 * The protocol of `saplab rl evaluate`: the SAP paper's DQN experiment (agents attacked on their
 * observations, Huang et al. 2017) at Catch scale, plus the adaptive attack. Every choice is a key
 * with a documented default; `quick` and `default` are presets, and any key can be overridden.
 */
import { checkSeed, DEFAULT_SEED } from '../seed';
import { checkEpsList } from '../attacks/validate';
import { checkSampleFraction } from '../defenses/sap';
import { resolveAttackOptions } from '../attacks/options';
import type { ResolvedPgdOptions } from '../attacks/pgd';
import type { ResolvedFgsmOptions } from '../attacks/fgsm';
import { ConfigError, configCheck } from '../reproduce/spec';
import { checkAttackEntry } from '../reproduce/validate';

/** An agent of the grid: the shipped Q-network as is, with SAP, or with uniform random pruning. */
export interface RlAgentSpec {
  /** Row label, e.g. `SAP-100`. */
  name: string;
  kind: 'dense' | 'sap' | 'random';
  /** r / N for `sap` and `random`. */
  sampleFraction?: number;
}

/** The keys of an RL attack entry that belong to the grid, not to the attack's options. */
export const RL_GRID_ATTACK_KEYS = ['name', 'method', 'only', 'denseAs'] as const;

/**
 * An attack on the observations. Labels are the agent's own clean greedy actions. Besides the
 * grid's keys it takes the attack's own options (`lib/attacks`: `steps`, `relStepsize`,
 * `eotSamples`, `loss`, `restarts`, `randomStart`), with the attack's defaults for those left out.
 */
export interface RlAttackSpec extends Partial<Omit<ResolvedPgdOptions, 'targeted' | 'norm'>> {
  /** Column label, e.g. `FGSM-MC`. */
  name: string;
  /** `fgsm` or `pgd` (lib/attacks), cross-entropy with the Q-values as logits. */
  method: 'fgsm' | 'pgd';
  /** Only against these agents (names). Default: all. */
  only?: string[];
  /**
   * For comparisons: the attack whose dense cell stands for this one against the dense agent
   * (for a deterministic network the Monte-Carlo gradient equals the plain one). Default: itself.
   */
  denseAs?: string;
}

/** The options an RL attack runs with: the spec's, and the attack's own defaults for the rest. */
export function resolvedRlAttack(spec: RlAttackSpec): ResolvedPgdOptions | ResolvedFgsmOptions {
  const options: Record<string, unknown> = { ...spec };
  for (const k of RL_GRID_ATTACK_KEYS) delete options[k];
  return resolveAttackOptions(spec.method, options, { stochastic: true });
}

/** The protocol of `saplab rl evaluate`: agents, defenses, attacks, eps and episode counts. */
export interface RlEvaluateConfig {
  /** The game. Default `catch`. */
  game: 'catch';
  /** The shipped agent. Default `catch-dqn`. */
  model: 'catch-dqn';
  /** Episodes per cell (the same episode seeds in every cell, so comparisons are paired). */
  episodes: number;
  /** The user seed every random choice derives from. Default 1803. */
  seed: number;
  /** L∞ radii on the observation's [0, 1] scale; 0 is the clean return. */
  eps: number[];
  /** k: stochastic passes whose Q-values are averaged per action of a SAP / random-pruning agent. */
  samples: number;
  /** Episodes played side by side. */
  batchSize: number;
  agents: RlAgentSpec[];
  attacks: RlAttackSpec[];
}

/** Name of an `saplab rl evaluate` preset. */
export type RlPreset = 'quick' | 'default';

const AGENTS: RlAgentSpec[] = [
  { name: 'dense', kind: 'dense' },
  { name: 'SAP-100', kind: 'sap', sampleFraction: 1 },
  { name: 'random-100', kind: 'random', sampleFraction: 1 },
];

/** The presets. `default` finishes in well under 10 minutes on this 2-core machine, `quick` in under 2. */
export const RL_PRESETS: Record<RlPreset, RlEvaluateConfig> = {
  default: {
    game: 'catch',
    model: 'catch-dqn',
    episodes: 150,
    seed: DEFAULT_SEED,
    eps: [0, 0.1, 0.2, 0.3, 0.4],
    samples: 10,
    batchSize: 150,
    agents: AGENTS,
    attacks: [
      { name: 'FGSM', method: 'fgsm' },
      { name: 'FGSM-MC', method: 'fgsm', eotSamples: 10, only: ['SAP-100', 'random-100'], denseAs: 'FGSM' },
      { name: 'PGD-EOT', method: 'pgd', steps: 10, relStepsize: 0.25, eotSamples: 3 },
    ],
  },
  quick: {
    game: 'catch',
    model: 'catch-dqn',
    episodes: 60,
    seed: DEFAULT_SEED,
    eps: [0, 0.2, 0.4],
    samples: 4,
    batchSize: 60,
    agents: AGENTS,
    attacks: [
      { name: 'FGSM', method: 'fgsm' },
      { name: 'FGSM-MC', method: 'fgsm', eotSamples: 4, only: ['SAP-100', 'random-100'], denseAs: 'FGSM' },
      { name: 'PGD-EOT', method: 'pgd', steps: 5, relStepsize: 0.5, eotSamples: 2 },
    ],
  },
};

const KEYS = Object.keys(RL_PRESETS.default);
const AGENT_KEYS = ['name', 'kind', 'sampleFraction'];

const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;

/** A preset with overrides, validated; throws `ConfigError` naming the bad key. */
export function buildRlConfig(preset: RlPreset, overrides: Partial<RlEvaluateConfig> = {}): RlEvaluateConfig {
  const base = RL_PRESETS[preset];
  if (!base) throw new ConfigError(`unknown preset "${preset}" (known: ${Object.keys(RL_PRESETS).join(', ')})`);
  for (const k of Object.keys(overrides)) if (!KEYS.includes(k)) throw new ConfigError(`unknown config key "${k}"`);
  const c: RlEvaluateConfig = JSON.parse(JSON.stringify({ ...base, ...overrides }));
  if (c.game !== 'catch') throw new ConfigError(`game must be "catch", got ${JSON.stringify(c.game)}`);
  if (c.model !== 'catch-dqn') throw new ConfigError(`model must be "catch-dqn", got ${JSON.stringify(c.model)}`);
  for (const k of ['episodes', 'samples', 'batchSize'] as const) if (!posInt(c[k])) throw new ConfigError(`${k} must be a positive integer, got ${JSON.stringify(c[k])}`);
  configCheck(() => checkSeed(c.seed));
  configCheck(() => checkEpsList(c.eps, 'eps'));
  c.eps = [...new Set(c.eps)].sort((a, b) => a - b);
  if (!Array.isArray(c.agents) || c.agents.length === 0) throw new ConfigError('agents must be a non-empty list');
  c.agents.forEach((a, i) => {
    for (const k of Object.keys(a)) if (!AGENT_KEYS.includes(k)) throw new ConfigError(`unknown key "${k}" in agents[${i}]`);
    if (typeof a.name !== 'string' || !a.name) throw new ConfigError(`agents[${i}].name must be a non-empty string`);
    if (!['dense', 'sap', 'random'].includes(a.kind)) throw new ConfigError(`agents[${i}].kind must be dense, sap or random, got ${JSON.stringify(a.kind)}`);
    if (a.kind !== 'dense') configCheck(() => checkSampleFraction(a.sampleFraction as number), `agents[${i}].sampleFraction`);
  });
  if (new Set(c.agents.map((a) => a.name)).size !== c.agents.length) throw new ConfigError('agent names must be unique');
  if (!Array.isArray(c.attacks)) throw new ConfigError('attacks must be a list');
  c.attacks.forEach((a, i) => {
    if (typeof a.name !== 'string' || !a.name || a.name === 'clean') throw new ConfigError(`attacks[${i}].name must be a non-empty string other than "clean"`);
    checkAttackEntry(a, `attacks[${i}]`, RL_GRID_ATTACK_KEYS, ['fgsm', 'pgd']);
    for (const n of a.only ?? []) if (!c.agents.some((g) => g.name === n)) throw new ConfigError(`attacks[${i}].only names an unknown agent "${n}"`);
  });
  if (new Set(c.attacks.map((a) => a.name)).size !== c.attacks.length) throw new ConfigError('attack names must be unique');
  return c;
}

/** The (agent, attack) pairs of the grid, clean first for every agent. */
export function rlGridPairs(c: RlEvaluateConfig): { agent: RlAgentSpec; attack: RlAttackSpec | undefined }[] {
  const out: { agent: RlAgentSpec; attack: RlAttackSpec | undefined }[] = [];
  for (const agent of c.agents) {
    out.push({ agent, attack: undefined });
    for (const attack of c.attacks) if (!attack.only || attack.only.includes(agent.name)) out.push({ agent, attack });
  }
  return out;
}
