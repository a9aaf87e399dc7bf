import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, trainClassifier, loadFashionMnist } from 'saplab';

describe('trainClassifier', () => {
  it('learns, and the same seed gives the same weights', async () => {
    const { x, y } = await loadFashionMnist({ limit: 256 });
    const run = async () => {
      const m = fashionCnn({ seed: 3 });
      const log = await trainClassifier(m, x, y, { epochs: 2, batchSize: 64, seed: 5, progress: { mode: 'off' } });
      return { m, log };
    };
    const a = await run();
    const b = await run();
    expect(a.log[1].loss).toBeLessThan(a.log[0].loss);
    expect(a.log[1].trainAccuracy).toBeGreaterThan(0.3); // chance is 0.1
    expect(Array.from(a.m.getWeights()[0].dataSync())).toEqual(Array.from(b.m.getWeights()[0].dataSync()));
    await expect(trainClassifier(a.m, x, y, { epochs: 0 })).rejects.toThrow(/epochs/);
    tf.dispose([x, y]);
  });

  it('noiseSigma trains on x + N(0, sigma^2) noise, seeded; sigma 0 leaves the batches clean', async () => {
    const { x, y } = await loadFashionMnist({ limit: 128 });
    const sigma = 0.25;
    const seen: number[][] = [];
    const run = async (noiseSigma: number) => {
      const m = fashionCnn({ seed: 3 });
      const diffs: number[] = [];
      await trainClassifier(m, x, y, {
        epochs: 1,
        batchSize: 64,
        seed: 5,
        noiseSigma,
        progress: { mode: 'off' },
        batchInputs: (xb, _yb, { indices }) => {
          const clean = tf.gather(x, tf.tensor1d(indices, 'int32'));
          diffs.push(...Array.from(tf.sub(xb, clean).dataSync()));
          return xb;
        },
      });
      seen.push(diffs);
      return Array.from(m.getWeights()[0].dataSync());
    };
    const a = await run(sigma);
    const b = await run(sigma);
    const plain = await run(0);
    expect(a).toEqual(b);
    expect(a).not.toEqual(plain);
    const d = seen[0];
    const meanSq = d.reduce((s, v) => s + v * v, 0) / d.length;
    expect(Math.abs(meanSq - sigma ** 2)).toBeLessThan(5 * Math.sqrt(2 / d.length) * sigma ** 2);
    expect(seen[2].every((v) => v === 0)).toBe(true);
    await expect(trainClassifier(fashionCnn({ seed: 3 }), x, y, { noiseSigma: -1 })).rejects.toThrow(/noiseSigma must be a finite number >= 0/);
    tf.dispose([x, y]);
  });
});
