import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { recordedEpisode, asModel, attacks, attackObservations, episodeSeeds, greedyActions, loadPretrained, playCatch, withSap, type Model } from 'saplab';
import { CatchBatch } from '../../lib/rl/catch';

let net: tf.LayersModel;
let dense: Model;
beforeAll(async () => {
  net = await loadPretrained('catch-dqn');
  dense = asModel(net, 'dense');
});
afterAll(() => net.dispose());

/** The first observations of a batch of episodes, as a tensor. */
function firstObservations(n: number, seed = 1): tf.Tensor4D {
  const env = new CatchBatch();
  return tf.tensor4d(env.reset(episodeSeeds(seed, n)), [n, 10, 5, 1]);
}

describe('attacks on observations', () => {
  it('stay in the eps ball and in [0, 1]; the environment keeps the true state', async () => {
    const x = firstObservations(40, 2);
    const clean = greedyActions(dense, x);
    const sap = withSap(net, { sampleFraction: 1, seed: 5 });
    for (const [model, attack] of [
      [dense, attacks.fgsm()],
      [dense, attacks.pgd({ steps: 5 })],
      [sap, attacks.fgsm({ eotSamples: 4 })],
      [sap, attacks.pgd({ steps: 3, eotSamples: 2 })],
    ] as const) {
      for (const eps of [0.05, 0.3, 0.8]) {
        const adv = await attackObservations(model, attack, x, clean, { eps, seed: 1 });
        const d = tf.tidy(() => tf.max(tf.abs(tf.sub(adv, x))).dataSync()[0]);
        expect(d).toBeLessThanOrEqual(eps + 1e-6);
        expect(tf.min(adv).dataSync()[0]).toBeGreaterThanOrEqual(0);
        expect(tf.max(adv).dataSync()[0]).toBeLessThanOrEqual(1);
        adv.dispose();
      }
    }
    expect(() => attackObservations(dense, attacks.fgsm(), x, new Int32Array(3), { eps: 0.1 })).rejects.toThrow(/40 observations but 3 actions/);
    // Under attack the recorded true frames are the game's, the observed ones are perturbed.
    const r = await playCatch(dense, { episodes: 5, attack: attacks.fgsm(), eps: 0.3, record: true, seed: 3 });
    const frames = r.frames![0];
    expect(frames.length).toBe(10);
    const ep = recordedEpisode(r, 3);
    expect(ep.clean.length).toBe(10);
    expect(ep.actions.length).toBe(9);
    expect(ep.cleanActions!.length).toBe(9);
    expect(ep.return).toBe(r.returns[3]);
    expect(Array.from(ep.clean[0])).toEqual(Array.from(frames[0].clean.subarray(150, 200)));
    // The recorded actions replay the episode: the last true board shows whether the ball was caught.
    const last = ep.clean[9];
    const ball = Array.from(last.subarray(45)).filter((v) => v === 1).length;
    expect(ball === 1 ? 1 : -1).toBe(ep.return);
    expect(() => recordedEpisode(r, 5)).toThrow(/not in 0..4/);
    expect(Array.from(frames[0].clean).every((v) => v === 0 || v === 1)).toBe(true);
    expect(Array.from(frames[0].observed).some((v) => v !== 0 && v !== 1)).toBe(true);
    x.dispose();
  });

  it('a large eps lowers the dense agent\'s return far below its clean return (FGSM and PGD)', async () => {
    const seeds = episodeSeeds(8, 200);
    const clean = await playCatch(dense, { episodeSeeds: seeds });
    const fgsm = await playCatch(dense, { episodeSeeds: seeds, attack: attacks.fgsm(), eps: 0.5, seed: 8 });
    const pgd = await playCatch(dense, { episodeSeeds: seeds, attack: attacks.pgd({ steps: 10 }), eps: 0.3, seed: 8 });
    // Clean ≥ 0.95; with 200 episodes the standard error of a mean return is at most 0.07.
    expect(clean.mean).toBeGreaterThanOrEqual(0.95);
    expect(fgsm.mean).toBeLessThan(clean.mean - 0.5);
    expect(pgd.mean).toBeLessThan(-0.5);
    expect(fgsm.flipRate).toBeGreaterThan(0.5);
  });

  it('leaks no tensors over whole attacked episodes, dense and SAP', async () => {
    const sap = withSap(net, { sampleFraction: 1, seed: 6 });
    const before = tf.memory().numTensors;
    await playCatch(dense, { episodes: 20, attack: attacks.pgd({ steps: 3 }), eps: 0.2, record: true });
    await playCatch(sap, { episodes: 20, samples: 3, attack: attacks.fgsm({ eotSamples: 3 }), eps: 0.2, batchSize: 7 });
    await playCatch(sap, { episodes: 10, samples: 2, attack: attacks.pgd({ steps: 2, eotSamples: 2 }), eps: 0.2 });
    await playCatch(sap, { episodes: 10, samples: 2 });
    expect(tf.memory().numTensors).toBe(before);
  });
});
