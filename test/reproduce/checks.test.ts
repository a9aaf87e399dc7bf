import { describe, expect, it } from 'vitest';
import { checksMarkdown, holmAdjust, runChecks, CheckResult } from '../../lib/reproduce/checks';
import { checkConfig, cellsOf, flags, N, passingLayout } from './fixtures';
import { validateConfig } from '../../lib/reproduce/validate';
import { cellKey } from '../../lib/reproduce/run_folder';
import type { ReproduceConfig } from '../../lib/reproduce/spec';
import type { CellResult } from '../../lib/reproduce/cell';

const IDS = ['monotone-eps', 'large-eps', 'more-effort', 'gradient-free', 'transfer', 'adaptive-vs-paper', 'non-finite-gradients'];

function statuses(checks: CheckResult[]): Record<string, string> {
  return Object.fromEntries(checks.map((c) => [c.id, c.status]));
}

function run(changes: Record<string, [number, number] | string> = {}, stats = {}, config = checkConfig()) {
  return runChecks(config, cellsOf(config, { ...passingLayout(), ...changes }, stats));
}

describe('holmAdjust', () => {
  it('is the step-down Holm adjustment', () => {
    const adj = holmAdjust([0.01, 0.04, 0.03]);
    expect(adj[0]).toBeCloseTo(0.03, 12);
    expect(adj[1]).toBeCloseTo(0.06, 12);
    expect(adj[2]).toBeCloseTo(0.06, 12);
    expect(holmAdjust([0.5, 0.9])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
  });
});

describe('runChecks', () => {
  it('a sound evaluation passes all seven checks, each with evidence', () => {
    const checks = run();
    expect(checks.map((c) => c.id)).toEqual(IDS);
    expect(statuses(checks)).toEqual(Object.fromEntries(IDS.map((id) => [id, 'pass'])));
    for (const c of checks) expect(c.evidence.length, c.id).toBeGreaterThan(0);
    const md = checksMarkdown(checks);
    expect(md.split('\n')).toHaveLength(2 + IDS.length);
    expect(md).toContain('✅ pass');
  });

  // Each constructed flaw fails exactly its own check.
  it.each([
    ['an accuracy that rises with eps', 'monotone-eps', { 'SAP-100|FGSM-MC|0.2': [0, 60] }],
    ['a large-eps cell at 40%', 'large-eps', { 'SAP-100|PGD-EOT-large-eps|0.5': [0, 40] }],
    ['a 2x-steps variant that is weaker', 'more-effort', { 'SAP-100|PGD-EOT-2x-steps|0.1': [0, 30] }],
    ['a Square stronger than PGD', 'gradient-free', { 'SAP-100|Square|0.1': [0, 0], 'SAP-100|Square|0.2': [0, 0] }],
    ['a transfer attack stronger than white-box', 'transfer', { 'SAP-100|Transfer-PGD|0.1': [30, 30], 'SAP-100|Transfer-PGD|0.2': [30, 30] }],
    ["an adaptive attack weaker than the paper's", 'adaptive-vs-paper', { 'SAP-100|FGSM-MC|0.1': [0, 10], 'SAP-100|FGSM-MC|0.2': [0, 2], 'SAP-100|PGD-EOT|0.1': [0, 40], 'SAP-100|PGD-EOT|0.2': [0, 30] }],
  ] as [string, string, Record<string, [number, number]>][])('%s fails %s', (_what, id, changes) => {
    const checks = run(changes);
    const s = statuses(checks);
    expect(s[id], checks.find((c) => c.id === id)!.summary).toBe('fail');
    expect(checks.find((c) => c.id === id)!.evidence.some((e) => e.status === 'fail')).toBe(true);
  });

  it('Square stronger than PGD is worded as a sign of masking, with the cells and numbers', () => {
    const c = run({ 'SAP-100|Square|0.1': [0, 0] }).find((x) => x.id === 'gradient-free')!;
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/SAP-100 at eps 0\.1: Square vs PGD-EOT-2x-steps: Square is stronger, 0\.0% vs 9\.0%.*masking/);
  });

  it('a rise with eps that is only nominally significant warns, not fails', () => {
    // 8 more images right at eps 0.2 than at 0.1: one-sided p = 2^-8 ≈ 0.004, not below 0.025 after Holm over 24 comparisons.
    const checks = run({ 'SAP-100|FGSM-MC|0.1': [0, 30], 'SAP-100|FGSM-MC|0.2': [0, 38] });
    const c = checks.find((x) => x.id === 'monotone-eps')!;
    expect(c.status).toBe('warn');
    expect(c.summary).toMatch(/SAP-100 × FGSM-MC: eps 0\.1 → 0\.2: accuracy rises 30\.0% → 38\.0%.*nominally significant only/);
  });

  it('a small noisy rise passes', () => {
    // Right on [0, 30) then [3, 35): 3 lost, 5 gained; p = 0.73.
    expect(statuses(run({ 'SAP-100|FGSM-MC|0.1': [0, 30], 'SAP-100|FGSM-MC|0.2': [3, 35] }))['monotone-eps']).toBe('pass');
  });

  it('large eps: ≤ 5% passes, 8% warns (not clearly above 10%), 40% fails', () => {
    expect(statuses(run({ 'SAP-100|PGD-EOT-large-eps|0.5': [0, 5] }))['large-eps']).toBe('pass');
    expect(statuses(run({ 'SAP-100|PGD-EOT-large-eps|0.5': [0, 8] }))['large-eps']).toBe('warn');
    const c = run({ 'random-100|PGD-EOT-large-eps|0.5': [0, 40] }).find((x) => x.id === 'large-eps')!;
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/random-100 × PGD-EOT-large-eps at eps 0\.5: 40\.0%/);
  });

  it('a 2x variant that is clearly stronger fails: the base attack had not converged', () => {
    // An under-budgeted base: 10% robust, 0% with 2x effort (10 discordant images, p = 2^-9).
    const c = run({ 'SAP-100|PGD-EOT-2x-steps|0.1': [0, 0] }).find((x) => x.id === 'more-effort')!;
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/the variant is stronger.*had not converged/);
    expect(c.evidence[0].values.holmTwoSidedP).toBeCloseTo(2 * 2 ** -10, 12);
  });

  it('a 2x variant only nominally stronger warns; a converged one (9% vs 10%) passes', () => {
    // 5 discordant images, all for the variant: two-sided p = 2 · 2^-5 = 0.0625, not significant,
    // but the 95% Newcombe interval of +5 points excludes 0.
    const nominal = run({ 'SAP-100|PGD-EOT-2x-steps|0.1': [0, 5] }).find((x) => x.id === 'more-effort')!;
    expect(nominal.evidence[0].values.twoSidedP).toBeCloseTo(2 * 2 ** -5, 12);
    expect(nominal.evidence[0].values.low as number).toBeGreaterThan(0);
    expect(nominal.status).toBe('warn');
    expect(nominal.summary).toMatch(/nominally significant only/);
    expect(run().find((x) => x.id === 'more-effort')!.status).toBe('pass');
  });

  it('non-finite gradients: none passes, a few warn, many fail', () => {
    expect(statuses(run())['non-finite-gradients']).toBe('pass');
    const few = run({}, { 'SAP-100|PGD-EOT|0.1': { nonFiniteDraws: 3 } }).find((x) => x.id === 'non-finite-gradients')!;
    expect(few.status).toBe('warn');
    expect(few.evidence.slice(1)).toEqual([{ what: 'SAP-100__PGD-EOT__eps0.100000', values: expect.objectContaining({ nonFiniteDraws: 3, draws: 1000 }), status: 'warn' }]);
    expect(statuses(run({}, { 'SAP-100|PGD-EOT|0.1': { nonFiniteDraws: 50 } }))['non-finite-gradients']).toBe('fail');
    expect(statuses(run({}, { 'SAP-100|PGD-EOT|0.1': { noFiniteDraw: 1 } }))['non-finite-gradients']).toBe('fail');
  });

  it('a protocol without the attacks a check needs warns "Not checked"', () => {
    const config = checkConfig();
    config.attacks = config.attacks.filter((a) => !a.transferFrom && !a.variantOf && !a.eps && a.method !== 'square');
    const layout = Object.fromEntries(Object.entries(passingLayout()).filter(([k]) => config.attacks.some((a) => k.includes(`|${a.name}|`)) || k.includes('|clean|')));
    const checks = runChecks(config, cellsOf(config, layout));
    expect(checks.map((c) => c.id)).toEqual(IDS);
    const s = statuses(checks);
    for (const id of ['large-eps', 'more-effort', 'gradient-free', 'transfer']) {
      expect(s[id], id).toBe('warn');
      expect(checks.find((c) => c.id === id)!.summary).toMatch(/^Not checked/);
    }
    expect(s['monotone-eps']).toBe('pass');
    expect(s['adaptive-vs-paper']).toBe('pass');
  });

  it('ignores failed cells', () => {
    const config = checkConfig();
    const cells = cellsOf(config, passingLayout());
    const bad = cells.find((c) => c.key === 'SAP-100__Square__eps0.100000')!;
    Object.assign(bad, { error: 'boom', correct: flags(0, 0), accuracy: 0 });
    expect(statuses(runChecks(config, cells))['gradient-free']).toBe('pass');
  });
});

