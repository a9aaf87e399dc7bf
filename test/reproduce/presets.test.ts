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
      expect(variants.length, p).toBeGreaterThanOrEqual(1);
      for (const v of variants) {
        // A variant spends at least twice the steps or the EOT samples, and never fewer of either.
        const base = c.attacks.find((a) => a.name === v.variantOf)!;
        const moreSteps = (v.steps ?? 0) >= 2 * (base.steps ?? 1);
        const moreEot = (v.eotSamples ?? 1) >= 2 * (base.eotSamples ?? 1);
        expect(moreSteps || moreEot, `${p}: ${v.name}`).toBe(true);
        expect((v.steps ?? 0) >= (base.steps ?? 0) && (v.eotSamples ?? 1) >= (base.eotSamples ?? 1), `${p}: ${v.name}`).toBe(true);
        expect(v.method, `${p}: ${v.name}`).toBe(base.method);
        expect(v.suite, `${p}: ${v.name}`).toEqual(base.suite);
        expect(v.queries, `${p}: ${v.name}`).toBe(base.queries);
      }
    }
    // The main presets' convergence check re-runs the suite at 2x steps and 2x EOT samples.
    for (const p of ['quick', 'default', 'full']) {
      const c = presetConfig(p);
      const variants = c.attacks.filter((a) => a.variantOf);
      expect(variants.map((v) => v.name), p).toEqual(['AutoAttack-2x']);
      const base = c.attacks.find((a) => a.name === 'AutoAttack')!;
      expect([variants[0].steps, variants[0].eotSamples], p).toEqual([2 * base.steps!, 2 * base.eotSamples!]);
    }
    expect(checkAttacks({ base: 'APGD', source: 'ref', steps: 3, relStepsize: 0.5, eotSamples: 2, effortEps: [0.1] }).map((a) => [a.name, a.variantOf ?? a.transferFrom ?? null])).toEqual([
      ['APGD-2x-steps', 'APGD'],
      ['APGD-2x-EOT', 'APGD'],
      ['APGD-large-eps', null],
      ['Transfer-PGD', 'ref'],
    ]);
    const d = presetConfig('default');
    const isCheck = (a: (typeof d.attacks)[number]) => !!a.transferFrom || !!a.variantOf || !!a.budgetOf || (a.eps ?? []).some((e) => e >= 0.3);
    const withoutChecks = { ...d, attacks: d.attacks.filter((a) => !isCheck(a)) };
    // The checks cost less than the run without them: about half of it, mostly the suite's 2x
    // variant (4x the budget of one suite cell, the convergence check).
    expect(gridCost(d) / gridCost(withoutChecks)).toBeLessThan(1.6);
    // A transfer attack is not run against its own source, and an attack's own eps replace the grid's.
    expect(gridPairs(d).some((p) => p.attack?.transferFrom === p.defense.name)).toBe(false);
    expect(attackEps(d, d.attacks.find((a) => a.name === 'PGD-EOT-large-eps')!)).toEqual([0.5]);
    expect(attackEps(d, d.attacks.find((a) => a.name === 'FGSM')!)).toEqual(d.eps.filter((e) => e > 0));
  });

  it('the default job: at least 500 images, the suite on every defense with the 2x check and the budget curve on SAP-100', () => {
    const d = presetConfig('default');
    expect(d.n).toBeGreaterThanOrEqual(500);
    const suite = d.attacks.find((a) => a.name === 'AutoAttack')!;
    expect(suite.method).toBe('autoattack');
    expect(suite.only).toBeUndefined();
    for (const name of ['SAP-10', 'SAP-50', 'SAP-100', 'random-100']) expect(gridPairs(d).some((p) => p.defense.name === name && p.attack?.name === 'AutoAttack')).toBe(true);
    const curve = d.attacks.filter((a) => a.budgetOf === 'AutoAttack');
    // Budget curve at a quarter and a half of the steps and of the EOT samples.
    expect(curve.map((a) => (a.steps ?? 0) * (a.eotSamples ?? 1))).toEqual([(suite.steps! * suite.eotSamples!) / 16, (suite.steps! * suite.eotSamples!) / 4]);
    curve.forEach((a) => expect(a.only).toEqual(['SAP-100']));
  });

  it("autoattack-rand: AutoAttack's rand budgets exactly, plus Square with 5000 queries and EOT", () => {
    const c = buildConfig('autoattack-rand');
    const s = c.attacks.find((a) => a.name === 'AutoAttack-rand')!;
    expect([s.method, s.version, s.steps, s.eotSamples, s.restarts]).toEqual(['autoattack', 'rand', 100, 20, 1]);
    expect(s.suite).toEqual(['apgd-ce', 'apgd-dlr', 'square']);
    expect([s.queries, s.predictSamples]).toEqual([5000, 20]);
    expect(gridCost(c)).toBeGreaterThan(10 * gridCost(presetConfig('default')));
  });

  it('smoothing: the three shipped sigma models certified (n0 100, n 10,000, alpha 0.001; full: 100,000), SmoothAdv at the radii, dense and SAP-100 under PGD-L2', () => {
    const c = presetConfig('smoothing');
    expect(c.norm).toBe('l2');
    expect(c.certify).toEqual({ n0: 100, n: 10000, alpha: 0.001, predictN: 1000 });
    expect(presetConfig('smoothing', true).certify!.n).toBe(100000);
    expect(() => presetConfig('baselines', true)).toThrow(/preset "baselines" has no full variant/);
    expect(c.defenses.filter((d) => d.kind === 'smoothed').map((d) => [d.sigma, d.model])).toEqual([
      [0.12, 'fashion-cnn-noise-0.12'],
      [0.25, 'fashion-cnn-noise-0.25'],
      [0.5, 'fashion-cnn-noise-0.5'],
    ]);
    expect(c.defenses.filter((d) => d.kind !== 'smoothed').map((d) => [d.name, d.kind, d.model])).toEqual([
      ['dense', 'dense', undefined],
      ['SAP-100', 'sap', undefined],
    ]);
    const radii = c.eps.filter((e) => e > 0);
    expect(radii).toEqual([0.25, 0.5, 0.75, 1]);
    // Every defense under an L2 attack at every radius: SmoothAdv on the smoothed ones, PGD-L2 on dense, with EOT on SAP-100.
    const pairs = gridPairs(c).filter((p) => p.attack && !p.attack.eps);
    for (const d of c.defenses) expect(pairs.filter((p) => p.defense.name === d.name).map((p) => p.attack!.method), d.name).toEqual([d.kind === 'smoothed' ? 'smoothAdv' : 'pgd']);
    expect(c.attacks.find((a) => a.name === 'PGD-L2-EOT')).toMatchObject({ eotSamples: 4, only: ['SAP-100'] });
    expect(c.attacks.find((a) => a.name === 'PGD-L2')!.steps).toBe(c.attacks.find((a) => a.name === 'PGD-L2-EOT')!.steps);
  });
});

