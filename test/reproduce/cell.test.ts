import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildAttack, certifiedCurve, computeCell, failedCell, loadCellInputs, needsRelu, type CellTask } from '../../lib/reproduce/cell';
import { clopperPearsonLower } from '../../lib/metrics/binomial';
import { normalQuantile } from '../../lib/metrics/normal';
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

  it('a smoothed defense: its certification cell (CERTIFY per image, radius sigma·PhiInv(pA_lower)) and PREDICT decisions in its other cells; same numbers twice; no leaks', async () => {
    const sc = buildConfig('smoothing', { n: 5, batchSize: 3, eps: [0, 0.5], predictSamples: 2, certify: { n0: 10, n: 300, alpha: 0.01, predictN: 40 }, attacks: [{ name: 'SmoothAdv', method: 'smoothAdv', steps: 2, noiseSamples: 2, only: ['smoothed-0.25'] }] });
    const inputs = await loadCellInputs(sc);
    const s = sc.defenses.find((d) => d.name === 'smoothed-0.25')!;
    const before = tf.memory().numTensors;
    let batches = 0;
    const task: CellTask = { key: 'smoothed-0.25__certify__eps0.000000', defense: s, eps: 0, certify: true };
    const a = await computeCell(inputs, task, () => void batches++);
    const b = await computeCell(inputs, task, () => {});
    expect(batches).toBe(2); // ceil(5 / 3)
    const cert = a.certificate!;
    expect(cert).toMatchObject({ sigma: 0.25, n0: 10, n: 300, alpha: 0.01 });
    expect(cert.labels).toEqual(Array.from(tf.tidy(() => inputs.data.y.slice([0], [5]).dataSync())));
    expect(b.certificate).toEqual(cert);
    for (let i = 0; i < 5; i++) {
      const pA = clopperPearsonLower(cert.countsA[i], 300, 0.01);
      expect(cert.pALower[i]).toBeCloseTo(pA, 12);
      if (pA < 0.5) expect([cert.predictions[i], cert.radii[i]]).toEqual([-1, 0]);
      else expect(cert.radii[i]).toBeCloseTo(0.25 * normalQuantile(pA), 10);
      expect(a.correct[i]).toBe(cert.predictions[i] === cert.labels[i] ? '1' : '0');
    }
    // Certified accuracy never rises with the radius; at 0 it is the cell's accuracy.
    const curve = certifiedCurve(a, [0, 0.25, 0.5, 1]);
    expect(curve[0].accuracy).toBe(a.accuracy);
    for (let k = 1; k < curve.length; k++) expect(curve[k].accuracy).toBeLessThanOrEqual(curve[k - 1].accuracy);
    const attacked = await computeCell(inputs, { key: 'smoothed-0.25__SmoothAdv__eps0.500000', defense: s, attack: sc.attacks[0], eps: 0.5 }, () => {});
    expect(attacked.smoothed!.predictions).toHaveLength(5);
    expect(attacked.correct).toBe(attacked.smoothed!.predictions.map((p, i) => (p === cert.labels[i] ? '1' : '0')).join(''));
    expect(attacked.gradientStats!.gradientCalls).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    inputs.inputs.dispose();
    inputs.extraNets.forEach((n) => n.dispose());
  }, 300_000);
});

