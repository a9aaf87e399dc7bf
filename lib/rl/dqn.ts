/**
 * Deep Q-learning (Mnih et al., "Human-level control through deep reinforcement learning",
 * Nature 2015), written top to bottom in the shape of cleanrl's `dqn.py`: one environment, ε-greedy
 * actions, a replay buffer, a target network synced every `targetUpdateEvery` steps, and the Huber
 * loss on the TD error `Q(s, a) − (r + γ (1 − done) max_a' Q_target(s', a'))`. Every choice is a key
 * of `DqnConfig` with its default in `DEFAULT_DQN`; everything random derives from `seed`.
 */
import * as tf from '@tensorflow/tfjs';
import { checkSeed, DEFAULT_SEED, deriveSeed, Rng } from '../seed';
import { Progress, ProgressOptions } from '../util/progress';
import { Catch } from './catch';
import { huber } from './huber';
import { qNetwork, syncTarget } from './q_network';
import { ReplayBuffer } from './replay_buffer';
import { linearSchedule } from './schedule';

/** DQN's hyper-parameters. */
export interface DqnConfig {
  /** Environment steps of training. */
  totalSteps: number;
  /** Adam learning rate. */
  lr: number;
  /** Discount factor γ. */
  gamma: number;
  /** Replay buffer capacity (transitions). */
  bufferSize: number;
  /** Transitions per gradient step. */
  batchSize: number;
  /** Steps of pure exploration before the first gradient step. */
  learningStarts: number;
  /** Environment steps between gradient steps. */
  trainEvery: number;
  /** Environment steps between target-network syncs. */
  targetUpdateEvery: number;
  /** ε at step 0. */
  epsilonStart: number;
  /** Final ε. */
  epsilonEnd: number;
  /** Fraction of `totalSteps` over which ε falls linearly to `epsilonEnd`. */
  explorationFraction: number;
  /** Huber loss δ. */
  huberDelta: number;
  /** Episodes in the running mean return shown by the progress bar and logged in the curve. */
  returnWindow: number;
  /** Seed of the weights, the environment, exploration and replay sampling. */
  seed: number;
}

/** The defaults: the shipped `catch-dqn` agent was trained with exactly these and seed 1803. */
export const DEFAULT_DQN: DqnConfig = {
  totalSteps: 10_000,
  lr: 1e-3,
  gamma: 0.99,
  bufferSize: 10_000,
  batchSize: 32,
  learningStarts: 500,
  trainEvery: 1,
  targetUpdateEvery: 250,
  epsilonStart: 1,
  epsilonEnd: 0.05,
  explorationFraction: 0.3,
  huberDelta: 1,
  returnWindow: 100,
  seed: DEFAULT_SEED,
};

/** One point of the learning curve (logged when an episode ends, every `logEvery` episodes). */
export interface CurvePoint {
  step: number;
  episode: number;
  /** Mean return of the last `returnWindow` episodes (ε-greedy, as played). */
  meanReturn: number;
  epsilon: number;
  /** Mean Huber loss over the gradient steps since the previous point (NaN before learning starts). */
  loss: number;
}

/** Options of `trainDqn`. */
export interface TrainDqnOptions {
  /** Overrides of `DEFAULT_DQN`. */
  config?: Partial<DqnConfig>;
  /** Episodes between curve points. Default 20. */
  logEvery?: number;
  progress?: ProgressOptions;
}

/** The trained network and its learning curve. */
export interface TrainDqnResult {
  /** The trained online Q-network (the caller owns it). */
  net: tf.LayersModel;
  config: DqnConfig;
  curve: CurvePoint[];
  /** Return of every training episode, in order. */
  returns: number[];
  seconds: number;
}

/** Checks a full config; throws naming the first bad key. */
function checkDqnConfig(c: DqnConfig): void {
  const posInt = ['totalSteps', 'bufferSize', 'batchSize', 'trainEvery', 'targetUpdateEvery', 'returnWindow'] as const;
  for (const k of posInt) if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`DQN: ${k} must be a positive integer, got ${c[k]}`);
  if (!Number.isInteger(c.learningStarts) || c.learningStarts < 0) throw new Error(`DQN: learningStarts must be an integer >= 0, got ${c.learningStarts}`);
  if (!(c.lr > 0)) throw new Error(`DQN: lr must be positive, got ${c.lr}`);
  if (!(c.gamma >= 0 && c.gamma <= 1)) throw new Error(`DQN: gamma must be in [0, 1], got ${c.gamma}`);
  for (const k of ['epsilonStart', 'epsilonEnd'] as const) if (!(c[k] >= 0 && c[k] <= 1)) throw new Error(`DQN: ${k} must be in [0, 1], got ${c[k]}`);
  if (!(c.explorationFraction > 0 && c.explorationFraction <= 1)) throw new Error(`DQN: explorationFraction must be in (0, 1], got ${c.explorationFraction}`);
  if (!(c.huberDelta > 0)) throw new Error(`DQN: huberDelta must be positive, got ${c.huberDelta}`);
  checkSeed(c.seed, 'DQN');
}

/**
 * One gradient step of DQN on a sampled minibatch: minimises the mean Huber loss of the TD error.
 * Returns the loss (a scalar tensor the caller owns).
 */
