import { describe, expect, it } from 'vitest';
import { comparisonRows, compareCells, describeComparison, deterministicEquivalent, resolved, writeComparisons, ComparisonRow } from '../../lib/reproduce/comparisons';
import { checkConfig, cellsOf, passingLayout, flags } from './fixtures';
import { validateConfig } from '../../lib/reproduce/validate';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

describe('compareCells', () => {
  it('pairs images: counts, difference, interval and McNemar p by hand', () => {
    const config = checkConfig();
    // a right on [0, 30), b right on [5, 42): 5 images only a, 12 only b.
    const [a, b] = cellsOf(config, { 'SAP-100|clean|0': flags(0, 30), 'dense|clean|0': flags(5, 42) });
    const r = compareCells(a, b);
    expect(r).toMatchObject({ n: 100, accuracy: 0.3, referenceAccuracy: 0.37, onlyA: 5, onlyB: 12, discordant: 17 });
    expect(r.diff).toBeCloseTo(-0.07, 12);
    // 2 · P(X <= 5), X ~ Bin(17, 1/2) = 2 · (1 + 17 + 136 + 680 + 2380 + 6188) / 2^17.
    expect(r.pValue).toBeCloseTo((2 * 9402) / 131072, 12);
    expect(r.low).toBeLessThan(-0.07);
    expect(r.high).toBeGreaterThan(0);
    expect(resolved(r)).toBe(false);
    expect(r.nToResolve).toBeGreaterThan(100);
  });

  it('rejects cells of different sizes', () => {
    const config = checkConfig();
    const [a, b] = cellsOf(config, { 'SAP-100|clean|0': flags(0, 30), 'dense|clean|0': flags(5, 42) });
    expect(() => compareCells(a, { ...b, correct: '0101' })).toThrow(/100 and 4 examples/);
  });
});

