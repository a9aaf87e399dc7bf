import { describe, expect, it } from 'vitest';
import { pairedDifferencesFigure, PairedDifferencePoint } from 'saplab';
import { figureAxis } from '../../lib/report/figure';
import { defenseColor } from '../../lib/report/theme';

const point = (defense: string, attack: string, eps: number, diff: number, half = 0.05): PairedDifferencePoint => ({
  defense,
  reference: 'dense',
  attack,
  eps,
  diff,
  low: diff - half,
  high: diff + 2 * half,
  n: 150,
  pValue: 0.2,
});

const points = [
  point('SAP-100', 'FGSM-MC', 0.1, 0.06),
  point('SAP-100', 'FGSM-MC', 0.05, 0.03),
  point('random-100', 'FGSM-MC', 0.05, 0.05),
  point('SAP-100', 'PGD-EOT', 0.05, -0.01),
  point('random-100', 'PGD-EOT', 0.05, 0.02),
];

describe('pairedDifferencesFigure', () => {
  it('draws one panel per attack and one line per defense in its colour, sorted by eps', () => {
    const fig = pairedDifferencesFigure(points);
    expect(fig.data.map((t) => [t.name, t.xaxis])).toEqual([
      ['SAP-100', 'x'],
      ['random-100', 'x'],
      ['SAP-100', 'x2'],
      ['random-100', 'x2'],
    ]);
    const sap = fig.data[0];
    expect(sap.x).toEqual([0.05, 0.1]);
    expect(sap.y).toEqual([0.03, 0.06]);
    expect((sap.line as { color: string }).color).toBe(defenseColor('SAP-100'));
    expect((fig.data[1].marker as { color: string }).color).toBe(defenseColor('random-100'));
    expect(fig.data.map((t) => t.showlegend)).toEqual([true, true, false, false]);
    expect(fig.layout.annotations!.map((a) => a.text)).toEqual(['<b>FGSM-MC</b>', '<b>PGD-EOT</b>']);
  });

  it('draws the paired intervals as asymmetric error bars and a zero line in every panel', () => {
    const fig = pairedDifferencesFigure(points);
    const e = fig.data[0].error_y as { array: number[]; arrayminus: number[]; symmetric: boolean };
    expect(e.symmetric).toBe(false);
    expect(e.array.map((v) => Number(v.toFixed(9)))).toEqual([0.1, 0.1]);
    expect(e.arrayminus.map((v) => Number(v.toFixed(9)))).toEqual([0.05, 0.05]);
    expect(fig.layout.shapes).toHaveLength(2);
    expect(fig.layout.shapes![1]).toMatchObject({ yref: 'y2', y0: 0, y1: 0 });
    // The shared y range covers every interval and zero.
    const y = figureAxis(fig, 'y')!.range as [number, number];
    expect(y[0]).toBeLessThan(-0.06);
    expect(y[1]).toBeGreaterThan(0.16);
    expect(figureAxis(fig, 'y2')!.matches).toBe('y');
  });

  it('rejects no points, a bad scale and duplicate points', () => {
    expect(() => pairedDifferencesFigure([])).toThrow(/no points/);
    expect(() => pairedDifferencesFigure(points, { epsScale: 0 })).toThrow(/epsScale/);
    expect(() => pairedDifferencesFigure([...points, point('SAP-100', 'PGD-EOT', 0.05, 0)])).toThrow(/two points for SAP-100, PGD-EOT, eps 0.05/);
  });
});
