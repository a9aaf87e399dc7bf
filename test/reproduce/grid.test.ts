import { describe, expect, it } from 'vitest';
import { attackEps, cellCost, certifyCost, gridCells, gridCost, gridPairs } from '../../lib/reproduce/grid';
import { buildConfig, presetConfig } from '../../lib/reproduce/presets';

describe('gridPairs', () => {
  it('BPDA is not run against the dense model, and every defense has a clean cell', () => {
    const c = presetConfig('quick');
    const pairs = gridPairs(c);
    expect(pairs.filter((p) => !p.attack).map((p) => p.defense.name)).toEqual(c.defenses.map((d) => d.name));
    expect(pairs.some((p) => p.attack?.bpda && p.defense.kind === 'dense')).toBe(false);
  });
});

describe('cellCost', () => {
  it('counts forward-pass equivalents per cell, and the grid is their sum', () => {
    const c = presetConfig('default');
    const dense = c.defenses.find((d) => d.name === 'dense')!;
    const sap = c.defenses.find((d) => d.name === 'SAP-100')!;
    const attack = (name: string) => c.attacks.find((a) => a.name === name)!;
    expect(cellCost(c, dense)).toBe(c.n);
    expect(cellCost(c, sap)).toBe(c.n * c.predictSamples);
    expect(cellCost(c, dense, attack('FGSM'))).toBe(c.n * (3 + 1));
    // FGSM-MC on SAP-100: 3 passes a gradient × EOT samples (one step), plus the averaged prediction.
    const mc = attack('FGSM-MC');
    expect(cellCost(c, sap, mc)).toBe(c.n * (3 * mc.eotSamples! + c.predictSamples));
    // PGD-EOT at eps 0.5 on SAP-100: × steps.
    const large = attack('PGD-EOT-large-eps');
    expect(cellCost(c, sap, large)).toBe(c.n * (3 * large.eotSamples! * large.steps! + c.predictSamples));
    let sum = 0;
    for (const { defense, attack: a } of gridPairs(c)) sum += (a ? attackEps(c, a).length : 1) * cellCost(c, defense, a);
    expect(gridCost(c)).toBe(sum);
  });

  it('an autoattack cell costs at most every attack of the suite on every image, plus a prediction after each', () => {
    const c = presetConfig('default');
    const dense = c.defenses.find((d) => d.name === 'dense')!;
    const sap = c.defenses.find((d) => d.name === 'SAP-100')!;
    const suite = c.attacks.find((a) => a.name === 'AutoAttack')!;
    const apgd = (eot: number) => 3 * eot * (suite.steps! + 1);
    // rand: APGD-CE and APGD-DLR; EOT only on the stochastic defense.
    // With its transfer stage on a stochastic row: 100 steps on the surrogate (one pass a step) and a prediction.
    expect(suite.surrogate).toBe(true);
    const transfer = 3 * 100 + c.predictSamples;
    expect(cellCost(c, sap, suite)).toBe(c.n * (c.predictSamples + transfer + 2 * (apgd(suite.eotSamples!) + c.predictSamples)));
    expect(cellCost(c, dense, suite)).toBe(c.n * (1 + 2 * (apgd(1) + 1)));
    // standard: APGD-CE, APGD-T over 9 targets (one scoring pass each), Square 5000 queries.
    const standard = { ...suite, version: 'standard' as const };
    expect(cellCost(c, dense, standard)).toBe(c.n * (1 + (apgd(1) + 1) + (9 * (apgd(1) + 1) + 1) + (5000 + 1)));
  });
});

describe('cellCost with left-out keys', () => {
  it("uses the attacks' own defaults (pgd 40 steps, apgd 100, square 5000 queries and 10 passes on a stochastic model)", () => {
    const c = { ...presetConfig('quick'), n: 1, predictSamples: 4 };
    const dense = c.defenses.find((d) => d.kind === 'dense')!;
    const sap = c.defenses.find((d) => d.kind === 'sap')!;
    expect(cellCost(c, dense, { name: 'P', method: 'pgd' })).toBe(3 * 40 + 1);
    expect(cellCost(c, sap, { name: 'P', method: 'pgd', eotSamples: 2, restarts: 3 })).toBe(3 * 2 * 40 * 3 + 4);
    expect(cellCost(c, dense, { name: 'A', method: 'apgd', restarts: 2 })).toBe(3 * 100 * 2 + 1);
    expect(cellCost(c, dense, { name: 'S', method: 'square' })).toBe(5000 + 1);
    expect(cellCost(c, sap, { name: 'S', method: 'square' })).toBe(5000 * 10 + 4);
    expect(cellCost(c, sap, { name: 'S', method: 'square', queries: 100, predictSamples: 2 })).toBe(100 * 2 + 4);
    expect(cellCost(c, sap, { name: 'F', method: 'fgsm', eotSamples: 8 })).toBe(3 * 8 + 4);
  });
});

describe('grid: smoothed defenses', () => {
  const c = buildConfig('smoothing', { n: 10 });
  const smoothed = c.defenses.filter((d) => d.kind === 'smoothed');

  it('one certification cell per smoothed defense, after its clean cell; SmoothAdv only on smoothed defenses', () => {
    const cells = gridCells(c);
    for (const d of smoothed) {
      const i = cells.findIndex((x) => x.defense.name === d.name && !x.attack && !x.certify);
      expect(cells[i + 1]).toMatchObject({ key: `${d.name}__certify__eps0.000000`, certify: true, eps: 0 });
    }
    expect(cells.filter((x) => x.certify).length).toBe(3);
    expect(new Set(gridPairs(c).filter((p) => p.attack?.method === 'smoothAdv').map((p) => p.defense.kind))).toEqual(new Set(['smoothed']));
  });

  it('costs CERTIFY n0 + n passes per image, PREDICT predictN per smoothed prediction, and SmoothAdv steps × noise draws', () => {
    expect(certifyCost(c)).toBe(10 * (100 + 10000));
    const s = smoothed[1];
    // Clean: predictSamples softmax passes and PREDICT's 1000.
    expect(cellCost(c, s)).toBe(10 * (16 + 1000));
    const sa = c.attacks.find((a) => a.name === 'SmoothAdv')!;
    expect(cellCost(c, s, sa)).toBe(10 * (3 * 20 * 8 + 16 + 1000));
    const withoutCertify = gridCost({ ...c, defenses: c.defenses.filter((d) => d.kind !== 'smoothed'), attacks: c.attacks.filter((a) => a.method !== 'smoothAdv' && !(a.only ?? []).some((o) => o.startsWith('smoothed'))) });
    expect(gridCost(c)).toBeGreaterThan(withoutCertify + 3 * certifyCost(c));
  });
});

