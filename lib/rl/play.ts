/**
 * Playing many Catch episodes side by side (`CatchBatch`), with an agent acting greedily on its
 * (averaged) Q-values and, optionally, an attack perturbing every observation it sees. Episodes are
 * given by their seeds, so two agents played on the same seeds face the same episodes (paired
 * comparisons). Every random choice (SAP masks, attack starts) derives from `seed` and the step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import type { Attack } from '../attacks/types';
import { DEFAULT_SEED, deriveSeed } from '../seed';
import { wilsonInterval } from '../metrics/accuracy';
import { CatchBatch, episodeSeeds as makeEpisodeSeeds } from './catch';
import { greedyActions } from './agent';
import { attackObservations } from './observation_attack';

/** Options of `play`. */
export interface PlayOptions {
  /** Seeds of the episodes to play (see `episodeSeeds`). Default: `episodes` seeds derived from `seed`. */
  episodeSeeds?: number[];
  /** Episodes when `episodeSeeds` is not given. Default 100. */
  episodes?: number;
  /** Seed of the episodes (when not given) and of every random choice. Default `DEFAULT_SEED`. */
  seed?: number;
  /** Stochastic passes averaged per action of a stochastic agent (k). Default 100. */
  samples?: number;
  /** Attack on the observations (labels: the agent's clean greedy actions). Default: none. */
  attack?: Attack;
  /** L∞ radius of the attack. Default 0 (no attack). */
  eps?: number;
  /** Episodes played at once. Default 500. */
  batchSize?: number;
  /** Keep every observation (clean and as seen by the agent) and action. Default `false`. */
  record?: boolean;
  /** Called after every step of every batch with (steps done, steps total). */
  onProgress?: (done: number, total: number) => void;
  /** Awaited after every step (e.g. to yield to Ctrl-C handling). */
  afterStep?: () => void | Promise<void>;
}

/** What the agent saw and did in one step of one batch. */
export interface PlayFrame {
  /** True observations `[n, h, w, 1]` flattened. */
  clean: Float32Array;
  /** Observations the agent acted on (equal to `clean` without attack). */
  observed: Float32Array;
  /** Actions taken. */
  actions: Int32Array;
  /** Actions the agent would have taken on the clean observation (only under attack). */
  cleanActions?: Int32Array;
}

/** Returns of the episodes `play` ran. */
export interface PlayResult {
  /** Return of each episode, in the order of the episode seeds. */
  returns: Float32Array;
  /** Mean return. */
  mean: number;
  /** Fraction of steps (over all episodes) where the attack changed the agent's action. */
  flipRate: number;
  /** Frames per batch (when `record`). */
  frames?: PlayFrame[][];
}