export function dqnUpdate(
  online: tf.LayersModel,
  target: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: { observations: Float32Array; actions: Int32Array; rewards: Float32Array; nextObservations: Float32Array; dones: Float32Array },
  options: { gamma: number; huberDelta: number; observationShape: [number, number, number] },
): tf.Scalar {
  const n = batch.actions.length;
  const shape = [n, ...options.observationShape] as [number, number, number, number];
  const vars = online.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  return tf.tidy(() => {
    const next = tf.tensor4d(batch.nextObservations, shape);
    const maxNext = tf.max(target.apply(next) as tf.Tensor2D, 1);
    const y = tf.add(tf.tensor1d(batch.rewards), tf.mul(options.gamma, tf.mul(tf.sub(1, tf.tensor1d(batch.dones)), maxNext)));
    const obs = tf.tensor4d(batch.observations, shape);
    const actionMask = tf.oneHot(tf.tensor1d(batch.actions, 'int32'), online.outputs[0].shape[1] as number);
    return optimizer.minimize(
      () => {
        const q = online.apply(obs, { training: true }) as tf.Tensor2D;
        const qa = tf.sum(tf.mul(q, actionMask), 1);
        return tf.mean(huber(tf.sub(qa, y), options.huberDelta)) as tf.Scalar;
      },
      true,
      vars,
    ) as tf.Scalar;
  });
}

/** Greedy action of a deterministic Q-network for one observation. */
function greedy(net: tf.LayersModel, obs: Float32Array, shape: [number, number, number]): number {
  const q = tf.tidy(() => (net.apply(tf.tensor4d(obs, [1, ...shape])) as tf.Tensor2D).dataSync());
  let best = 0;
  for (let a = 1; a < q.length; a++) if (q[a] > q[best]) best = a;
  return best;
}

/** Trains a DQN agent on Catch; returns the online network, the learning curve and the episode returns. */
export async function trainDqn(options: TrainDqnOptions = {}): Promise<TrainDqnResult> {
  const config: DqnConfig = { ...DEFAULT_DQN, ...options.config };
  for (const k of Object.keys(options.config ?? {})) if (!(k in DEFAULT_DQN)) throw new Error(`DQN: unknown config key ${JSON.stringify(k)}`);
  checkDqnConfig(config);
  const logEvery = options.logEvery ?? 20;
  const t0 = Date.now();
  const env = new Catch({ seed: deriveSeed(config.seed, 'env') });
  const shape = env.observationShape;
  const online = qNetwork({ seed: deriveSeed(config.seed, 'online'), observationShape: shape, actions: env.numActions });
  const target = qNetwork({ seed: deriveSeed(config.seed, 'target'), observationShape: shape, actions: env.numActions });
  syncTarget(online, target);
  const optimizer = tf.train.adam(config.lr);
  const buffer = new ReplayBuffer(config.bufferSize, shape[0] * shape[1] * shape[2]);
  const explore = new Rng(deriveSeed(config.seed, 'explore'));
  const replay = new Rng(deriveSeed(config.seed, 'replay'));
  const schedule = { start: config.epsilonStart, end: config.epsilonEnd, duration: config.explorationFraction * config.totalSteps };
  const bar = new Progress('dqn catch', config.totalSteps, options.progress);
  const returns: number[] = [];
  const curve: CurvePoint[] = [];
  let lossSum = 0;
  let lossCount = 0;
  let pendingLoss: tf.Scalar | undefined;
  let obs = env.reset();
  let episodeReturn = 0;
  const running = () => {
    const w = returns.slice(-config.returnWindow);
    return w.reduce((a, b) => a + b, 0) / Math.max(1, w.length);
  };
  try {
    for (let step = 0; step < config.totalSteps; step++) {
      const epsilon = linearSchedule(step, schedule);
      const action = explore.next() < epsilon ? explore.int(env.numActions) : greedy(online, obs, shape);
      const { observation, reward, done } = env.step(action);
      buffer.add(obs, action, reward, observation, done);
      episodeReturn += reward;
      obs = observation;
      if (done) {
        returns.push(episodeReturn);
        episodeReturn = 0;
        obs = env.reset();
        if (returns.length % logEvery === 0) {
          curve.push({ step: step + 1, episode: returns.length, meanReturn: running(), epsilon, loss: lossCount ? lossSum / lossCount : NaN });
          lossSum = 0;
          lossCount = 0;
        }
      }
      if (step >= config.learningStarts && step % config.trainEvery === 0) {
        const loss = dqnUpdate(online, target, optimizer, buffer.sample(config.batchSize, replay), { gamma: config.gamma, huberDelta: config.huberDelta, observationShape: shape });
        // Read the previous step's loss, so the device is not waited on every step.
        if (pendingLoss) {
          lossSum += (await pendingLoss.data())[0];
          lossCount++;
          pendingLoss.dispose();
        }
        pendingLoss = loss;
      }
      if ((step + 1) % config.targetUpdateEvery === 0) syncTarget(online, target);
      if ((step + 1) % 200 === 0) bar.update(step + 1, config.totalSteps, `episodes ${returns.length} mean return ${running().toFixed(2)} ε ${epsilon.toFixed(2)}`);
    }
  } finally {
    pendingLoss?.dispose();
    optimizer.dispose();
    target.dispose();
  }
  bar.finish(`episodes ${returns.length} mean return (last ${config.returnWindow}) ${running().toFixed(2)}`);
  return { net: online, config, curve, returns, seconds: (Date.now() - t0) / 1000 };
}
