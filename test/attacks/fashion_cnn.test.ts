/**
 * The attacks against the shipped dense Fashion-MNIST CNN: 500 test images, L-inf eps 0.1.
 * Each attack must cut accuracy far below clean accuracy (an attack that does nothing would
 * fail), PGD must be at least as strong as FGSM, and restarts must never weaken PGD.
 * Measured on the shipped model (tfjs wasm backend): clean 0.918, FGSM 0.146, PGD-20 0.030,
 * APGD-CE-10 0.038, Square-100 0.296; the bounds below leave a wide margin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { asModel, attacks, loadFashionMnist, loadPretrained, pgd, robustAccuracy, type Attack, type Model, type RobustAccuracyResult } from 'saplab';
import { expectNoLeak } from '../helpers';

const EPS = 0.1;

describe('attacks on the shipped Fashion-MNIST CNN (500 test images, eps 0.1)', () => {
  let model: Model;
  let x: tf.Tensor4D;
  let y: tf.Tensor1D;
  const results: Record<string, RobustAccuracyResult> = {};

  beforeAll(async () => {
    model = asModel(await loadPretrained('fashion-cnn'));
    ({ x, y } = await loadFashionMnist({ split: 'test', limit: 500 }));
  });
  afterAll(() => tf.dispose([x, y]));

  // Batches of 200 (200 + 200 + 100: the batch size need not divide n).
  const sweep = (name: string, attack: Attack) =>
    expectNoLeak(async () => {
      const res = await robustAccuracy(model, attack, x, y, { eps: [0, EPS], batchSize: 200, seed: 1 });
      results[name] = res;
      process.stderr.write(`${attack.label}: clean ${res.accuracy[0].toFixed(3)}, eps ${EPS} ${res.accuracy[1].toFixed(3)} (${res.seconds[1].toFixed(1)} s)\n`);
      return res;
    });

  it('FGSM cuts accuracy far below clean', async () => {
    const res = await sweep('fgsm', attacks.fgsm());
    expect(res.accuracy[0]).toBeGreaterThan(0.85);
    expect(res.accuracy[1]).toBeLessThan(0.3);
  });

  it('PGD-20 cuts accuracy below 10% and is at least as strong as FGSM', async () => {
    const res = await sweep('pgd', attacks.pgd({ steps: 20 }));
    expect(res.accuracy[1]).toBeLessThan(0.1);
    expect(res.accuracy[1]).toBeLessThanOrEqual(results.fgsm.accuracy[1]);
  });

  it('APGD-CE (10 steps) cuts accuracy below 10%', async () => {
    const res = await sweep('apgd', attacks.apgd({ steps: 10 }));
    expect(res.accuracy[1]).toBeLessThan(0.1);
  });

  it('Square (100 queries, no gradients) cuts accuracy far below clean', async () => {
    const res = await sweep('square', attacks.square({ queries: 100 }));
    expect(res.accuracy[1]).toBeLessThan(0.45);
  });

  it('restarts never make PGD weaker (100 images, PGD-3)', async () => {
    const xs = x.slice(0, 100);
    const ys = y.slice(0, 100);
    const wrong = (adv: tf.Tensor4D) =>
      tf.tidy(() => Array.from(tf.notEqual(tf.argMax(model(adv), 1), tf.cast(ys, 'int32')).dataSync(), Boolean));
    const opts = { eps: 0.03, steps: 3, seed: 7 };
    const [one, three] = await expectNoLeak(
      () => {
        const a = pgd(model, xs, ys, opts);
        const b = pgd(model, xs, ys, { ...opts, restarts: 3 });
        const out = [wrong(a), wrong(b)];
        tf.dispose([a, b]);
        return out;
      },
    );
    one.forEach((broken, i) => broken && expect(three[i]).toBe(true));
    expect(three.filter(Boolean).length).toBeGreaterThanOrEqual(one.filter(Boolean).length);
    tf.dispose([xs, ys]);
  });
});