describe('comparisonRows', () => {
  const config = checkConfig();
  const rows = comparisonRows(config, cellsOf(config, passingLayout()));
  const find = (p: Partial<ComparisonRow>) => rows.filter((r) => Object.entries(p).every(([k, v]) => r[k as keyof ComparisonRow] === v));

  it('compares every stochastic defense with dense, pairing EOT and transfer attacks with their deterministic stand-in', () => {
    expect(find({ kind: 'defense', defense: 'SAP-100', reference: 'dense', attack: 'clean' })).toHaveLength(1);
    expect(find({ kind: 'defense', defense: 'SAP-100', reference: 'dense', attack: 'FGSM-MC', referenceAttack: 'FGSM-MC' })).toHaveLength(2);
    expect(find({ kind: 'defense', defense: 'SAP-100', reference: 'dense', attack: 'PGD-EOT', referenceAttack: 'PGD' })).toHaveLength(2);
    expect(find({ kind: 'defense', defense: 'random-100', reference: 'dense', attack: 'Transfer-PGD', referenceAttack: 'PGD' })).toHaveLength(2);
    expect(find({ kind: 'defense', defense: 'SAP-100', reference: 'dense', attack: 'PGD-EOT-large-eps', referenceAttack: 'PGD-EOT-large-eps' })).toHaveLength(1);
    // A 2x-steps variant has no stand-in on dense (different step count).
    expect(find({ kind: 'defense', attack: 'PGD-EOT-2x-steps' })).toHaveLength(0);
    expect(deterministicEquivalent(config, config.attacks[2], 'dense').map((a) => a.name)).toEqual(['PGD']);
  });

  it('compares SAP with random pruning of the same r/N under every attack both ran', () => {
    const sr = find({ kind: 'defense', defense: 'SAP-100', reference: 'random-100' });
    expect(new Set(sr.map((r) => r.attack))).toEqual(new Set(['clean', 'FGSM-MC', 'PGD-EOT', 'PGD-EOT-large-eps', 'Transfer-PGD']));
    const pgdEot = sr.find((r) => r.attack === 'PGD-EOT' && r.eps === 0.1)!;
    expect(pgdEot.diff).toBeCloseTo(-0.02, 12);
    expect(pgdEot.referenceAttack).toBe('PGD-EOT');
  });

  it('compares attacks with stronger ones: paper vs adaptive, base vs 2x variant, Square and transfer vs the strongest gradient attack', () => {
    const paperVsAdaptive = find({ kind: 'attack', defense: 'SAP-100', attack: 'FGSM-MC', referenceAttack: 'PGD-EOT', eps: 0.1 })[0];
    expect(paperVsAdaptive.diff).toBeCloseTo(0.3, 12); // 40% → 10%: the adaptive attack is 30 points stronger
    expect(paperVsAdaptive.pValue).toBeCloseTo(2 / 2 ** 30, 15);
    expect(find({ kind: 'attack', defense: 'SAP-100', attack: 'PGD-EOT', referenceAttack: 'PGD-EOT-2x-steps' })).toHaveLength(1);
    // Strongest gradient attack on SAP-100 at 0.1 is PGD-EOT-2x-steps (9%); Square and the transfer attack are compared with it.
    expect(find({ kind: 'attack', defense: 'SAP-100', attack: 'Square', eps: 0.1 })[0].referenceAttack).toBe('PGD-EOT-2x-steps');
    expect(find({ kind: 'attack', defense: 'SAP-100', attack: 'Transfer-PGD', eps: 0.2 })[0].referenceAttack).toBe('PGD-EOT');
    expect(find({ kind: 'attack', defense: 'dense', attack: 'Square', eps: 0.2 })[0].referenceAttack).toBe('PGD');
  });

  it('writes CSV and JSON with the same rows', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmp-'));
    const [csv, json] = writeComparisons(rows, dir);
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines.length - 1).toBe(rows.length);
    expect(lines[0].split(',')).toContain('discordant');
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toHaveLength(rows.length);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('describeComparison', () => {
  it('says "distinguishable" only when the interval excludes 0, else names the n that would resolve it', () => {
    const config = checkConfig();
    const [a, b, c] = cellsOf(config, { 'SAP-100|clean|0': flags(0, 30), 'dense|clean|0': flags(5, 42), 'random-100|clean|0': flags(0, 60) });
    const open = { kind: 'defense' as const, defense: 'SAP-100', attack: 'clean', reference: 'dense', referenceAttack: 'clean', eps: 0, ...compareCells(a, b) };
    expect(describeComparison(open)).toMatch(/^−7\.0 points \[−\d+\.\d, \+\d+\.\d\], p = 0\.14, 17 of 100 images discordant — not distinguishable at n = 100; about \d+ images would resolve/);
    const shut = { ...open, reference: 'random-100', ...compareCells(a, c) };
    expect(describeComparison(shut)).toMatch(/^−30\.0 points .*p < 0\.001.* — distinguishable$/);
  });
});

describe('comparisonRows: smoothed defenses', () => {
  it('pairs a smoothed classifier under SmoothAdv with dense under its strongest L2 attack at the same radius', () => {
    const config = validateConfig({
      ...checkConfig(),
      norm: 'l2',
      eps: [0, 0.5],
      defenses: [
        { name: 'dense', kind: 'dense' },
        { name: 'smoothed-0.25', kind: 'smoothed', sigma: 0.25, model: 'fashion-cnn-noise-0.25' },
      ],
      attacks: [
        { name: 'PGD-L2', method: 'pgd', steps: 10, only: ['dense'] },
        { name: 'PGD-L2-2x-steps', method: 'pgd', steps: 20, only: ['dense'], variantOf: 'PGD-L2' },
        { name: 'SmoothAdv', method: 'smoothAdv', steps: 10, only: ['smoothed-0.25'] },
      ],
    });
    const cells = cellsOf(config, {
      'dense|clean|0': [0, 90],
      'smoothed-0.25|clean|0': [0, 85],
      'dense|PGD-L2|0.5': [0, 20],
      'dense|PGD-L2-2x-steps|0.5': [0, 15],
      'smoothed-0.25|SmoothAdv|0.5': [0, 60],
    });
    const rows = comparisonRows(config, cells).filter((r) => r.kind === 'defense' && r.defense === 'smoothed-0.25');
    expect(rows.map((r) => [r.attack, r.referenceAttack, r.eps])).toEqual([
      ['clean', 'clean', 0],
      // The strongest of dense's white-box gradient attacks at 0.5: the 2x-steps run (15%).
      ['SmoothAdv', 'PGD-L2-2x-steps', 0.5],
    ]);
    expect(rows[1].diff).toBeCloseTo(0.45, 12);
  });
});
