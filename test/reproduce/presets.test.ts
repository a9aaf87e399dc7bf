import { describe, expect, it } from 'vitest';
import { attackEps, gridCost, gridPairs } from '../../lib/reproduce/grid';
import { buildConfig, checkAttacks, presetConfig, PRESETS } from '../../lib/reproduce/presets';
import { validateConfig } from '../../lib/reproduce/validate';

describe('reproduce presets', () => {
  it('presets are valid and cover every attack family the evaluation needs', () => {
    for (const p of ['quick', 'default', 'full'] as const) {
      const c = validateConfig(presetConfig(p));
      const methods = new Set(c.attacks.map((a) => a.method));
      expect(methods.has('fgsm') && methods.has('pgd') && methods.has('square')).toBe(true);
      expect(c.attacks.some((a) => a.bpda)).toBe(true);
      expect(c.attacks.some((a) => a.method === 'fgsm' && (a.eotSamples ?? 1) > 1)).toBe(true);
      expect(c.defenses.some((d) => d.kind === 'sap' && d.sampleFraction === 1)).toBe(true);
      expect(c.defenses.some((d) => d.kind === 'random')).toBe(true);
      expect(c.eps[0]).toBe(0);
    }
    const full = presetConfig('full');
    expect(full.n).toBe(10000);
    expect(full.predictSamples).toBe(100);
    expect(full.attacks.find((a) => a.name === 'FGSM-MC')?.eotSamples).toBe(100);
    expect(full.attacks.find((a) => a.name === 'PGD-EOT')?.eotSamples).toBe(20);
    expect(gridCost(full)).toBeGreaterThan(100 * gridCost(presetConfig('default')));
  });

  it("paper-cifar10: the paper's lambdas, dense vs SAP-100, 100-sample FGSM, adaptive attacks; needs --model", () => {
    expect(() => buildConfig('paper-cifar10')).toThrow(/give your own model \(--model\) for dataset cifar10/);
    const c = buildConfig('paper-cifar10', { model: 'models/resnet20' });
    expect(c.dataset).toBe('cifar10');
    expect(c.eps.map((e) => Math.round(e * 255))).toEqual([0, 1, 2, 4, 8, 16, 32, 64]);
    expect(c.defenses.map((d) => d.name)).toEqual(['dense', 'SAP-100']);
    expect(c.predictSamples).toBe(100);
    expect(c.attacks.find((a) => a.name === 'FGSM-MC')?.eotSamples).toBe(100);
    expect(c.attacks.some((a) => a.method === 'pgd' && (a.eotSamples ?? 1) > 1)).toBe(true);
    expect(c.attacks.some((a) => a.bpda)).toBe(true);
    expect(c.n).toBe(10000);
  });

  it('every preset carries the attacks the checklist needs, at a small share of the default cost', () => {
    // Every registered preset (checkAttacks builds these from a preset's strongest gradient attack).
    for (const p of Object.keys(PRESETS)) {
      const c = presetConfig(p);
      expect(c.attacks.some((a) => a.transferFrom), p).toBe(true);
      expect(c.attacks.some((a) => (a.eps ?? []).some((e) => e >= 0.3)), p).toBe(true);
      const variants = c.attacks.filter((a) => a.variantOf);
      expect(variants.length, p).toBeGreaterThanOrEqual(2);
      for (const v of variants) {
        const base = c.attacks.find((a) => a.name === v.variantOf)!;
        const moreSteps = (v.steps ?? 0) >= 2 * (base.steps ?? 1) && v.eotSamples === base.eotSamples;
        const moreEot = (v.eotSamples ?? 1) >= 2 * (base.eotSamples ?? 1) && v.steps === base.steps;
        expect(moreSteps || moreEot, `${p}: ${v.name}`).toBe(true);
      }
    }
    for (const p of ['quick', 'default', 'full']) {
      const c = presetConfig(p);
      const names = c.attacks.filter((a) => a.variantOf).map((v) => v.name).sort();
      expect(names, p).toEqual(['PGD-EOT-2x-EOT', 'PGD-EOT-2x-steps']);
    }
    expect(checkAttacks({ base: 'APGD', source: 'ref', steps: 3, relStepsize: 0.5, eotSamples: 2, effortEps: [0.1] }).map((a) => [a.name, a.variantOf ?? a.transferFrom ?? null])).toEqual([
      ['APGD-2x-steps', 'APGD'],
      ['APGD-2x-EOT', 'APGD'],
      ['APGD-large-eps', null],
      ['Transfer-PGD', 'ref'],
    ]);
    const d = presetConfig('default');
    const withoutChecks = { ...d, attacks: d.attacks.filter((a) => !a.transferFrom && !a.variantOf && !a.eps) };
    expect(gridCost(d) / gridCost(withoutChecks)).toBeLessThan(1.3);
    // A transfer attack is not run against its own source, and an attack's own eps replace the grid's.
    expect(gridPairs(d).some((p) => p.attack?.transferFrom === p.defense.name)).toBe(false);
    expect(attackEps(d, d.attacks.find((a) => a.name === 'PGD-EOT-large-eps')!)).toEqual([0.5]);
    expect(attackEps(d, d.attacks.find((a) => a.name === 'PGD')!)).toEqual(d.eps.filter((e) => e > 0));
  });
});
