/**
 * A grid of adversarial examples: one column per example, rows clean image, perturbation
 * (adv − clean on a symmetric diverging scale) and adversarial image, predictions in the titles.
 */
import { ArrayInput, compact, imagePlane, LabelsLike, readArray, readClassIndices, ShapedArray } from './arrays';
import { escapeLabel, PlotlyAnnotation, PlotlyFigure, PlotlyLayout, PlotlyTrace, subplotGrid } from './figure';
import { THEME, themedLayout } from './theme';
import { displayable } from './show';

/** Images and labels shown by `adversarialGridFigure`. */
export interface AdversarialGridInput {
  /** Clean images `[n, h, w, c]` (c = 1 or 3) or `[n, h, w]`. */
  clean: ArrayInput;
  /** Adversarial images, same shape. */
  adv: ArrayInput;
  /** Predictions on the clean images: labels `[n]` or scores `[n, classes]`. */
  predClean?: LabelsLike;
  /** Predictions on the adversarial images. */
  predAdv?: LabelsLike;
  /** True labels `[n]`. */
  labels?: LabelsLike;
  /** Class names indexed by label. Default: the label numbers. */
  classNames?: string[];
}

/** Options of `adversarialGridFigure`. */
export interface AdversarialGridOptions {
  /** Columns shown (the first examples). Default 8. */
  maxExamples?: number;
  /** Value range of the images. Default `[0, 1]`. */
  bounds?: [number, number];
  /** Half-range of the perturbation colour scale. Default: the largest |adv − clean|. */
  perturbationRange?: number;
  /** Figure title. Default `'Adversarial examples'`. */
  title?: string;
  /** Pixel size of one image cell. Default 130. */
  cellSize?: number;
}

const ROWS = ['clean', 'perturbation', 'adversarial'] as const;

function asStack(a: ShapedArray, what: string): ShapedArray {
  if (a.shape.length === 3) return { data: a.data, shape: [...a.shape, 1] };
  if (a.shape.length !== 4) throw new Error(`adversarialGridFigure: ${what} must be [n, h, w, c] or [n, h, w], got shape [${a.shape.join(', ')}]`);
  if (a.shape[3] !== 1 && a.shape[3] !== 3) throw new Error(`adversarialGridFigure: ${what} must have 1 or 3 channels, got ${a.shape[3]}`);
  return a;
}

/** Rows of an RGB image as `[r, g, b]` 0–255 triples, for a Plotly `image` trace. */
function rgbRows(a: ShapedArray, i: number, map: (v: number) => number): number[][][] {
  const [, h, w] = a.shape;
  const out: number[][][] = [];
  for (let r = 0; r < h; r++) {
    const row: number[][] = [];
    for (let col = 0; col < w; col++) {
      const o = ((i * h + r) * w + col) * 3;
      row.push([0, 1, 2].map((ch) => Math.round(Math.min(255, Math.max(0, map(a.data[o + ch]) * 255)))));
    }
    out.push(row);
  }
  return out;
}

/**
 * The adversarial-example grid. Traces: 3 per example (clean, perturbation, adversarial), each a
 * `heatmap` for grey images (grey scale over `bounds`; perturbation on the theme's diverging
 * scale, symmetric around 0, with one colour bar) or an `image` for RGB (the perturbation
 * mapped to 0.5 + δ / (2·range) per channel). Titles: `true` and `pred` above clean images,
 * `‖δ‖∞` above perturbations, `pred` above adversarial images marked ✗ (in the theme's `bad`
 * colour) when it differs from the true label, else ✓.
 */
