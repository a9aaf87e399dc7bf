import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { asModel, Catch, DEFAULT_DQN, dqnUpdate, huber, linearSchedule, playCatch, qNetwork, ReplayBuffer, Rng, syncTarget, trainDqn, episodeSeeds } from 'saplab';
import { expectNoLeak } from '../helpers';

/** Exact mean return of the uniformly random policy on Catch (enumeration of all 5 · 3^9 plays). */
function randomPolicyReturn(): number {
  let total = 0;
  let count = 0;
  for (let ball = 0; ball < 5; ball++) {
    // Distribution of the paddle column after 9 uniform moves, clipped to [0, 4].
    let dist = [0, 0, 1, 0, 0];
    for (let t = 0; t < 9; t++) {
      const next = [0, 0, 0, 0, 0];
      dist.forEach((p, c) => [-1, 0, 1].forEach((d) => (next[Math.min(4, Math.max(0, c + d))] += p / 3)));
      dist = next;
    }
    total += 2 * dist[ball] - 1;
    count++;
  }
  return total / count;
}

describe('huber', () => {
  it('is x^2/2 inside delta and delta(|x| - delta/2) outside', () => {
    const x = tf.tensor1d([-3, -1, -0.5, 0, 0.25, 1, 2.5]);
    expect(Array.from(huber(x).dataSync())).toEqual([2.5, 0.5, 0.125, 0, 0.03125, 0.5, 2].map(Math.fround));
    const d2 = Array.from(huber(x, 2).dataSync());
    [4, 0.5, 0.125, 0, 0.03125, 0.5, 3].forEach((v, i) => expect(d2[i]).toBeCloseTo(v, 6));
    expect(() => huber(x, 0)).toThrow(/delta/);
    x.dispose();
  });

  it('has gradient clip(x, -delta, delta) and leaks nothing', async () => {
    const x = tf.tensor1d([-3, -0.5, 0.2, 4]);
    const g = await expectNoLeak(() => tf.grad((v: tf.Tensor) => tf.sum(huber(v)))(x), (t) => t.dispose());
    void g;
    const g2 = tf.grad((v: tf.Tensor) => tf.sum(huber(v)))(x);
    Array.from(g2.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([-1, -0.5, 0.2, 1][i], 6));
    tf.dispose([x, g2]);
  });
});

describe('linearSchedule', () => {
  it('falls linearly from start to end over duration, then stays', () => {
    const o = { start: 1, end: 0.05, duration: 1000 };
    expect(linearSchedule(0, o)).toBe(1);
    expect(linearSchedule(500, o)).toBeCloseTo(0.525, 12);
    expect(linearSchedule(1000, o)).toBeCloseTo(0.05, 12);
    expect(linearSchedule(10_000, o)).toBeCloseTo(0.05, 12);
    expect(() => linearSchedule(1, { ...o, duration: 0 })).toThrow(/duration/);
    expect(() => linearSchedule(-1, o)).toThrow(/step/);
  });
});

describe('ReplayBuffer', () => {
  it('keeps the last `capacity` transitions, overwriting the oldest', () => {
    const buf = new ReplayBuffer(3, 2);
    for (let i = 0; i < 5; i++) buf.add([i, i], i % 3, i, [i + 1, i + 1], i === 4);
    expect(buf.size).toBe(3);
    const seen = new Set<number>();
    const b = buf.sample(200, new Rng(1));
    for (let k = 0; k < 200; k++) {
      seen.add(b.rewards[k]);
      // Fields of one transition stay together.
      expect(b.observations[2 * k]).toBe(b.rewards[k]);
      expect(b.nextObservations[2 * k]).toBe(b.rewards[k] + 1);
      expect(b.actions[k]).toBe(b.rewards[k] % 3);
      expect(b.dones[k]).toBe(b.rewards[k] === 4 ? 1 : 0);
    }
    expect([...seen].sort()).toEqual([2, 3, 4]);
  });

  it('samples uniformly with replacement (counts within 5 binomial SEs), seeded', () => {
    const buf = new ReplayBuffer(10, 1);
    for (let i = 0; i < 10; i++) buf.add([i], 0, i, [i], false);
    const b = buf.sample(20_000, new Rng(7));
    const counts = new Array(10).fill(0);
    b.indices.forEach((i) => counts[i]++);
    const se = Math.sqrt(20_000 * 0.1 * 0.9);
    counts.forEach((c) => expect(Math.abs(c - 2000)).toBeLessThan(5 * se));
    expect(Array.from(buf.sample(50, new Rng(3)).indices)).toEqual(Array.from(buf.sample(50, new Rng(3)).indices));
    expect(Array.from(buf.sample(50, new Rng(3)).indices)).not.toEqual(Array.from(buf.sample(50, new Rng(4)).indices));
  });

  it('rejects bad sizes and empty sampling', () => {
    expect(() => new ReplayBuffer(0, 2)).toThrow(/capacity/);
    expect(() => new ReplayBuffer(2, 0)).toThrow(/observationSize/);
    const buf = new ReplayBuffer(2, 2);
    expect(() => buf.sample(1, new Rng(1))).toThrow(/empty/);
    expect(() => buf.add([1], 0, 0, [1, 2], false)).toThrow(/2 numbers/);
  });
});

