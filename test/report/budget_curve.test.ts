import { describe, expect, it } from 'vitest';
import { budgetCurveFigure, type BudgetPoint } from 'saplab';
import { defenseColor } from '../../lib/report/theme';

const p = (budget: number, accuracy: number, protocol = false): BudgetPoint => ({ line: 'SAP-100, eps 0.05', defense: 'SAP-100', budget, accuracy, low: accuracy - 0.03, high: accuracy + 0.04, protocol });

describe('budgetCurveFigure', () => {
  it('one line per (defense, eps), sorted by budget on a log axis, Wilson error bars, the protocol point marked', () => {
    const fig = budgetCurveFigure([p(160, 0.29, true), p(10, 0.41), p(640, 0.29), p(40, 0.31)]);
    expect(fig.data).toHaveLength(1);
    const t = fig.data[0];
    expect(t.x).toEqual([10, 40, 160, 640]);
    expect(t.y).toEqual([0.41, 0.31, 0.29, 0.29]);
    const err = t.error_y as { array: number[]; arrayminus: number[] };
    err.array.forEach((v) => expect(v).toBeCloseTo(0.04, 12));
    err.arrayminus.forEach((v) => expect(v).toBeCloseTo(0.03, 12));
    expect((t.marker as { symbol: string[] }).symbol).toEqual(['circle', 'circle', 'diamond', 'circle']);
    expect((t.line as { color: string }).color).toBe(defenseColor('SAP-100'));
    expect((fig.layout.xaxis as { type: string }).type).toBe('log');
  });

  it('rejects an empty curve and bad points', () => {
    expect(() => budgetCurveFigure([])).toThrow(/no points/);
    expect(() => budgetCurveFigure([p(0, 0.5)])).toThrow(/bad point/);
    expect(() => budgetCurveFigure([p(10, 1.5)])).toThrow(/bad point/);
  });
});