export function adversarialGridFigure(input: AdversarialGridInput, options: AdversarialGridOptions = {}): PlotlyFigure {
  const clean = asStack(readArray(input.clean, 'clean'), 'clean');
  const adv = asStack(readArray(input.adv, 'adv'), 'adv');
  if (clean.shape.join() !== adv.shape.join()) {
    throw new Error(`adversarialGridFigure: clean [${clean.shape.join(', ')}] and adv [${adv.shape.join(', ')}] differ in shape`);
  }
  const [n, h, w, c] = clean.shape;
  if (n === 0) throw new Error('adversarialGridFigure: no images');
  const maxExamples = options.maxExamples ?? 8;
  if (!Number.isInteger(maxExamples) || maxExamples < 1) throw new Error(`adversarialGridFigure: maxExamples must be a positive integer, got ${maxExamples}`);
  const k = Math.min(n, maxExamples);
  const read = (x: LabelsLike | undefined, what: string): number[] | undefined => {
    if (x === undefined) return undefined;
    const v = readClassIndices(x, what);
    if (v.length !== n) throw new Error(`adversarialGridFigure: ${what} has ${v.length} entries for ${n} images`);
    return v;
  };
  const labels = read(input.labels, 'labels');
  const predClean = read(input.predClean, 'predClean');
  const predAdv = read(input.predAdv, 'predAdv');
  const name = (label: number): string => escapeLabel(input.classNames?.[label] ?? String(label));
  const [b0, b1] = options.bounds ?? [0, 1];
  if (!(b1 > b0)) throw new Error(`adversarialGridFigure: bounds must be increasing, got [${b0}, ${b1}]`);

  let maxDelta = 0;
  const deltaData = new Float64Array(clean.data.length);
  for (let i = 0; i < deltaData.length; i++) {
    deltaData[i] = adv.data[i] - clean.data[i];
    if (i < k * h * w * c) maxDelta = Math.max(maxDelta, Math.abs(deltaData[i]));
  }
  const range = options.perturbationRange ?? (maxDelta > 0 ? maxDelta : 1);
  const delta: ShapedArray = { data: deltaData, shape: clean.shape };

  const cell = options.cellSize ?? 130;
  const gapPx = 48; // room for the titles between rows
  const plotHeight = 3 * cell + 2 * gapPx;
  const cells = subplotGrid(3 * k, k, { gapX: 0.02, gapY: gapPx / plotHeight });
  const data: PlotlyTrace[] = [];
  const annotations: PlotlyAnnotation[] = [];
  const layout: PlotlyLayout = {
    title: { text: options.title ?? 'Adversarial examples' },
    width: 90 + Math.round(cell * k * 1.02) + 70,
    height: 90 + plotHeight + 20,
    margin: { l: 90, r: 70, t: 90, b: 20 },
    annotations,
  };

  for (let r = 0; r < 3; r++) {
    const src = r === 0 ? clean : r === 1 ? delta : adv;
    for (let i = 0; i < k; i++) {
      const g = cells[r * k + i];
      let trace: PlotlyTrace;
      if (c === 1) {
        const z = imagePlane(src, i, 0).map((row) => row.map((v) => compact(v, 5)));
        trace =
          r === 1
            ? {
                type: 'heatmap',
                z,
                zmin: -range,
                zmax: range,
                zmid: 0,
                colorscale: THEME.diverging,
                showscale: i === k - 1,
                colorbar: { title: { text: 'adv − clean' }, len: 0.28, y: 0.5, thickness: 12 },
              }
            : { type: 'heatmap', z, zmin: b0, zmax: b1, colorscale: THEME.greys, showscale: false };
        trace.hovertemplate = `${ROWS[r]} %{z:.3f} at (%{x}, %{y})<extra></extra>`;
      } else {
        const map = r === 1 ? (v: number) => 0.5 + v / (2 * range) : (v: number) => (v - b0) / (b1 - b0);
        trace = { type: 'image', z: rgbRows(src, i, map), hoverinfo: 'skip' };
      }
      trace.name = `${ROWS[r]} ${i}`;
      trace.xaxis = g.x;
      trace.yaxis = g.y;
      data.push(trace);
      const idx = r * k + i;
      layout[idx === 0 ? 'xaxis' : `xaxis${idx + 1}`] = {
        domain: g.xDomain,
        anchor: g.y,
        range: [-0.5, w - 0.5],
        showticklabels: false,
        showgrid: false,
        ticks: '',
        showline: false,
        constrain: 'domain',
      };
      layout[idx === 0 ? 'yaxis' : `yaxis${idx + 1}`] = {
        domain: g.yDomain,
        anchor: g.x,
        range: [h - 0.5, -0.5],
        showticklabels: false,
        showgrid: false,
        ticks: '',
        showline: false,
        scaleanchor: g.x,
        constrain: 'domain',
      };
      let text = '';
      if (r === 0) {
        const parts = [];
        if (labels) parts.push(`true: ${name(labels[i])}`);
        if (predClean) parts.push(`pred: ${name(predClean[i])}`);
        text = parts.join('<br>');
      } else if (r === 1) {
        let linf = 0;
        for (let j = i * h * w * c; j < (i + 1) * h * w * c; j++) linf = Math.max(linf, Math.abs(deltaData[j]));
        text = `‖δ‖∞ = ${Number(linf.toPrecision(3))}`;
      } else if (predAdv) {
        const wrong = labels ? predAdv[i] !== labels[i] : predClean ? predAdv[i] !== predClean[i] : false;
        const mark = labels || predClean ? (wrong ? '✗ ' : '✓ ') : '';
        text = `${mark}pred: ${name(predAdv[i])}`;
        if (wrong) text = `<span style="color:${THEME.bad}">${text}</span>`;
      }
      if (text) {
        annotations.push({
          text,
          x: (g.xDomain[0] + g.xDomain[1]) / 2,
          y: g.yDomain[1] + 0.005,
          xref: 'paper',
          yref: 'paper',
          xanchor: 'center',
          yanchor: 'bottom',
          showarrow: false,
          font: { size: 11 },
        });
      }
    }
    const g0 = cells[r * k];
    annotations.push({
      text: `<b>${ROWS[r]}</b>`,
      x: 0,
      y: (g0.yDomain[0] + g0.yDomain[1]) / 2,
      xref: 'paper',
      yref: 'paper',
      xanchor: 'right',
      yanchor: 'middle',
      xshift: -8,
      textangle: -90,
      showarrow: false,
    });
  }
  return displayable({ data, layout: themedLayout(layout), config: { responsive: false, displaylogo: false } });
}
