import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import type * as tf from '@tensorflow/tfjs';
import { asModel, attacks, episodeSeeds, loadPretrained, meanReturnInterval, playCatch, type Model } from 'saplab';

let net: tf.LayersModel;
let dense: Model;
beforeAll(async () => {
  net = await loadPretrained('catch-dqn');
  dense = asModel(net, 'dense');
});
afterAll(() => net.dispose());

describe('playCatch', () => {
  it('the shipped dense agent catches every ball; returns are ±1; the same episode seeds give the same returns', async () => {
    const seeds = episodeSeeds(4, 120);
    const r1 = await playCatch(dense, { episodeSeeds: seeds, batchSize: 50 });
    const r2 = await playCatch(dense, { episodeSeeds: seeds, batchSize: 120 });
    expect(Array.from(r1.returns)).toEqual(Array.from(r2.returns));
    expect(r1.mean).toBeGreaterThanOrEqual(0.95);
    expect(Array.from(r1.returns).every((v) => v === 1 || v === -1)).toBe(true);
  });

  it('meanReturnInterval: Wilson interval of the catch rate mapped to returns; normal interval otherwise', () => {
    const ci = meanReturnInterval([1, 1, 1, -1]);
    expect(ci.mean).toBe(0.5);
    // Wilson 95% for 3/4: [0.3006, 0.9544].
    expect(ci.low).toBeCloseTo(2 * 0.30064 - 1, 3);
    expect(ci.high).toBeCloseTo(2 * 0.95441 - 1, 3);
    const all = meanReturnInterval(new Array(100).fill(1));
    expect(all.high).toBe(1);
    expect(all.low).toBeLessThan(1);
    const cont = meanReturnInterval([0, 2]);
    expect(cont.mean).toBe(1);
    expect(cont.high - cont.mean).toBeCloseTo((1.96 * Math.SQRT2) / Math.SQRT2, 9);
    expect(() => meanReturnInterval([])).toThrow(/no returns/);
  });

  it('rejects eps without an attack and bad sizes', async () => {
    await expect(playCatch(dense, { episodes: 2, eps: 0.1 })).rejects.toThrow(/needs an attack/);
    await expect(playCatch(dense, { episodes: 2, eps: -1, attack: attacks.fgsm() })).rejects.toThrow(/eps/);
    await expect(playCatch(dense, { episodes: 2, batchSize: 0 })).rejects.toThrow(/batchSize/);
  });
});

