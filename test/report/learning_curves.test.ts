import { describe, expect, it } from 'vitest';
import { learningCurvesFigure, THEME } from 'saplab';
import { figureAxis } from '../../lib/report/figure';

// Fictitious play on matching pennies: the running payoff tends to the game value 0.
const payoff = Array.from({ length: 200 }, (_, t) => Math.cos(t / 3) / (t + 1));

describe('learningCurvesFigure', () => {
  it('draws a line per curve and the reference value', () => {
    const fig = learningCurvesFigure([{ name: 'fictitious play', values: payoff }, { name: 'hedge', values: [0.5, 0.25, 0.1], iterations: [10, 20, 40] }], {
      reference: { value: 0, name: 'game value' },
    });
    expect(fig.data.map((t) => t.name)).toEqual(['fictitious play', 'hedge', 'game value = 0']);
    expect(fig.data[0].x).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(fig.data[0].y).toEqual(payoff);
    expect(fig.data[0].mode).toBe('lines');
    expect(fig.data[1].mode).toBe('lines+markers');
    expect(fig.data[1].x).toEqual([10, 20, 40]);
    expect(fig.data[2].x).toEqual([1, 200]);
    expect(fig.data[2].y).toEqual([0, 0]);
    expect((fig.data[1].line as { color: string }).color).toBe(THEME.colors[1]);
    expect(figureAxis(fig, 'x')!.title!.text).toBe('iteration');
    expect(figureAxis(fig, 'y')!.title!.text).toBe('value');
  });

  it('takes a record, axis titles and a log x axis', () => {
    const fig = learningCurvesFigure({ row: [1, 2], column: [3, 4] }, { xTitle: 'round', yTitle: 'payoff', logX: true, reference: 0.5 });
    expect(fig.data.map((t) => t.name)).toEqual(['row', 'column', 'reference = 0.5']);
    expect(figureAxis(fig, 'x')).toMatchObject({ type: 'log', title: { text: 'round' } });
    expect(figureAxis(fig, 'y')!.title!.text).toBe('payoff');
  });

  it('draws a log y axis for positive values only', () => {
    const fig = learningCurvesFigure({ gap: [1, 0.5, 0.25] }, { logX: true, logY: true, reference: 0.1 });
    expect(figureAxis(fig, 'y')).toMatchObject({ type: 'log' });
    expect(figureAxis(fig, 'x')).toMatchObject({ type: 'log' });
    expect(figureAxis(learningCurvesFigure({ gap: [1, 2] }), 'y')!.type).toBeUndefined();
    expect(() => learningCurvesFigure({ gap: [1, 0] }, { logY: true })).toThrow(/logY needs positive values/);
    expect(() => learningCurvesFigure({ gap: [1, 2] }, { logY: true, reference: 0 })).toThrow(/positive reference/);
  });

  it('rejects empty, ragged and non-finite curves', () => {
    expect(() => learningCurvesFigure([])).toThrow(/no curves/);
    expect(() => learningCurvesFigure({ a: [] })).toThrow(/"a" is empty/);
    expect(() => learningCurvesFigure([{ name: 'a', values: [1, 2], iterations: [1] }])).toThrow(/2 values but 1 iterations/);
    expect(() => learningCurvesFigure({ a: [1, NaN] })).toThrow(/non-finite point at index 1/);
    expect(() => learningCurvesFigure([{ name: 'a', values: [1], iterations: [0] }], { logX: true })).toThrow(/positive iterations/);
  });
});
