import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { AUTOATTACK_VERSIONS, autoAttack, wilsonInterval, type AutoAttackResult, type Model, type SuiteAttackName, type TransferEntry } from 'saplab';
import { expectNoLeak } from '../helpers';
import { inputDropout, linearLogits, linearModel, randomInputs, randomWeights } from './tiny_models';

const shape: [number, number, number] = [4, 4, 1];
const d = 16;
const n = 24;
const classes = 5;
const model = linearModel(randomWeights(d, classes, 71), [0.1, 0, -0.1, 0.05, -0.05]);
const argmax = (v: number[]) => v.indexOf(Math.max(...v));
const xs = randomInputs(n, d, 72, 0.3, 0.7);
// Labels: the model's own prediction, except every sixth, which is wrong (clean misclassified).
const labels = Array.from({ length: n }, (_, i) => {
  const c = argmax(linearLogits(model, xs.slice(i * d, (i + 1) * d)));
  return i % 6 === 5 ? (c + 1) % classes : c;
});
// Small budgets for a fast test. At eps 0.04, with these seeds, APGD-CE breaks 12 of the 20
// clean-correct images, APGD-T one more, Square none; 7 stay robust.
const budget = { eps: 0.04, steps: 8, targetClasses: 2, squareQueries: 40, seed: 5 };

/** Wraps a model and records the number of rows of every call. */
function recording(base: Model): Model & { rows: number[] } {
  const rows: number[] = [];
  const m = ((x: tf.Tensor4D) => {
    rows.push(x.shape[0]);
    return base(x);
  }) as Model & { rows: number[] };
  m.stochastic = base.stochastic;
  m.rows = rows;
  return m;
}

function checkBookkeeping(res: AutoAttackResult, attacks: readonly SuiteAttackName[]) {
  // Attribution adds up: every image is robust or broken by exactly one stage.
  const cleanWrong = res.cleanCorrect.filter((v) => !v).length;
  expect(res.brokenBy.filter((b) => b === 'clean').length).toBe(cleanWrong);
  let open = n - cleanWrong;
  res.attacks.forEach((row, k) => {
    expect(row.name).toBe(attacks[k]);
    expect(row.attacked).toBe(open);
    expect(row.robustAfter).toBe(row.attacked - row.broken);
    expect(res.brokenBy.filter((b) => b === row.name).length).toBe(row.broken);
    open = row.robustAfter;
  });
  expect(res.robust.filter(Boolean).length).toBe(open);
  expect(cleanWrong + res.attacks.reduce((s, r) => s + r.broken, 0) + open).toBe(n);
  // robust[i] = clean[i] AND every cell that ran; a cell runs exactly on the images still robust.
  for (let i = 0; i < n; i++) {
    const ran = attacks.map((a) => res.cells[a][i]).filter((v) => v !== null);
    expect(res.robust[i]).toBe(res.cleanCorrect[i] && ran.every(Boolean));
    const firstBreak = attacks.findIndex((a) => res.cells[a][i] === false);
    attacks.forEach((a, k) => {
      const shouldRun = res.cleanCorrect[i] && (firstBreak < 0 || k <= firstBreak);
      expect(res.cells[a][i] !== null).toBe(shouldRun);
    });
  }
  expect(res.robustAccuracy).toBeCloseTo(open / n, 12);
  expect(res.interval).toEqual(wilsonInterval(open, n));
}

