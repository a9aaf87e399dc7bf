import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { asModel, DEFAULT_DQN, playCatch, trainDqn, episodeSeeds } from 'saplab';

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
    const config = { totalSteps: 2000, seed: 11 };
    const run = await trainDqn({ config, progress: { mode: 'off' } });
    const seeds = episodeSeeds(99, 300, 'evaluation');
    const played = await playCatch(asModel(run.net), { episodeSeeds: seeds });
    // Random policy: -0.6; with 300 episodes a return of +0.2 is > 8 standard errors away.
    expect(played.mean).toBeGreaterThan(randomPolicyReturn() + 0.8);
    expect(run.curve.length).toBeGreaterThan(5);
    expect(run.curve[run.curve.length - 1].meanReturn).toBeGreaterThan(run.curve[0].meanReturn);
    run.net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000);
});
