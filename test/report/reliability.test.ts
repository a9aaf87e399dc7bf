import { describe, expect, it } from 'vitest';
import { calibration, OKABE_ITO, reliabilityFigure } from 'saplab';
import { figureAxis } from '../../lib/report/figure';

const probs = [
  [0.9, 0.05, 0.05],
  [0.7, 0.2, 0.1],
  [0.1, 0.6, 0.3],
  [0.5, 0.3, 0.2],
  [0.2, 0.2, 0.6],
];
const y = [0, 1, 1, 0, 0];
const cal = calibration(probs, y, { bins: 5 });
const perfect = calibration(Array.from({ length: 10 }, () => [0.8, 0.2]), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1], { bins: 5 });

describe('reliabilityFigure', () => {
  it('draws accuracy bars, gaps, the diagonal and the histogram', () => {
    const fig = reliabilityFigure(cal);
    expect(fig.data.map((t) => t.name)).toEqual(['accuracy', 'gap to confidence', 'perfect calibration', 'confidence histogram']);
    const [acc, gap, diag, hist] = fig.data;
    expect(acc.x).toEqual([0.1, 0.3, 0.5, 0.7, 0.9].map((v) => expect.closeTo(v, 12)));
    // Empty bins have no bar.
    expect(acc.y).toEqual(cal.bins.map((b) => b.accuracy));
    expect((acc.y as (number | null)[]).slice(0, 2)).toEqual([null, null]);
    expect(acc.width).toEqual(cal.bins.map(() => expect.closeTo(0.2, 12)));
    expect(gap.base).toEqual(acc.y);
    expect((gap.y as number[])[3]).toBeCloseTo(0.7, 12); // confidence .7, accuracy 0
    expect(diag.x).toEqual([0, 1]);
    expect(diag.y).toEqual([0, 1]);
    expect(hist.y).toEqual([0, 0, 0.6, 0.2, 0.2]);
    expect(hist.xaxis).toBe('x2');
  });

  it('labels axes, fixes ranges and reports ECE and MCE', () => {
    const fig = reliabilityFigure(cal);
    expect(figureAxis(fig, 'x')!.range).toEqual([0, 1]);
    expect(figureAxis(fig, 'y')!.range).toEqual([0, 1]);
    expect(figureAxis(fig, 'y')!.title!.text).toBe('accuracy');
    expect(figureAxis(fig, 'x2')!.title!.text).toBe('confidence');
    expect(figureAxis(fig, 'x2')!.matches).toBe('x');
    expect(figureAxis(fig, 'y2')!.range![1]).toBeCloseTo(0.66, 12);
    expect(fig.layout.annotations![0].text).toBe('ECE 22.0% · MCE 70.0%');
    // Overall accuracy and mean confidence marked in the histogram.
    expect(fig.layout.shapes!.map((s) => s.x0)).toEqual([cal.accuracy, cal.confidence]);
    expect(fig.data[0].marker).toMatchObject({ color: OKABE_ITO.blue });
  });

  it('puts several results side by side with one legend', () => {
    const fig = reliabilityFigure({ dense: cal, sap: perfect });
    expect(fig.data).toHaveLength(8);
    expect(fig.data.filter((t) => t.showlegend).map((t) => t.name)).toEqual(['accuracy', 'gap to confidence', 'perfect calibration', 'confidence histogram']);
    expect(fig.data.slice(4).map((t) => t.xaxis)).toEqual(['x3', 'x3', 'x3', 'x4']);
    expect(fig.layout.annotations!.map((a) => a.text)).toEqual(['<b>dense</b> · ECE 22.0% · MCE 70.0%', '<b>sap</b> · ECE 0.0% · MCE 0.0%']);
    expect(figureAxis(fig, 'x')!.domain![1]).toBeLessThan(figureAxis(fig, 'x3')!.domain![0]);
    const arr = reliabilityFigure([cal, perfect], { labels: ['a', 'b'], histogram: false, showGap: false });
    expect(arr.data.map((t) => t.name)).toEqual(['accuracy', 'perfect calibration', 'accuracy', 'perfect calibration']);
    expect(figureAxis(arr, 'x')!.title!.text).toBe('confidence');
    expect(figureAxis(arr, 'y')!.domain).toEqual([0, 1]);
  });

  it('rejects bad input', () => {
    expect(() => reliabilityFigure([cal], { labels: ['a', 'b'] })).toThrow(/2 labels for 1 results/);
    expect(() => reliabilityFigure([])).toThrow(/no results/);
    expect(() => reliabilityFigure({ x: { ece: 1 } as never })).toThrow(/x is not a calibration result/);
  });
});
