import { describe, expect, it } from 'vitest';
import { budgetPoints, headlineSuite, headlineTable, strongestOfCell } from '../../lib/reproduce/headline';
import { buildConfig } from '../../lib/reproduce/presets';
import type { CellResult } from '../../lib/reproduce/cell';

const config = buildConfig('quick', {
  n: 10,
  eps: [0, 0.1],
  defenses: [
    { name: 'dense', kind: 'dense' },
    { name: 'SAP-100', kind: 'sap', sampleFraction: 1 },
  ],
  attacks: [
    { name: 'FGSM-MC', method: 'fgsm', eotSamples: 4 },
    { name: 'AA', method: 'autoattack', steps: 10, eotSamples: 4 },
    { name: 'AA-2x', method: 'autoattack', steps: 20, eotSamples: 8, eps: [0.1], variantOf: 'AA', only: ['SAP-100'] },
    { name: 'AA-small', method: 'autoattack', steps: 5, eotSamples: 2, eps: [0.1], budgetOf: 'AA', only: ['SAP-100'] },
  ],
});

function cell(defense: string, attack: string, eps: number, accuracy: number, suite?: { name: string; broken: number }[]): CellResult {
  return {
    key: `${defense}__${attack}__${eps}`,
    defense,
    kind: defense === 'dense' ? 'dense' : 'sap',
    sampleFraction: null,
    attack,
    eps,
    n: 10,
    accuracy,
    accuracyLow: accuracy - 0.1,
    accuracyHigh: accuracy + 0.1,
    ece: 0,
    mce: 0,
    nll: 0,
    brier: 0,
    correct: '',
    bins: [],
    seconds: 1,
    ...(suite ? { suite: { attacks: suite.map((s) => ({ ...s, label: s.name, attacked: 10 })), brokenBy: '' } } : {}),
  };
}

const cells = [
  cell('dense', 'AA', 0.1, 0.0, [{ name: 'apgd-ce', broken: 9 }, { name: 'apgd-dlr', broken: 0 }]),
  cell('SAP-100', 'AA', 0.1, 0.3, [{ name: 'apgd-ce', broken: 5 }, { name: 'apgd-dlr', broken: 1 }]),
  cell('SAP-100', 'FGSM-MC', 0.1, 0.6),
  cell('SAP-100', 'AA-2x', 0.1, 0.3),
  cell('SAP-100', 'AA-small', 0.1, 0.4),
];

describe('headline', () => {
  it('the suite is the first autoattack that is neither a variant nor a budget cell', () => {
    expect(headlineSuite(config)?.name).toBe('AA');
    expect(headlineSuite({ ...config, attacks: config.attacks.slice(0, 1) })).toBeUndefined();
  });

  it('the table: robust accuracy with its interval, the attack that broke most, the paper attack beside it', () => {
    const t = headlineTable(config, cells).split('\n');
    expect(t[0]).toBe('| defense | eps | robust accuracy (AA) [95% Wilson] | broke most images | FGSM-MC |');
    expect(t[2]).toBe('| dense | 0.1 | **0.0%** [-10.0%, 10.0%] | apgd-ce (9 of 10) | — |');
    expect(t[3]).toBe('| SAP-100 | 0.1 | **30.0%** [20.0%, 40.0%] | apgd-ce (5 of 10) | 60.0% |');
    expect(strongestOfCell(cell('x', 'AA', 0.1, 1, [{ name: 'apgd-ce', broken: 0 }]))).toBe('—');
  });

  it('budget points: the suite, its variant and its budget cells, at steps × EOT, the protocol marked', () => {
    const pts = budgetPoints(config, cells);
    expect(pts.map((p) => [p.line, p.budget, p.accuracy, p.protocol])).toEqual([
      ['SAP-100, eps 0.1', 40, 0.3, true],
      ['SAP-100, eps 0.1', 160, 0.3, false],
      ['SAP-100, eps 0.1', 10, 0.4, false],
    ]);
  });
});
