import { describe, expect, it } from 'vitest';
import { accuracyVsEpsFigure, PlotlyFigure, ResultRow, THEME, wilsonInterval } from 'saplab';
import { figureAxis } from '../../lib/report/figure';
import { defenseColor } from '../../lib/report/theme';

function row(defense: string, attack: string, eps: number, correct: number, extra: Partial<ResultRow> = {}): ResultRow {
  const n = 100;
  const w = wilsonInterval(correct, n);
  return {
    model: 'fashion_cnn',
    defense,
    sampleFraction: defense === 'sap' ? 1 : null,
    attack,
    eps,
    accuracy: correct / n,
    accuracyLow: w.low,
    accuracyHigh: w.high,
    ece: null,
    nll: null,
    brier: null,
    n,
    seed: 1,
    ...extra,
  };
}

const eps = [0.1, 0, 0.05, 0.2]; // deliberately unsorted
const rows: ResultRow[] = [];
for (const attack of ['fgsm', 'pgd']) {
  for (const defense of ['dense', 'sap']) {
    for (const e of eps) rows.push(row(defense, attack, e, Math.round(90 - e * (defense === 'sap' ? 200 : 400))));
  }
}

const lines = (fig: PlotlyFigure) => fig.data.filter((t) => t.mode === 'lines+markers');
const bands = (fig: PlotlyFigure) => fig.data.filter((t) => t.fill === 'toself');