/** Plays the episodes and returns every episode's return. */
export async function playCatch(model: Model, options: PlayOptions = {}): Promise<PlayResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const seeds = options.episodeSeeds ?? makeEpisodeSeeds(seed, options.episodes ?? 100);
  const batchSize = options.batchSize ?? 500;
  const eps = options.eps ?? 0;
  const samples = options.samples ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (!(eps >= 0)) throw new Error(`eps must be >= 0, got ${eps}`);
  if (eps > 0 && !options.attack) throw new Error('eps > 0 needs an attack');
  const env = new CatchBatch();
  const stepsPerEpisode = env.rows - 1;
  const batches = Math.ceil(seeds.length / batchSize);
  const total = batches * stepsPerEpisode;
  const returns = new Float32Array(seeds.length);
  const frames: PlayFrame[][] = [];
  let flips = 0;
  let decisions = 0;
  for (let b = 0; b < batches; b++) {
    const start = b * batchSize;
    const batchSeeds = seeds.slice(start, start + batchSize);
    const n = batchSeeds.length;
    let obs = env.reset(batchSeeds);
    const batchFrames: PlayFrame[] = [];
    for (let t = 0; t < stepsPerEpisode; t++) {
      const stepSeed = deriveSeed(seed, 'play', b, t);
      const x = tf.tensor4d(obs, [n, ...env.observationShape]);
      let actions: Int32Array;
      let cleanActions: Int32Array | undefined;
      let observed = obs;
      try {
        if (options.attack && eps > 0) {
          cleanActions = greedyActions(model, x, { samples, seed: deriveSeed(stepSeed, 'clean') });
          model.reseed?.(deriveSeed(stepSeed, 'attack-model'));
          const adv = await attackObservations(model, options.attack, x, cleanActions, { eps, seed: deriveSeed(stepSeed, 'attack') });
          try {
            actions = greedyActions(model, adv, { samples, seed: deriveSeed(stepSeed, 'act') });
            if (options.record) observed = adv.dataSync().slice() as Float32Array;
          } finally {
            adv.dispose();
          }
          for (let i = 0; i < n; i++) if (actions[i] !== cleanActions[i]) flips++;
        } else {
          actions = greedyActions(model, x, { samples, seed: deriveSeed(stepSeed, 'act') });
        }
      } finally {
        x.dispose();
      }
      decisions += n;
      if (options.record) batchFrames.push({ clean: obs, observed, actions, ...(cleanActions ? { cleanActions } : {}) });
      const { observations, rewards } = env.step(actions);
      for (let i = 0; i < n; i++) returns[start + i] += rewards[i];
      obs = observations;
      options.onProgress?.(b * stepsPerEpisode + t + 1, total);
      await options.afterStep?.();
    }
    if (options.record) {
      batchFrames.push({ clean: obs, observed: obs, actions: new Int32Array(0) });
      frames.push(batchFrames);
    }
  }
  const mean = returns.reduce((a, v) => a + v, 0) / returns.length;
  return { returns, mean, flipRate: options.attack && eps > 0 ? flips / decisions : 0, ...(options.record ? { frames } : {}) };
}

/**
 * Mean return with a 95% interval. Catch's returns are ±1, so the mean is `2p − 1` for the catch
 * rate `p`, and the interval is the Wilson interval of `p` mapped the same way (it stays inside
 * [−1, 1] and does not collapse when every episode is caught). Returns of any other values get the
 * normal interval `mean ± 1.96 · sd / √n`.
 */
export function meanReturnInterval(returns: ArrayLike<number>): { n: number; mean: number; low: number; high: number } {
  const n = returns.length;
  if (n < 1) throw new Error('meanReturnInterval: no returns');
  let s = 0;
  let wins = 0;
  let binary = true;
  for (let i = 0; i < n; i++) {
    s += returns[i];
    if (returns[i] === 1) wins++;
    else if (returns[i] !== -1) binary = false;
  }
  const mean = s / n;
  if (binary) {
    const w = wilsonInterval(wins, n);
    return { n, mean, low: 2 * w.low - 1, high: 2 * w.high - 1 };
  }
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (returns[i] - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const half = (1.96 * sd) / Math.sqrt(n);
  return { n, mean, low: mean - half, high: mean + half };
}

/** One recorded episode: its boards (true and as the agent saw them), actions and return. */
export interface RecordedEpisode {
  clean: Float32Array[];
  observed: Float32Array[];
  actions: number[];
  /** The agent's actions on the clean observations (under attack). */
  cleanActions?: number[];
  return: number;
}

/** Episode `i` of a `playCatch(..., { record: true })` result, cut out of its batch. */
export function recordedEpisode(result: PlayResult, i: number, options: { batchSize?: number; boardSize?: number } = {}): RecordedEpisode {
  if (!result.frames) throw new Error('recordedEpisode: play with { record: true } first');
  if (!Number.isInteger(i) || i < 0 || i >= result.returns.length) throw new Error(`recordedEpisode: episode ${i} is not in 0..${result.returns.length - 1}`);
  const batchSize = options.batchSize ?? 500;
  const size = options.boardSize ?? 50;
  const frames = result.frames[Math.floor(i / batchSize)];
  const j = i % batchSize;
  const cut = (a: Float32Array) => a.slice(j * size, (j + 1) * size);
  const steps = frames.filter((f) => f.actions.length > 0);
  return {
    clean: frames.map((f) => cut(f.clean)),
    observed: frames.map((f) => cut(f.observed)),
    actions: steps.map((f) => f.actions[j]),
    ...(steps[0]?.cleanActions ? { cleanActions: steps.map((f) => f.cleanActions![j]) } : {}),
    return: result.returns[i],
  };
}
