import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildAttack, computeCell, failedCell, loadCellInputs, needsRelu, type CellTask } from '../../lib/reproduce/cell';
import { buildConfig } from '../../lib/reproduce/presets';

const config = buildConfig('quick', {
  n: 10,
  eps: [0, 0.1],
  predictSamples: 2,
  batchSize: 4,
  defenses: [
    { name: 'dense', kind: 'dense' },
    { name: 'SAP-100', kind: 'sap', sampleFraction: 1 },
  ],
  attacks: [{ name: 'PGD-EOT', method: 'pgd', steps: 2, eotSamples: 2 }],
});

describe('computeCell', () => {
  it('same task, same per-image correctness; an attack lowers accuracy; no leaks', async () => {
    const inputs = await loadCellInputs(config);
    const [dense, sap] = config.defenses;
    const attack = config.attacks[0];
    const before = tf.memory().numTensors;
    let batches = 0;
    const task: CellTask = { key: 'SAP-100__PGD-EOT__0.1', defense: sap, attack, eps: 0.1 };
    const a = await computeCell(inputs, task, () => void batches++);
    const b = await computeCell(inputs, task, () => {});
    expect(batches).toBe(3); // ceil(10 / 4)
    expect(a.correct).toHaveLength(10);
    expect(a.correct).toBe(b.correct);
    expect(a.accuracy).toBeCloseTo([...a.correct].filter((c) => c === '1').length / 10, 12);
    expect(a.gradientStats?.gradientCalls).toBeGreaterThan(0);
    const clean = await computeCell(inputs, { key: 'dense__clean__0', defense: dense, eps: 0 }, () => {});
    const attacked = await computeCell(inputs, { key: 'dense__PGD-EOT__0.1', defense: dense, attack, eps: 0.1 }, () => {});
    expect(attacked.accuracy).toBeLessThan(clean.accuracy);
    expect(clean.gradientStats).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
    inputs.inputs.dispose();
    inputs.extraNets.forEach((n) => n.dispose());
  }, 120_000);

  it('failedCell records the error with NaN metrics; needsRelu only for SAP and random pruning', () => {
    const f = failedCell({ key: 'k', defense: config.defenses[1], attack: config.attacks[0], eps: 0.1 }, 10, 1.5, 'boom');
    expect(f).toMatchObject({ key: 'k', defense: 'SAP-100', attack: 'PGD-EOT', eps: 0.1, n: 10, seconds: 1.5, error: 'boom', correct: '' });
    expect(f.accuracy).toBeNaN();
    expect(needsRelu(config)).toBe(true);
    expect(needsRelu({ ...config, defenses: [config.defenses[0]] })).toBe(false);
    expect(typeof buildAttack(config.attacks[0], true)).toBe('function');
  });

  it("buildAttack passes the spec's options to the attack as given (APGD keeps its margin loss)", () => {
    expect(buildAttack({ name: 'A', method: 'apgd', loss: 'margin', steps: 5 }, false).label).toBe('apgd(loss=margin, steps=5)');
    expect(buildAttack({ name: 'A', method: 'apgd', loss: 'margin', eotSamples: 4 }, true).label).toBe('apgd(loss=margin, eot=4)');
    // EOT only against a stochastic model; one pass per score of a deterministic one.
    expect(buildAttack({ name: 'P', method: 'pgd', eotSamples: 4, bpda: true, only: ['x'] }, false).label).toBe('pgd');
    expect(buildAttack({ name: 'S', method: 'square', queries: 9, predictSamples: 3 }, false).label).toBe('square(queries=9, samples=1)');
  });
  it('an autoattack cell: accuracy is the suite per-image worst case, the same for any batch size; attribution and gradient stats recorded', async () => {
    const suite = { name: 'AutoAttack', method: 'autoattack', version: 'rand', steps: 3, eotSamples: 2 } as const;
    const c = { ...config, attacks: [suite] };
    const inputs = await loadCellInputs(c);
    const before = tf.memory().numTensors;
    const [dense, sap] = c.defenses;
    const task = (d: typeof dense): CellTask => ({ key: `${d.name}__AutoAttack__0.1`, defense: d, attack: suite, eps: 0.1 });
    const a = await computeCell(inputs, task(sap), () => {});
    expect(a.correct).toHaveLength(10);
    expect(a.accuracy).toBeCloseTo([...a.correct].filter((v) => v === '1').length / 10, 12);
    const brokenBy = a.suite!.brokenBy.split(',');
    expect(brokenBy).toHaveLength(10);
    brokenBy.forEach((b, i) => expect(b === '-').toBe(a.correct[i] === '1'));
    expect(a.suite!.attacks.map((r) => r.name)).toEqual(['apgd-ce', 'apgd-dlr']);
    a.suite!.attacks.forEach((r) => expect(brokenBy.filter((b) => b === r.name).length).toBe(r.broken));
    expect(a.gradientStats!.gradientCalls).toBeGreaterThan(0);
    // The suite keys its randomness by image: on the deterministic model, batches of 4 or of 10 agree.
    const d4 = await computeCell(inputs, task(dense), () => {});
    const d10 = await computeCell({ ...inputs, config: { ...c, batchSize: 10 } }, task(dense), () => {});
    expect(d4.correct).toBe(d10.correct);
    expect(d4.suite!.brokenBy).toBe(d10.suite!.brokenBy);
    expect(tf.memory().numTensors).toBe(before);
    inputs.inputs.dispose();
    inputs.extraNets.forEach((n) => n.dispose());
  }, 300_000);
});
