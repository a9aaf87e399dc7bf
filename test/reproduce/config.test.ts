import { describe, expect, it } from 'vitest';
import { buildConfig, presetConfig, validateConfig, gridPairs, gridCost, cellCost, ConfigError, PRESETS, attackEps, checkAttacks } from '../../lib/reproduce/config';

describe('reproduce protocol', () => {
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

  it('a hand-written protocol may leave out the model and data keys: they take their defaults', () => {
    const { model: _m, dataset: _d, dataDir: _dd, inputRange: _r, mean: _mean, std: _std, outputs: _o, ...rest } = presetConfig('quick');
    const c = validateConfig(rest);
    expect(c).toMatchObject({ model: 'fashion-cnn', dataset: 'fashion-mnist', dataDir: null, inputRange: [0, 1], mean: null, std: null, outputs: 'auto' });
    expect(validateConfig({ ...rest, model: 'mine', inputRange: [0, 255] })).toMatchObject({ model: 'mine', inputRange: [0, 255], dataset: 'fashion-mnist' });
  });

  it('overrides keys and names the bad key in errors', () => {
    expect(buildConfig('quick', { n: 10, seed: 3 }).n).toBe(10);
    expect(() => presetConfig('nope')).toThrow(/unknown preset "nope" \(known: quick, default, full/);
    expect(() => buildConfig('quick', { bogus: 1 } as never)).toThrow(/unknown config key "bogus"/);
    expect(() => buildConfig('quick', { n: 0 })).toThrow(/n must be a positive integer/);
    expect(() => buildConfig('quick', { model: '' })).toThrow(/model must be/);
    expect(() => buildConfig('quick', { dataset: 'svhn' as never })).toThrow(/dataset must be one of fashion-mnist, mnist, cifar10, idx/);
    expect(() => buildConfig('quick', { dataset: 'idx', model: 'm' })).toThrow(/needs dataDir/);
    expect(() => buildConfig('quick', { inputRange: [0, 2] as never })).toThrow(/inputRange must be/);
    expect(() => buildConfig('quick', { outputs: 'x' as never })).toThrow(/outputs must be/);
    expect(() => buildConfig('quick', { eps: [-1] })).toThrow(/eps/);
    expect(() => buildConfig('quick', { defenses: [{ name: 'a', kind: 'sap' }] })).toThrow(/sampleFraction/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'x', method: 'cw' as never }] })).toThrow(/method/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'x', method: 'pgd', stepz: 3 } as never] })).toThrow(/unknown key "stepz" in attacks\[0\]/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'x', method: 'pgd', only: ['nope'] }] })).toThrow(ConfigError);
  });

  it('BPDA is not run against the dense model, and every defense has a clean cell', () => {
    const c = presetConfig('quick');
    const pairs = gridPairs(c);
    expect(pairs.filter((p) => !p.attack).map((p) => p.defense.name)).toEqual(c.defenses.map((d) => d.name));
    expect(pairs.some((p) => p.attack?.bpda && p.defense.kind === 'dense')).toBe(false);
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

  it('rejects bad eps, transferFrom and variantOf keys', () => {
    const pgd = { name: 'x', method: 'pgd' } as const;
    expect(() => buildConfig('quick', { attacks: [{ ...pgd, eps: [0] }] })).toThrow(/attacks\[0\]\.eps/);
    expect(() => buildConfig('quick', { attacks: [{ ...pgd, eps: [] }] })).toThrow(/attacks\[0\]\.eps/);
    expect(() => buildConfig('quick', { attacks: [{ ...pgd, transferFrom: 'nope' }] })).toThrow(/transferFrom names an unknown defense "nope"/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'sq', method: 'square', transferFrom: 'dense' }] })).toThrow(/gradient attack/);
    expect(() => buildConfig('quick', { attacks: [{ ...pgd, variantOf: 'x' }] })).toThrow(/variantOf names an unknown attack "x"/);
    expect(() => buildConfig('quick', { attacks: [{ ...pgd, variantOf: 'y' }] })).toThrow(/variantOf/);
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
    // PGD-EOT on SAP-100: 3 passes a gradient × EOT × steps, plus the averaged prediction.
    const pgdEot = attack('PGD-EOT');
    expect(cellCost(c, sap, pgdEot)).toBe(c.n * (3 * pgdEot.eotSamples! * pgdEot.steps! + c.predictSamples));
    let sum = 0;
    for (const { defense, attack: a } of gridPairs(c)) sum += (a ? attackEps(c, a).length : 1) * cellCost(c, defense, a);
    expect(gridCost(c)).toBe(sum);
  });
});