describe('autoAttack', () => {
  const x = tf.tensor4d(xs, [n, ...shape]);
  const y = tf.tensor1d(labels, 'int32');

  it('standard: runs APGD-CE, APGD-T, Square in sequence on the images still robust; attribution adds up', async () => {
    const m = recording(model);
    const res = await autoAttack(m, x, y, budget);
    expect(res.version).toBe('standard');
    expect(res.predictSamples).toBe(1);
    expect(res.attacks.map((r) => r.label)).toEqual(['apgd-ce(steps=8)', 'apgd-t(targets=2, steps=8)', 'square(queries=40)']);
    checkBookkeeping(res, AUTOATTACK_VERSIONS.standard);
    expect(res.cleanAccuracy).toBeCloseTo(20 / 24, 12);
    // The first two attacks each broke something and left something: the test exercises the bookkeeping.
    expect(res.attacks[0].broken).toBeGreaterThan(0);
    expect(res.attacks[1].broken).toBeGreaterThan(0);
    expect(res.attacks[1].robustAfter).toBeGreaterThan(0);
    expect(res.strongest).toBe('apgd-ce');
    // After the class-count call and the clean pass (n rows), APGD-CE calls the model on the 20
    // clean-correct images only, on fewer as they break (early stopping), then predicts all 20;
    // APGD-T then starts on the images APGD-CE left robust.
    expect(m.rows[1]).toBe(n);
    const ce = m.rows.slice(2);
    expect(ce[0]).toBe(20);
    let j = 1;
    while (j < ce.length && ce[j] <= ce[j - 1]) j++;
    expect(ce[j - 1]).toBeLessThan(20);
    expect(ce[j]).toBe(20);
    expect(ce[j + 1]).toBe(res.attacks[1].attacked);
    expect(res.attacks[1].attacked).toBe(20 - res.attacks[0].broken);
  });

  it('robust accuracy equals the per-image minimum over the attack cells run separately on every image', async () => {
    const res = await autoAttack(model, x, y, budget);
    const single = await Promise.all(AUTOATTACK_VERSIONS.standard.map((a) => autoAttack(model, x, y, { ...budget, attacks: [a] })));
    for (let i = 0; i < n; i++) {
      const alone = single.map((s) => s.robust[i]);
      expect(res.robust[i]).toBe(res.cleanCorrect[i] && alone.every(Boolean));
      // Where the sequence ran an attack on an image, it found what that attack finds alone.
      AUTOATTACK_VERSIONS.standard.forEach((a, k) => {
        const c = res.cells[a][i];
        if (c !== null) expect(c).toBe(single[k].cells[a][i]);
      });
    }
    const worst = single.reduce((acc, s) => acc.map((v, i) => v && s.robust[i]), res.cleanCorrect.slice());
    expect(res.robustAccuracy).toBeCloseTo(worst.filter(Boolean).length / n, 12);
  });

  it('a split of the images into batches, or into two calls with their image ids, gives the same numbers', async () => {
    const whole = await autoAttack(model, x, y, budget);
    const batched = await autoAttack(model, x, y, { ...budget, batchSize: 7 });
    expect(batched.robust).toEqual(whole.robust);
    expect(batched.brokenBy).toEqual(whole.brokenBy);
    const half = n / 2;
    const parts = await Promise.all(
      [0, half].map(async (start) => {
        const xp = tf.slice(x, [start, 0, 0, 0], [half, -1, -1, -1]);
        const yp = tf.slice(y, [start], [half]);
        const ids = Array.from({ length: half }, (_, i) => start + i);
        const r = await autoAttack(model, xp, yp, { ...budget, imageIds: ids });
        tf.dispose([xp, yp]);
        return r;
      }),
    );
    expect([...parts[0].brokenBy, ...parts[1].brokenBy]).toEqual(whole.brokenBy);
  });

  it('rand: APGD-CE and APGD-DLR with EOT 20 by default on a stochastic model, predictions averaged over K passes; seeded', async () => {
    const run = () => autoAttack(inputDropout(model, 0.05, 3), x, y, { eps: 0.12, steps: 5, eotSamples: 3, predictSamples: 16, seed: 2 });
    const res = await run();
    expect(res.version).toBe('rand');
    expect(res.predictSamples).toBe(16);
    expect(res.attacks.map((r) => r.label)).toEqual(['apgd-ce(steps=5, eot=3)', 'apgd-dlr(steps=5, eot=3)']);
    checkBookkeeping(res, AUTOATTACK_VERSIONS.rand);
    const again = await run();
    expect(again.brokenBy).toEqual(res.brokenBy);
    // Defaults of the rand version: 100 iterations, EOT 20, K = 100 for a stochastic model.
    const calls = recording(inputDropout(model, 0.05, 3));
    const one = tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]);
    const yOne = tf.slice(y, [0], [1]);
    const r1 = await autoAttack(calls, one, yOne, { eps: 0.01, attacks: ['apgd-ce'] });
    expect(r1.attacks[0].label).toBe('apgd-ce(steps=100, eot=20)');
    expect(r1.predictSamples).toBe(100);
    tf.dispose([one, yOne]);
  });

  it('returnAdv: per image the output of the attack that broke it, the clean input for clean-misclassified ones; onStats sees every APGD call', async () => {
    let calls = 0;
    const res = await autoAttack(model, x, y, { ...budget, returnAdv: true, onStats: (st) => (calls += st.gradientCalls) });
    const adv = res.adv!;
    expect(adv.shape).toEqual([n, ...shape]);
    const a = Array.from(adv.dataSync());
    for (let i = 0; i < n; i++) {
      const row = a.slice(i * d, (i + 1) * d);
      const pred = argmax(linearLogits(model, row));
      if (res.brokenBy[i] === 'clean') expect(row).toEqual(xs.slice(i * d, (i + 1) * d).map(Math.fround));
      else if (res.brokenBy[i] !== null) expect(pred).not.toBe(labels[i]);
      else expect(pred).toBe(labels[i]);
      row.forEach((v, k) => expect(Math.abs(v - xs[i * d + k])).toBeLessThanOrEqual(budget.eps + 1e-6));
    }
    expect(calls).toBeGreaterThan(0);
    adv.dispose();
  });

  it('surrogate: the transfer stage runs first on the surrogate, is judged on the model, and warm-starts the APGD attacks', async () => {
    // A stochastic model whose expectation is the linear model (inverted input dropout), and the
    // linear model as its surrogate.
    const noisy = () => inputDropout(model, 0.05, 3);
    const surrogate = recording(model);
    const res = await autoAttack(noisy(), x, y, { eps: 0.12, steps: 5, eotSamples: 3, predictSamples: 16, seed: 2, surrogate, surrogateSteps: 7, returnAdv: true });
    expect(res.attacks.map((r) => r.name)).toEqual(['transfer', 'apgd-ce', 'apgd-dlr']);
    expect(res.attacks[0].label).toBe('transfer(apgd-ce on the surrogate, steps=7)');
    checkBookkeeping(res, ['transfer', 'apgd-ce', 'apgd-dlr']);
    // The surrogate ran once per step (and its start) on the clean-correct images, in one batch.
    expect(surrogate.rows).toEqual(new Array(8).fill(res.attacks[0].attacked));
    // It transfers: the linear model's own adversarial examples break most images here.
    expect(res.attacks[0].broken).toBeGreaterThan(res.attacks[0].attacked / 2);
    res.adv!.dispose();
    // Without the surrogate, the same budget: the transfer stage and the warm start make the
    // suite at least as strong on these images (it can only add breaks that carry over).
    const cold = await autoAttack(noisy(), x, y, { eps: 0.12, steps: 5, eotSamples: 3, predictSamples: 16, seed: 2 });
    expect(res.robustAccuracy).toBeLessThanOrEqual(cold.robustAccuracy);
  });

  it('transferCache: rows sharing a surrogate compute its transfer stage once, and a hit gives what computing gives', async () => {
    const surrogate = recording(model);
    const store = new Map<string, TransferEntry>();
    const cache = { key: 'linear', seed: 9, store };
    const opts = { eps: 0.12, steps: 4, eotSamples: 2, predictSamples: 8, seed: 2, surrogate, surrogateSteps: 6 };
    const a = await autoAttack(inputDropout(model, 0.05, 3), x, y, { ...opts, transferCache: cache });
    // Computed on every image of x (not only the clean-correct ones), once per step and its start.
    expect(surrogate.rows).toEqual(new Array(7).fill(n));
    expect(store.size).toBe(1);
    const draws = (into: number[]) => (st: { draws: number }) => into.push(st.draws);
    const hitDraws: number[] = [];
    const missDraws: number[] = [];
    const b = await autoAttack(inputDropout(model, 0.1, 4), x, y, { ...opts, seed: 3, transferCache: cache, onStats: draws(hitDraws) });
    expect(surrogate.rows.length).toBe(7); // a hit: the surrogate did not run again
    checkBookkeeping(b, ['transfer', 'apgd-ce', 'apgd-dlr']);
    const fresh = await autoAttack(inputDropout(model, 0.1, 4), x, y, { ...opts, seed: 3, transferCache: { ...cache, store: new Map() }, onStats: draws(missDraws) });
    expect(b.cells).toEqual(fresh.cells);
    // A hit reports the stage's statistics as computing it does: the draws do not depend on the thread.
    const sum = (v: number[]) => v.reduce((t, u) => t + u, 0);
    expect(sum(hitDraws)).toBe(sum(missDraws));
    expect(hitDraws[0]).toBe(7 * n);
    expect(b.robust).toEqual(fresh.robust);
    // Another eps or another seed of the stage is another entry.
    await autoAttack(inputDropout(model, 0.05, 3), x, y, { ...opts, eps: 0.1, transferCache: cache });
    await autoAttack(inputDropout(model, 0.05, 3), x, y, { ...opts, transferCache: { ...cache, seed: 10 } });
    expect(store.size).toBe(3);
    expect(surrogate.rows.length).toBe(4 * 7); // a, fresh (its own store), eps 0.1, seed 10
    await expect(autoAttack(model, x, y, { eps: 0.1, transferCache: cache })).rejects.toThrow(/transferCache needs a surrogate/);
    await expect(autoAttack(model, x, y, { eps: 0.1, surrogate: model, transferCache: { key: 'k', seed: 1, store: {} as Map<string, TransferEntry> } })).rejects.toThrow(/transferCache must be/);
    await expectNoLeak(() => autoAttack(inputDropout(model, 0.05, 1), x, y, { ...opts, transferCache: { key: 'k', seed: 1, store: new Map() } }));
  });

  it('surrogate: refuses a stochastic surrogate, a transfer without one, a transfer that is not first', async () => {
    await expect(autoAttack(model, x, y, { eps: 0.1, attacks: ['transfer', 'apgd-ce'] })).rejects.toThrow(/needs a surrogate/);
    await expect(autoAttack(model, x, y, { eps: 0.1, surrogate: inputDropout(model, 0.1, 1) })).rejects.toThrow(/surrogate must be deterministic/);
    await expect(autoAttack(model, x, y, { eps: 0.1, surrogate: model, attacks: ['apgd-ce'] })).rejects.toThrow(/does not include 'transfer'/);
    await expect(autoAttack(model, x, y, { eps: 0.1, surrogate: model, attacks: ['apgd-ce', 'transfer'] })).rejects.toThrow(/'transfer' must come first/);
    await expect(autoAttack(model, x, y, { eps: 0.1, surrogate: model, surrogateSteps: 0 })).rejects.toThrow(/surrogateSteps/);
  });

  it('at eps 0 runs no attack: robust accuracy is the clean accuracy', async () => {
    const res = await autoAttack(model, x, y, { ...budget, eps: 0 });
    expect(res.robust).toEqual(res.cleanCorrect);
    res.attacks.forEach((r) => expect(r.attacked).toBe(0));
  });

  it('rejects bad options with clear errors', async () => {
    const three = linearModel(randomWeights(d, 3, 73), [0, 0, 0]);
    const y3 = tf.tensor1d(labels.map((l) => l % 3), 'int32');
    await expect(autoAttack(model, x, y, { eps: -1 })).rejects.toThrow(/eps must be a finite number >= 0/);
    await expect(autoAttack(model, x, y, { eps: 0.1, attacks: ['fab-t' as SuiteAttackName] })).rejects.toThrow(/unknown attack "fab-t"/);
    await expect(autoAttack(model, x, y, { eps: 0.1, attacks: ['apgd-ce', 'apgd-ce'] })).rejects.toThrow(/must not repeat/);
    await expect(autoAttack(model, x, y, { eps: 0.1, norm: 'l2', attacks: ['square'] })).rejects.toThrow(/L-inf norm only/);
    await expect(autoAttack(three, x, y3, { eps: 0.1, attacks: ['apgd-t'] })).rejects.toThrow(/at least 4 classes/);
    await expect(autoAttack(model, x, y, { eps: 0.1, version: 'plus' as 'rand' })).rejects.toThrow(/version must be/);
    y3.dispose();
  });

  it('leaves no tensors behind', async () => {
    await expectNoLeak(() => autoAttack(model, x, y, { ...budget, batchSize: 10 }));
    await expectNoLeak(() => autoAttack(model, x, y, { ...budget, returnAdv: true }), (r) => r.adv!.dispose());
    await expectNoLeak(() => autoAttack(inputDropout(model, 0.05, 1), x, y, { eps: 0.1, steps: 3, eotSamples: 2, predictSamples: 4, attacks: ['apgd-dlr', 'square'], squareQueries: 10 }));
    await expectNoLeak(() => autoAttack(inputDropout(model, 0.05, 1), x, y, { eps: 0.1, steps: 3, eotSamples: 2, predictSamples: 4, surrogate: model, surrogateSteps: 3, returnAdv: true }), (r) => r.adv!.dispose());
  });
});
