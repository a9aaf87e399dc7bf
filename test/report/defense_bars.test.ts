import { describe, expect, it } from 'vitest';
import { defenseBarsFigure, findCell, worstCell } from 'saplab';

const cell = (defense: string, attack: string, eps: number, accuracy: number) => ({ defense, attack, eps, accuracy, accuracyLow: accuracy - 0.1, accuracyHigh: accuracy + 0.05 });
const cells = [
  cell('dense', 'clean', 0, 0.9),
  cell('dense', 'FGSM-MC', 0.1, 0.3),
  cell('dense', 'PGD', 0.1, 0.05),
  cell('SAP-100', 'clean', 0, 0.88),
  cell('SAP-100', 'FGSM-MC', 0.1, 0.4),
  cell('SAP-100', 'PGD-EOT', 0.1, 0.1),
  cell('SAP-100', 'BPDA', 0.1, 0.02),
];

describe('defenseBarsFigure', () => {
  it('finds cells and the worst attack a defense faced', () => {
    expect(findCell(cells, 'dense', 'PGD', 0.1 + 1e-12)?.accuracy).toBe(0.05);
    expect(findCell(cells, 'dense', 'BPDA', 0.1)).toBeUndefined();
    expect(worstCell(cells, 'SAP-100', 0.1, ['FGSM-MC', 'PGD-EOT', 'BPDA', 'PGD']).attack).toBe('BPDA');
    expect(() => worstCell(cells, 'dense', 0.2, ['PGD'])).toThrow(/faced none/);
  });

  it('draws clean, paper and worst bars with asymmetric Wilson error bars', () => {
    const fig = defenseBarsFigure(cells, ['dense', 'SAP-100'], { eps: 0.1, attacks: ['FGSM-MC', 'PGD', 'PGD-EOT', 'BPDA'], title: 't' });
    expect(fig.data.map((t) => t.name)).toEqual(['clean', "paper's attack (FGSM-MC)", 'worst attack']);
    expect(fig.data[0].y).toEqual([0.9, 0.88]);
    expect(fig.data[1].y).toEqual([0.3, 0.4]);
    expect(fig.data[2].y).toEqual([0.05, 0.02]);
    expect(fig.data[2].customdata).toEqual(['PGD', 'BPDA']);
    const err = fig.data[2].error_y as { array: number[]; arrayminus: number[] };
    expect(err.array.map((v) => +v.toFixed(6))).toEqual([0.05, 0.05]);
    expect(err.arrayminus.map((v) => +v.toFixed(6))).toEqual([0.1, 0.1]);
    expect(fig.layout.title?.text).toBe('t');
  });

  it('rejects a missing cell or no defenses', () => {
    expect(() => defenseBarsFigure(cells, ['dense'], { eps: 0.2, attacks: ['PGD'] })).toThrow(/no cell for dense · FGSM-MC at eps 0.2/);
    expect(() => defenseBarsFigure(cells, [], { eps: 0.1, attacks: ['PGD'] })).toThrow(/no defenses/);
  });
});
