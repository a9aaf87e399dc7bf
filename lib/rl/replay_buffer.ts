/**
 * The experience replay buffer of DQN (Mnih et al., "Human-level control through deep
 * reinforcement learning", Nature 2015): a ring of the last `capacity` transitions
 * `(observation, action, reward, nextObservation, done)`, sampled uniformly with replacement.
 * Stored in typed arrays, so adding and sampling make no tensors.
 */
import { Rng } from '../seed';

/** A sampled minibatch, in flat typed arrays ready for `tf.tensor`. */
interface ReplayBatch {
  /** `[batch, ...observationShape]` flattened. */
  observations: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  nextObservations: Float32Array;
  /** 1 where the episode ended with this transition (no bootstrap), else 0. */
  dones: Float32Array;
  /** The buffer slots that were drawn. */
  indices: Int32Array;
}

/** A fixed-capacity ring buffer of transitions, sampled uniformly with a seed. */
export class ReplayBuffer {
  /** Transitions stored so far, at most `capacity`. */
  size = 0;
  private next = 0;
  private readonly obs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly actions: Int32Array;
  private readonly rewards: Float32Array;
  private readonly dones: Float32Array;

  /**
   * @param capacity the most transitions kept; the oldest is overwritten first.
   * @param observationSize numbers per observation (e.g. 10 · 5 · 1 for Catch).
   */
  constructor(
    readonly capacity: number,
    readonly observationSize: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ReplayBuffer: capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(observationSize) || observationSize < 1) throw new Error(`ReplayBuffer: observationSize must be a positive integer, got ${observationSize}`);
    this.obs = new Float32Array(capacity * observationSize);
    this.nextObs = new Float32Array(capacity * observationSize);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.dones = new Float32Array(capacity);
  }

  /** Stores one transition (copying the observations). */
  add(observation: ArrayLike<number>, action: number, reward: number, nextObservation: ArrayLike<number>, done: boolean): void {
    if (observation.length !== this.observationSize || nextObservation.length !== this.observationSize) {
      throw new Error(`ReplayBuffer: observations must have ${this.observationSize} numbers, got ${observation.length} and ${nextObservation.length}`);
    }
    const i = this.next;
    this.obs.set(observation, i * this.observationSize);
    this.nextObs.set(nextObservation, i * this.observationSize);
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.dones[i] = done ? 1 : 0;
    this.next = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** `batchSize` transitions drawn uniformly with replacement from the stored ones. */
  sample(batchSize: number, rng: Rng): ReplayBatch {
    if (this.size === 0) throw new Error('ReplayBuffer: cannot sample from an empty buffer');
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`ReplayBuffer: batchSize must be a positive integer, got ${batchSize}`);
    const d = this.observationSize;
    const out: ReplayBatch = {
      observations: new Float32Array(batchSize * d),
      actions: new Int32Array(batchSize),
      rewards: new Float32Array(batchSize),
      nextObservations: new Float32Array(batchSize * d),
      dones: new Float32Array(batchSize),
      indices: new Int32Array(batchSize),
    };
    for (let b = 0; b < batchSize; b++) {
      const i = rng.int(this.size);
      out.indices[b] = i;
      out.observations.set(this.obs.subarray(i * d, (i + 1) * d), b * d);
      out.nextObservations.set(this.nextObs.subarray(i * d, (i + 1) * d), b * d);
      out.actions[b] = this.actions[i];
      out.rewards[b] = this.rewards[i];
      out.dones[b] = this.dones[i];
    }
    return out;
  }
}