describe('accuracyVsEpsFigure', () => {
  it('draws a line and a band per defense in a panel per attack', () => {
    const fig = accuracyVsEpsFigure(rows);
    expect(fig.data).toHaveLength(2 * 2 * 2);
    expect(lines(fig).map((t) => [t.name, t.xaxis])).toEqual([
      ['dense', 'x'],
      ['sap', 'x'],
      ['dense', 'x2'],
      ['sap', 'x2'],
    ]);
    expect(bands(fig)).toHaveLength(4);
    expect(fig.layout.annotations!.map((a) => a.text)).toEqual(['<b>fgsm</b>', '<b>pgd</b>']);
    expect(fig.layout.title!.text).toBe('Accuracy under attack');
  });

  it('puts the data on the axes: sorted eps, accuracy, Wilson bands', () => {
    const fig = accuracyVsEpsFigure(rows);
    const dense = lines(fig)[0];
    expect(dense.x).toEqual([0, 0.05, 0.1, 0.2]);
    const src = rows.filter((r) => r.attack === 'fgsm' && r.defense === 'dense').sort((a, b) => a.eps - b.eps);
    expect(dense.y).toEqual(src.map((r) => r.accuracy));
    const band = bands(fig)[0];
    expect(band.x).toEqual([0, 0.05, 0.1, 0.2, 0.2, 0.1, 0.05, 0]);
    expect(band.y).toEqual([...src.map((r) => r.accuracyHigh), ...src.map((r) => r.accuracyLow).reverse()]);
    expect(band.showlegend).toBe(false);
  });

  it('keeps colours and markers per defense across panels, and one legend entry each', () => {
    const fig = accuracyVsEpsFigure(rows);
    const [d1, s1, d2, s2] = lines(fig);
    // Lines are defenses: each keeps its defense's colour (dense black), whatever its position.
    expect((d1.line as { color: string }).color).toBe(defenseColor('dense'));
    expect((s1.line as { color: string }).color).toBe(defenseColor('sap'));
    expect((d2.line as { color: string }).color).toBe(defenseColor('dense'));
    const reordered = lines(accuracyVsEpsFigure([...rows].reverse()));
    expect((reordered.find((t) => t.name === 'dense')!.line as { color: string }).color).toBe(defenseColor('dense'));
    // Lines that are not defenses take the theme's colours in order, unless colorOf says otherwise.
    const bySeed = lines(accuracyVsEpsFigure(rows, { lineBy: (r) => `${r.defense} seed`, colorOf: (_l, _r, i) => THEME.colors[7 - i] }));
    expect((bySeed[0].line as { color: string }).color).toBe(THEME.colors[7]);
    const byAttack = lines(accuracyVsEpsFigure(rows, { lineBy: 'attack', panelBy: 'defense' }));
    expect((byAttack[1].line as { color: string }).color).toBe(THEME.colors[1]);
    expect((d1.marker as { symbol: string }).symbol).not.toBe((s1.marker as { symbol: string }).symbol);
    expect([d1, s1, d2, s2].map((t) => t.showlegend)).toEqual([true, true, false, false]);
  });

  it('sets axis titles and ranges', () => {
    const fig = accuracyVsEpsFigure(rows, { epsScale: 255 });
    const x = figureAxis(fig, 'x')!;
    const y = figureAxis(fig, 'y')!;
    const y2 = figureAxis(fig, 'y2')!;
    expect(x.title!.text).toBe('eps × 255');
    expect(figureAxis(fig, 'x2')!.title!.text).toBe('eps × 255');
    expect(y.title!.text).toBe('accuracy');
    expect(y2.title).toBeUndefined();
    expect(y.range).toEqual([0, 1]);
    expect(y2.matches).toBe('y');
    expect(x.range![0]).toBeLessThan(0);
    expect(x.range![1]).toBeGreaterThan(0.2 * 255);
    expect(lines(fig)[0].x).toEqual([0, 0.05 * 255, 0.1 * 255, 0.2 * 255]);
    // Panels side by side, not overlapping.
    expect(x.domain![1]).toBeLessThan(figureAxis(fig, 'x2')!.domain![0]);
  });

  it('wraps panels into rows', () => {
    const many = ['a', 'b', 'c', 'd'].flatMap((attack) => [row('dense', attack, 0, 80), row('dense', attack, 0.1, 20)]);
    const fig = accuracyVsEpsFigure(many, { columns: 2, bands: false });
    expect(fig.data).toHaveLength(4);
    expect(figureAxis(fig, 'y')!.domain![0]).toBeGreaterThan(figureAxis(fig, 'y3')!.domain![1]);
    expect(figureAxis(fig, 'y3')!.title!.text).toBe('accuracy');
    expect(figureAxis(fig, 'y2')!.title).toBeUndefined();
  });

  it('names lines by model and sample fraction when needed', () => {
    const mixed = [
      row('sap', 'fgsm', 0, 90, { sampleFraction: 0.5 }),
      row('sap', 'fgsm', 0, 91, { sampleFraction: 1 }),
      row('sap', 'fgsm', 0, 80, { sampleFraction: 1, model: 'resnet20' }),
    ];
    expect(lines(accuracyVsEpsFigure(mixed)).map((t) => t.name)).toEqual([
      'fashion_cnn · sap (r/N = 0.5)',
      'fashion_cnn · sap (r/N = 1)',
      'resnet20 · sap (r/N = 1)',
    ]);
    expect(lines(accuracyVsEpsFigure(mixed, { lineBy: (r) => `seed-less ${r.accuracy}` })).map((t) => t.name)).toHaveLength(3);
  });

  it('rejects duplicate points and empty input', () => {
    expect(() => accuracyVsEpsFigure([row('dense', 'fgsm', 0.1, 50), row('dense', 'fgsm', 0.1, 60)])).toThrow(/two rows for line "dense", attack "fgsm", eps 0.1/);
    expect(() => accuracyVsEpsFigure([])).toThrow(/no rows/);
    expect(() => accuracyVsEpsFigure(rows, { epsScale: 0 })).toThrow(/epsScale/);
  });

  it('is plain JSON', () => {
    const fig = accuracyVsEpsFigure(rows);
    expect(JSON.parse(JSON.stringify(fig))).toEqual(fig);
    expect(fig.layout.colorway).toEqual(THEME.colors);
  });
});