describe('Q-network and target sync', () => {
  it('maps [n, 10, 5, 1] to [n, 3]; syncTarget copies the weights, later training leaves the target alone', () => {
    const online = qNetwork({ seed: 1 });
    const target = qNetwork({ seed: 2 });
    const x = tf.randomUniform([4, 10, 5, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const q1 = online.predict(x) as tf.Tensor;
    const q2 = target.predict(x) as tf.Tensor;
    expect(q1.shape).toEqual([4, 3]);
    expect(tf.max(tf.abs(tf.sub(q1, q2))).dataSync()[0]).toBeGreaterThan(1e-3);
    syncTarget(online, target);
    const q3 = target.predict(x) as tf.Tensor;
    expect(Array.from(q3.dataSync())).toEqual(Array.from(q1.dataSync()));
    // One gradient step on the online net: the target keeps the synced values.
    const opt = tf.train.adam(0.01);
    const batch = { observations: x.dataSync() as Float32Array, actions: new Int32Array([0, 1, 2, 0]), rewards: new Float32Array([1, -1, 0, 1]), nextObservations: x.dataSync() as Float32Array, dones: new Float32Array([1, 1, 0, 0]) };
    const loss = dqnUpdate(online, target, opt, batch, { gamma: 0.99, huberDelta: 1, observationShape: [10, 5, 1] });
    const q4 = target.predict(x) as tf.Tensor;
    const q5 = online.predict(x) as tf.Tensor;
    expect(Array.from(q4.dataSync())).toEqual(Array.from(q1.dataSync()));
    expect(tf.max(tf.abs(tf.sub(q5, q1))).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, q1, q2, q3, q4, q5, loss]);
    opt.dispose();
    online.dispose();
    target.dispose();
  });

  it('dqnUpdate: the loss is the mean Huber TD error, repeated steps shrink it, no tensors leak', async () => {
    const online = qNetwork({ seed: 3 });
    const target = qNetwork({ seed: 3 });
    syncTarget(online, target);
    const x = tf.randomUniform([8, 10, 5, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const obs = x.dataSync() as Float32Array;
    const batch = { observations: obs, actions: new Int32Array([0, 1, 2, 0, 1, 2, 0, 1]), rewards: new Float32Array([1, -1, 1, -1, 1, -1, 1, -1]), nextObservations: obs, dones: new Float32Array(8).fill(1) };
    // Closed form of the first loss: all transitions terminal, so targets are the rewards.
    const q = (online.predict(x) as tf.Tensor2D).arraySync();
    const expected = q.reduce((s, row, i) => {
      const d = Math.abs(row[batch.actions[i]] - batch.rewards[i]);
      return s + (d <= 1 ? 0.5 * d * d : d - 0.5);
    }, 0) / 8;
    const opt = tf.train.sgd(0.05);
    const first = dqnUpdate(online, target, opt, batch, { gamma: 0.9, huberDelta: 1, observationShape: [10, 5, 1] });
    expect(first.dataSync()[0]).toBeCloseTo(expected, 5);
    first.dispose();
    let last = NaN;
    await expectNoLeak(() => {
      for (let i = 0; i < 30; i++) {
        const l = dqnUpdate(online, target, opt, batch, { gamma: 0.9, huberDelta: 1, observationShape: [10, 5, 1] });
        last = l.dataSync()[0];
        l.dispose();
      }
    });
    expect(last).toBeLessThan(expected / 2);
    tf.dispose(x);
    opt.dispose();
    online.dispose();
    target.dispose();
  });
});

describe('trainDqn', () => {
  it('the random policy returns -0.6 (the clipped lazy walk is doubly stochastic, so averaged over the 5 start columns the catch probability is 1/5); bad config is refused', async () => {
    expect(randomPolicyReturn()).toBeCloseTo(-0.6, 12);
    await expect(trainDqn({ config: { totalStep: 10 } as never })).rejects.toThrow(/unknown config key "totalStep"/);
    await expect(trainDqn({ config: { gamma: 2 } })).rejects.toThrow(/gamma/);
    await expect(trainDqn({ config: { batchSize: 0 } })).rejects.toThrow(/batchSize/);
    expect(DEFAULT_DQN.totalSteps).toBeGreaterThan(0);
  });

  it('the same seed gives the same weights, another seed different ones', async () => {
    const w = async (seed: number) => {
      const r = await trainDqn({ config: { totalSteps: 120, learningStarts: 40, seed }, progress: { mode: 'off' } });
      const v = Array.from(r.net.getWeights()[0].dataSync());
      r.net.dispose();
      return v;
    };
    const a = await w(4);
    expect(await w(4)).toEqual(a);
    expect(await w(5)).not.toEqual(a);
  });

  it('a short seeded run beats the random policy by a clear margin and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const config = { totalSteps: 2500, seed: 11 };
    const run = await trainDqn({ config, progress: { mode: 'off' } });
    const seeds = episodeSeeds(99, 300, 'evaluation');
    const played = await playCatch(asModel(run.net), { episodeSeeds: seeds });
    // Random policy: -0.6; with 300 episodes a return of +0.2 is > 8 standard errors away.
    expect(played.mean).toBeGreaterThan(randomPolicyReturn() + 0.8);
    expect(run.curve.length).toBeGreaterThan(5);
    expect(run.curve[run.curve.length - 1].meanReturn).toBeGreaterThan(run.curve[0].meanReturn);
    run.net.dispose();
    expect(tf.memory().numTensors).toBe(before);
    void Catch;
  }, 180_000);
});