describe('runChecks large-eps coverage', () => {
  it('names defenses not attacked at a large eps without a verdict on them', () => {
    const layout = passingLayout();
    delete layout['random-100|PGD-EOT-large-eps|0.5'];
    const c = run().find((x) => x.id === 'large-eps')!;
    expect(c.summary).not.toMatch(/Not attacked/);
    const config = checkConfig();
    const partial = runChecks(config, cellsOf(config, layout)).find((x) => x.id === 'large-eps')!;
    expect(partial.status).toBe('pass');
    expect(partial.summary).toMatch(/Not attacked at a large eps \(no verdict\): random-100\.$/);
  });
});

describe('certified-vs-empirical in the checklist', () => {
  const config: ReproduceConfig = validateConfig({
    ...checkConfig(),
    norm: 'l2',
    eps: [0, 0.25, 0.5],
    certify: { n0: 100, n: 10000, alpha: 0.001, predictN: 1000 },
    defenses: [
      { name: 'dense', kind: 'dense' },
      { name: 'smoothed-0.25', kind: 'smoothed', sigma: 0.25, model: 'fashion-cnn-noise-0.25' },
    ],
    attacks: [
      { name: 'PGD-L2', method: 'pgd', steps: 10, only: ['dense'] },
      { name: 'SmoothAdv', method: 'smoothAdv', steps: 10, only: ['smoothed-0.25'] },
    ],
  });
  const labels = Array.from({ length: N }, (_, i) => i % 10);
  /** PREDICT's output: the label on images [0, right), another class elsewhere. */
  const predictions = (right: number) => labels.map((y, i) => (i < right ? y : (y + 1) % 10));
  function smoothedCell(attack: string, eps: number, right: number): CellResult {
    const [base] = cellsOf(config, { [`smoothed-0.25|${attack}|${eps}`]: [0, right] });
    return { ...base, smoothed: { predictions: predictions(right), abstained: 0, n: 1000, alpha: 0.001 } };
  }
  /** A certification cell: images [0, a) certified at radius ra, [a, b) at rb, the rest abstain. */
  function certifyCell(a: number, ra: number, b: number, rb: number): CellResult {
    const preds = labels.map((y, i) => (i < b ? y : -1));
    const radii = labels.map((_, i) => (i < a ? ra : i < b ? rb : 0));
    return {
      key: cellKey('smoothed-0.25', 'certify', 0),
      defense: 'smoothed-0.25',
      kind: 'smoothed',
      sampleFraction: null,
      attack: 'certify',
      eps: 0,
      n: N,
      accuracy: b / N,
      accuracyLow: 0,
      accuracyHigh: 1,
      ece: NaN,
      mce: NaN,
      nll: NaN,
      brier: NaN,
      correct: flags(0, b),
      bins: [],
      certificate: { labels, predictions: preds, radii, pALower: radii.map(() => 0.9), countsA: radii.map(() => 9000), sigma: 0.25, n0: 100, n: 10000, alpha: 0.001 },
      seconds: 1,
    };
  }
  const dense = () => cellsOf(config, { 'dense|clean|0': [0, 90], 'dense|PGD-L2|0.25': [0, 30], 'dense|PGD-L2|0.5': [0, 5] });
  // The smoothed classifier's clean and attacked decisions: 90, 70 and 45 of 100 images right.
  const attacked = () => [smoothedCell('clean', 0, 90), smoothedCell('SmoothAdv', 0.25, 70), smoothedCell('SmoothAdv', 0.5, 45)];

  it('passes with a sound certificate: every image certified at r stays right under the attack at r', () => {
    // 40 images certified at 0.6, 20 more at 0.3: 60% certified at 0.25, 40% at 0.5.
    const cells = [...dense(), certifyCell(40, 0.6, 60, 0.3), ...attacked()];
    const check = runChecks(config, cells).find((c) => c.id === 'certified-vs-empirical')!;
    expect(check.status, check.summary).toBe('pass');
    // Radius 0 from the clean cell, then SmoothAdv at its two radii.
    expect(check.evidence.map((e) => [e.what, e.values.certified, e.values.empirical])).toEqual([
      ['smoothed-0.25, radius 0: no attack vs the certificate', 0.6, 0.9],
      ['smoothed-0.25, radius 0.25: SmoothAdv vs the certificate', 0.6, 0.7],
      ['smoothed-0.25, radius 0.5: SmoothAdv vs the certificate', 0.4, 0.45],
    ]);
    expect(checksMarkdown([check])).toContain('✅ pass');
  });

  it('fails on a wrong certificate (radius 5 on 90 images the attack breaks at 0.5), naming a bug in the attack or the certificate', () => {
    const cells = [...dense(), certifyCell(90, 5, 90, 5), ...attacked()];
    const check = runChecks(config, cells).find((c) => c.id === 'certified-vs-empirical')!;
    expect(check.status).toBe('fail');
    expect(check.summary).toMatch(/smoothed-0.25: radius 0.25: SmoothAdv vs the certificate: 20 certified images broken .* a bug in the attack or in the certificate/);
    const at05 = check.evidence.find((e) => e.what.includes('radius 0.5'))!;
    expect(at05.values.contradicted).toBe(45);
    expect(at05.status).toBe('fail');
  });

  it('is absent without a smoothed defense, says "Not checked" without a certificate, and L2 runs take radius 3 as large', () => {
    expect(runChecks(checkConfig(), cellsOf(checkConfig(), passingLayout())).map((c) => c.id)).not.toContain('certified-vs-empirical');
    const checks = runChecks(config, [...dense(), ...attacked()]);
    expect(checks.find((c) => c.id === 'certified-vs-empirical')!.summary).toMatch(/^Not checked/);
    expect(checks.find((c) => c.id === 'large-eps')!.summary).toMatch(/no attack ran at eps ≥ 3/);
  });
});
