import { describe, expect, it } from 'vitest';
import { certifiedAccuracyFigure, type RadiusCurve } from '../../lib/report/certified_accuracy';
import { ABSTAIN, certifiedAccuracy } from '../../lib/defenses/smoothing_certify';
import { figureAxis } from '../../lib/report/figure';
import { DEFENSE_COLORS, OKABE_ITO, THEME } from '../../lib/report/theme';

// Four images with labels 0, 1, 2, 3: certified correct at radii 0.2 and 0.5, one wrong class, one abstention.
const labels = [0, 1, 2, 3];
const cert = { predictions: [0, 1, 7, ABSTAIN], radii: [0.2, 0.5, 0.9, 0] };
const grid = [0, 0.1, 0.2, 0.3, 0.5, 0.6];

describe('certifiedAccuracyFigure', () => {
  it('draws certified curves as steps and empirical ones dashed with markers, sharing a colour by group', () => {
    const certified = certifiedAccuracy(cert, labels, grid);
    // By hand: two of four certified correct up to 0.2, one up to 0.5, none beyond.
    expect(certified).toEqual([0.5, 0.5, 0.5, 0.25, 0.25, 0]);
    const curves: RadiusCurve[] = [
      { name: 'σ = 0.25, certified', kind: 'certified', radii: grid, accuracy: certified, group: 'σ = 0.25' },
      { name: 'σ = 0.25, SmoothAdv', kind: 'empirical', radii: [0, 0.25, 0.5], accuracy: [0.75, 0.5, 0.5], group: 'σ = 0.25' },
      { name: 'SAP-100, PGD-L2', kind: 'empirical', radii: [0, 0.25, 0.5], accuracy: [0.75, 0.25, 0] },
    ];
    const fig = certifiedAccuracyFigure(curves, { title: 'T' });
    expect(fig.data.map((t) => t.name)).toEqual(['σ = 0.25, certified', 'σ = 0.25, SmoothAdv', 'SAP-100, PGD-L2']);
    expect(fig.data[0]).toMatchObject({ mode: 'lines', x: grid, y: certified, line: { shape: 'hv' } });
    expect(fig.data[1]).toMatchObject({ mode: 'lines+markers', x: [0, 0.25, 0.5], y: [0.75, 0.5, 0.5], line: { dash: 'dash' } });
    const color = (i: number) => (fig.data[i].line as { color: string }).color;
    expect(color(0)).toBe(THEME.colors[0]);
    expect(color(1)).toBe(color(0));
    expect(color(2)).toBe(DEFENSE_COLORS['SAP-100']);
    expect(fig.layout.title!.text).toBe('T');
    expect(figureAxis(fig, 'x')!.title!.text).toBe('L2 radius');
    expect(figureAxis(fig, 'y')).toMatchObject({ title: { text: 'accuracy' }, range: [0, 1.02] });
  });

  it('gives distinct groups distinct colours, named defenses their own', () => {
    const curve = (group: string): RadiusCurve => ({ name: `${group} curve`, kind: 'certified', radii: [0], accuracy: [0.5], group });
    // Unnamed groups take the theme colours in order, skipping black, yellow and the colours of named defenses present.
    const groups = ['σ = 0.12', 'σ = 0.25', 'σ = 0.5', 'dense', 'SAP-100 · PGD'];
    const fig = certifiedAccuracyFigure(groups.map(curve));
    const colors = fig.data.map((t) => (t.line as { color: string }).color);
    expect(colors.slice(3)).toEqual([OKABE_ITO.black, DEFENSE_COLORS['SAP-100']]);
    const pool = THEME.colors.filter((c) => c !== OKABE_ITO.black && c !== OKABE_ITO.yellow && c !== DEFENSE_COLORS['SAP-100']);
    expect(colors.slice(0, 3)).toEqual(pool.slice(0, 3));
    expect(new Set(colors).size).toBe(5);
  });

  it('adds vertical markers last, across the accuracy range', () => {
    const fig = certifiedAccuracyFigure([{ name: 'c', kind: 'certified', radii: [0, 1], accuracy: [0.8, 0.4] }], {
      markers: [{ value: 2.8, name: 'L∞ ball, eps 0.1' }],
      xTitle: 'r',
    });
    expect(fig.data).toHaveLength(2);
    expect(fig.data[1]).toMatchObject({ name: 'L∞ ball, eps 0.1', x: [2.8, 2.8], y: [0, 1], line: { color: THEME.reference, dash: 'dot' } });
    expect(figureAxis(fig, 'x')!.title!.text).toBe('r');
  });

  it('rejects empty, ragged, unsorted, negative and out-of-range input', () => {
    const ok = { name: 'a', kind: 'certified' as const, radii: [0, 1], accuracy: [1, 0] };
    expect(() => certifiedAccuracyFigure([])).toThrow(/no curves/);
    expect(() => certifiedAccuracyFigure([{ ...ok, radii: [], accuracy: [] }])).toThrow(/"a" is empty/);
    expect(() => certifiedAccuracyFigure([{ ...ok, accuracy: [1] }])).toThrow(/2 radii but 1 accuracies/);
    expect(() => certifiedAccuracyFigure([{ ...ok, radii: [0.5, 0.5] }])).toThrow(/do not increase at index 1/);
    expect(() => certifiedAccuracyFigure([{ ...ok, radii: [-0.1, 1] }])).toThrow(/radius -0.1/);
    expect(() => certifiedAccuracyFigure([{ ...ok, radii: [0, NaN] }])).toThrow(/radius NaN/);
    expect(() => certifiedAccuracyFigure([{ ...ok, accuracy: [1.5, 0] }])).toThrow(/outside \[0, 1\]/);
    expect(() => certifiedAccuracyFigure([{ ...ok, kind: 'bound' as never }])).toThrow(/kind bound/);
    expect(() => certifiedAccuracyFigure([ok], { markers: [{ value: Infinity, name: 'm' }] })).toThrow(/marker "m"/);
  });
});
