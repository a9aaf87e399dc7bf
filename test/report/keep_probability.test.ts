import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { keepProbabilityFigure, THEME } from 'saplab';
import { figureAxis } from '../../lib/report/figure';
import { expectNoLeak } from '../helpers';

const h = 3;
const w = 4;
const c = 10;
// keep[r][col][ch] = (ch + 1) / 10 except a single hot unit per channel.
const keep = Array.from({ length: h }, (_, r) => Array.from({ length: w }, (_, col) => Array.from({ length: c }, (_, ch) => (r === 0 && col === ch % w ? 1 : (ch + 1) / 20))));

describe('keepProbabilityFigure', () => {
  it('draws the first channels on one shared [0, 1] colour axis', () => {
    const fig = keepProbabilityFigure(keep);
    expect(fig.data).toHaveLength(8);
    expect(fig.data.every((t) => t.type === 'heatmap' && t.coloraxis === 'coloraxis')).toBe(true);
    expect(fig.layout.coloraxis).toMatchObject({ cmin: 0, cmax: 1, colorscale: THEME.sequential });
    const z3 = fig.data[3].z as number[][];
    expect(z3).toHaveLength(h);
    expect(z3[0]).toHaveLength(w);
    expect(z3[0][3]).toBe(1);
    expect(z3[1][0]).toBeCloseTo(0.2, 6);
    expect(fig.layout.annotations![3].text).toBe(`channel 3 · mean ${((11 * 0.2 + 1) / 12).toFixed(2)}`);
  });

  it('lays out a grid of square panels, rows top to bottom', () => {
    const fig = keepProbabilityFigure(keep, { columns: 3, maxChannels: 5 });
    expect(fig.data).toHaveLength(5);
    expect(figureAxis(fig, 'y')!.range).toEqual([h - 0.5, -0.5]);
    expect(figureAxis(fig, 'x')!.range).toEqual([-0.5, w - 0.5]);
    expect(figureAxis(fig, 'y4')!.domain![1]).toBeLessThan(figureAxis(fig, 'y')!.domain![0]);
    expect(figureAxis(fig, 'x3')!.domain![1]).toBeLessThanOrEqual(1);
  });

  it('shows chosen channels and accepts Float32Array + shape and tensors', async () => {
    const data = new Float32Array(keep.flat(2));
    const a = keepProbabilityFigure({ data, shape: [h, w, c] }, { channels: [9, 2] });
    expect(a.data.map((t) => t.name)).toEqual(['channel 9', 'channel 2']);
    expect(keepProbabilityFigure(data, { shape: [h, w, c], channels: [9, 2] }).data).toEqual(a.data);
    expect(() => keepProbabilityFigure(data)).toThrow(/needs options.shape/);
    const t = tf.tensor4d(data, [1, h, w, c]);
    const b = await expectNoLeak(() => keepProbabilityFigure(t, { channels: [9, 2] }));
    expect(b.data.map((tr) => tr.z)).toEqual(a.data.map((tr) => tr.z));
    t.dispose();
  });

  it('rejects values outside [0, 1], bad shapes and bad channels', () => {
    expect(() => keepProbabilityFigure([[[1.5]]])).toThrow(/not a probability/);
    expect(() => keepProbabilityFigure([[0.5]] as never)).toThrow(/must be \[h, w, c\]/);
    expect(() => keepProbabilityFigure(keep, { channels: [10] })).toThrow(/channel 10 is not in \[0, 9\]/);
    expect(() => keepProbabilityFigure(keep, { channels: [] })).toThrow(/no channels/);
  });
});
