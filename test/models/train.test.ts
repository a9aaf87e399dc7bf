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
});
