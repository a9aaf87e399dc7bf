import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { asModel, deriveSeed, fgsm, pgdAccuracy, Rng, trainAdversarial, trainClassifier, evaluateAccuracy } from 'saplab';

/**
 * A task with one robust feature and many non-robust ones: pixel 0 is 0.5 ± 0.25 (margin 0.15 over
 * its noise, more than eps 0.1), pixels 1..15 are 0.5 ± 0.06 plus noise — together very
 * predictive, but each flips under a 0.1 perturbation. Plain training leans on all of them;
 * adversarial training at eps 0.1 must rely on pixel 0.
 */
function task(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const xs = new Float32Array(n * 16);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = rng.next() < 0.5 ? 0 : 1;
    const s = label === 1 ? 1 : -1;
    ys[i] = label;
    xs[i * 16] = 0.5 + s * 0.25 + (rng.next() - 0.5) * 0.2;
    for (let j = 1; j < 16; j++) xs[i * 16 + j] = Math.min(1, Math.max(0, 0.5 + s * 0.06 + rng.normal() * 0.05));
  }
  return { x: tf.tensor4d(xs, [n, 4, 4, 1]), y: tf.tensor1d(ys) };
}

function tinyNet(seed: number): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 2, kernelInitializer: init(2) }),
    ],
  });
}

const quiet = { mode: 'off' as const };

describe('trainAdversarial', () => {
  it('one epoch of PGD training is more robust under PGD than plain training (tiny task)', async () => {
    const train = task(2048, 1);
    const test = task(400, 2);
    const plain = tinyNet(7);
    await trainClassifier(plain, train.x, train.y, { epochs: 1, batchSize: 32, lr: 0.01, seed: 3, progress: quiet });
    const robust = tinyNet(7);
    const before = tf.memory().numTensors;
    const r = await trainAdversarial(robust, train.x, train.y, { method: 'pgd', eps: 0.1, steps: 5, epochs: 1, batchSize: 32, lr: 0.01, seed: 3, progress: quiet });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.keptEpoch).toBe(1);
    const opts = { eps: 0.1, steps: 20, seed: 11 };
    const accPlain = pgdAccuracy(plain, test.x, test.y, opts);
    const accRobust = pgdAccuracy(robust, test.x, test.y, opts);
    // On 400 images one standard error of an accuracy is at most 2.5 points; the gap asked for is
    // 8 standard errors, and the robust model must keep most of its clean accuracy.
    expect(evaluateAccuracy(plain, test.x, test.y)).toBeGreaterThan(0.95);
    expect(accRobust).toBeGreaterThan(accPlain + 0.2);
    expect(accRobust).toBeGreaterThan(0.8);
    tf.dispose([train.x, train.y, test.x, test.y]);
  });

  it('fgsm recipe: from epoch 2, exactly 20% of the set, made with the previous epoch\'s weights', async () => {
    const n = 500;
    const { x, y } = task(n, 5);
    const net = tinyNet(9);
    const snapshots: tf.Tensor[][] = [net.getWeights().map((w) => w.clone())];
    const seen: { epoch: number; indices: Int32Array; adv: Float32Array }[] = [];
    await trainAdversarial(net, x, y, {
      method: 'fgsm',
      eps: 0.1,
      epochs: 3,
      batchSize: 50,
      lr: 0.01,
      seed: 4,
      progress: quiet,
      onEpoch: () => {
        snapshots.push(net.getWeights().map((w) => w.clone()));
      },
      onAdversarial: (epoch, indices, adv) => seen.push({ epoch, indices: Int32Array.from(indices), adv: adv.dataSync() as Float32Array }),
    });
    expect(seen.map((s) => s.epoch)).toEqual([2, 3]);
    for (const s of seen) {
      expect(s.indices.length).toBe(0.2 * n);
      expect(new Set(s.indices).size).toBe(s.indices.length);
      // Regenerate with the weights at the end of epoch s.epoch - 1 (snapshots[e] is after epoch e).
      const gen = (weights: tf.Tensor[]) => {
        const m = tinyNet(9);
        m.setWeights(weights);
        const ids = tf.tensor1d(s.indices, 'int32');
        const xs = tf.gather(x, ids) as tf.Tensor4D;
        const ys = tf.cast(tf.gather(y, ids), 'int32') as tf.Tensor1D;
        const a = fgsm(asModel(m), xs, ys, { eps: 0.1 });
        const out = a.dataSync() as Float32Array;
        tf.dispose([ids, xs, ys, a]);
        m.dispose();
        return out;
      };
      const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
      expect(maxDiff(gen(snapshots[s.epoch - 1]), s.adv)).toBeLessThan(1e-5);
      expect(maxDiff(gen(snapshots[s.epoch]), s.adv)).toBeGreaterThan(0.05); // not the epoch's own final weights
    }
    // Different epochs draw different subsets.
    expect(Array.from(seen[0].indices)).not.toEqual(Array.from(seen[1].indices));
    snapshots.forEach((w) => tf.dispose(w));
    tf.dispose([x, y]);
  });

  it('keeps the epoch with the best held-out PGD accuracy and logs it', async () => {
    const train = task(512, 3);
    const held = task(100, 4);
    const net = tinyNet(2);
    const r = await trainAdversarial(net, train.x, train.y, { method: 'fast', eps: 0.1, epochs: 3, batchSize: 32, lr: 0.01, seed: 1, heldOut: held, checkSteps: 5, progress: quiet });
    const accs = r.log.map((e) => e.robustAccuracy!);
    expect(accs.every((a) => a >= 0 && a <= 1)).toBe(true);
    expect(r.keptEpoch).toBe(accs.indexOf(Math.max(...accs)) + 1);
    // The weights restored are the kept epoch's: its held-out check (same PGD seed) is reproduced.
    expect(pgdAccuracy(net, held.x, held.y, { eps: 0.1, steps: 5, seed: deriveSeed(1, 'check', r.keptEpoch) })).toBe(accs[r.keptEpoch - 1]);
    tf.dispose([train.x, train.y, held.x, held.y]);
  });

  it('rejects bad options with clear messages', async () => {
    const { x, y } = task(10, 1);
    const net = tinyNet(1);
    await expect(trainAdversarial(net, x, y, { method: 'bim' as never })).rejects.toThrow(/method must be one of fgsm, pgd, fast/);
    await expect(trainAdversarial(net, x, y, { method: 'pgd', eps: -1 })).rejects.toThrow(/eps must be in/);
    await expect(trainAdversarial(net, x, y, { method: 'fgsm', mix: 1.5 })).rejects.toThrow(/mix must be in/);
    await expect(trainAdversarial(net, x, y, { method: 'pgd', steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
    await expect(trainAdversarial(net, x, y, { method: 'fast', keep: 'best' })).rejects.toThrow(/needs a heldOut slice/);
    tf.dispose([x, y]);
  });
});
