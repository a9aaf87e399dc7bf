import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adversarialGridFigure, THEME } from 'saplab';
import { figureAxis } from '../../lib/report/figure';
import { expectNoLeak } from '../helpers';

const n = 3;
const h = 4;
const w = 5;
// Clean images: a ramp; adversarial: the ramp plus ±0.1 on a checkerboard, clipped to [0, 1].
const clean = Array.from({ length: n }, (_, i) => Array.from({ length: h }, (_, r) => Array.from({ length: w }, (_, c) => [(i + r + c) / 12])));
const adv = clean.map((img) => img.map((row, r) => row.map(([v], c) => [Math.min(1, Math.max(0, v + ((r + c) % 2 ? 0.1 : -0.1)))])));
const classNames = ['T-shirt', 'Trouser', 'Pullover'];

describe('adversarialGridFigure', () => {
  it('draws clean, perturbation and adversarial rows as heatmaps', () => {
    const fig = adversarialGridFigure({ clean, adv, labels: [0, 1, 2], predClean: [0, 1, 1], predAdv: [2, 1, 0], classNames });
    expect(fig.data).toHaveLength(3 * n);
    expect(fig.data.every((t) => t.type === 'heatmap')).toBe(true);
    const [c0] = fig.data;
    expect(c0.z).toEqual(clean[0].map((row) => row.map(([v]) => expect.closeTo(v, 4))));
    expect(c0).toMatchObject({ zmin: 0, zmax: 1, colorscale: THEME.greys });
    const p0 = fig.data[n];
    expect((p0.z as number[][])[1][1]).toBeCloseTo(-0.1, 4);
    expect((p0.z as number[][])[1][2]).toBeCloseTo(0.1, 4);
    expect((p0.z as number[][])[0][0]).toBe(0); // clipped at the lower bound
    expect(p0.zmax).toBeCloseTo(0.1, 6);
    expect(p0.zmin).toBeCloseTo(-0.1, 6);
    expect(p0.colorscale).toEqual(THEME.diverging);
    expect(fig.data.filter((t) => t.showscale).length).toBe(1);
    expect(fig.data[2 * n].z).toEqual(adv[0].map((row) => row.map(([v]) => expect.closeTo(v, 4))));
  });

  it('puts predictions in the titles and marks misclassifications', () => {
    const fig = adversarialGridFigure({ clean, adv, labels: [0, 1, 2], predClean: [0, 1, 1], predAdv: [2, 1, 0], classNames });
    const texts = fig.layout.annotations!.map((a) => a.text);
    expect(texts).toContain('true: T-shirt<br>pred: T-shirt');
    expect(texts).toContain('true: Pullover<br>pred: Trouser');
    expect(texts).toContain(`<span style="color:${THEME.bad}">✗ pred: Pullover</span>`);
    expect(texts).toContain('✓ pred: Trouser');
    expect(texts.filter((t) => t.startsWith('‖δ‖∞ = 0.1'))).toHaveLength(n);
    expect(texts).toEqual(expect.arrayContaining(['<b>clean</b>', '<b>perturbation</b>', '<b>adversarial</b>']));
  });

  it('lays out square, unlabelled image axes with rows top to bottom', () => {
    const fig = adversarialGridFigure({ clean, adv });
    const y = figureAxis(fig, 'y')!;
    expect(y.range).toEqual([h - 0.5, -0.5]);
    expect(y.scaleanchor).toBe('x');
    expect(figureAxis(fig, 'x')!.showticklabels).toBe(false);
    expect(figureAxis(fig, 'y')!.domain![0]).toBeGreaterThan(figureAxis(fig, `y${n + 1}`)!.domain![1]);
    expect(figureAxis(fig, `y${2 * n + 1}`)!.domain![1]).toBeLessThan(figureAxis(fig, `y${n + 1}`)!.domain![0]);
  });

  it('reads tensors (labels or scores) without leaking, and limits the columns', async () => {
    const ct = tf.tensor4d(clean.flat(3), [n, h, w, 1]);
    const at = tf.tensor4d(adv.flat(3), [n, h, w, 1]);
    const scores = tf.tensor2d([[0.1, 0.9, 0], [0.8, 0.1, 0.1], [0, 0, 1]]);
    const labels = tf.tensor1d([1, 0, 2], 'int32');
    const fig = await expectNoLeak(() => adversarialGridFigure({ clean: ct, adv: at, predAdv: scores, labels, classNames }, { maxExamples: 2 }));
    expect(fig.data).toHaveLength(6);
    expect(fig.layout.annotations!.map((a) => a.text)).toContain('✓ pred: Trouser');
    tf.dispose([ct, at, scores, labels]);
  });

  it('draws RGB images as image traces', () => {
    const rgb = { data: new Float32Array(2 * 2 * 2 * 3).fill(0.5), shape: [2, 2, 2, 3] };
    const rgbAdv = { data: new Float32Array(2 * 2 * 2 * 3).fill(0.75), shape: [2, 2, 2, 3] };
    const fig = adversarialGridFigure({ clean: rgb, adv: rgbAdv });
    expect(fig.data.map((t) => t.type)).toEqual(Array(6).fill('image'));
    expect((fig.data[0].z as number[][][])[0][0]).toEqual([128, 128, 128]);
    expect((fig.data[2].z as number[][][])[0][0]).toEqual([255, 255, 255]); // δ = +range → top of the scale
    expect((fig.data[4].z as number[][][])[0][0]).toEqual([191, 191, 191]);
  });

  it('rejects mismatched or malformed input', () => {
    expect(() => adversarialGridFigure({ clean, adv: adv.slice(0, 2) })).toThrow(/differ in shape/);
    expect(() => adversarialGridFigure({ clean, adv, labels: [0, 1] })).toThrow(/labels has 2 entries for 3 images/);
    expect(() => adversarialGridFigure({ clean: { data: [1, 2], shape: [1, 1, 1, 2] }, adv: { data: [1, 2], shape: [1, 1, 1, 2] } })).toThrow(/1 or 3 channels/);
    expect(() => adversarialGridFigure({ clean: { data: [1, 2, 3], shape: [1, 2, 2, 1] }, adv: { data: [1], shape: [1, 1, 1, 1] } })).toThrow(/do not fill shape/);
    expect(() => adversarialGridFigure({ clean: [[[NaN]]], adv: [[[0]]] })).toThrow(/NaN/);
  });
});
