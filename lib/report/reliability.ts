/**
 * Reliability diagrams (Guo et al., 2017, figure 1): per-bin accuracy against confidence with
 * the diagonal of perfect calibration, the gap to each bin's mean confidence, and below it the
 * histogram of confidences. Several results sit side by side, one column each.
 */
import type { CalibrationResult } from '../metrics/calibration';
import { escapeLabel, panelTitle, PlotlyAxis, PlotlyFigure, PlotlyLayout, PlotlyTrace, subplotGrid } from './figure';
import { OKABE_ITO, THEME, themedLayout, withAlpha } from './theme';
import { displayable } from './show';

/** One result, several (labelled `labels[i]` or `model i`), or a record of labelled results. */
export type ReliabilityInput = CalibrationResult | CalibrationResult[] | Record<string, CalibrationResult>;

/** Options of `reliabilityFigure`. */
export interface ReliabilityOptions {
  /** Labels of an array of results. Default `['model 1', ...]`, or `''` for a single result. */
  labels?: string[];
  /** Figure title. Default `'Reliability diagram'`. */
  title?: string;
  /** Draw the confidence histogram under each diagram. Default `true`. */
  histogram?: boolean;
  /** Draw the gap between accuracy and mean confidence. Default `true`. */
  showGap?: boolean;
  /** Size in pixels. Defaults: 340 px per column plus margins; 560 px high (420 without the
   * histogram). */
  width?: number;
  height?: number;
}

function isCalibrationResult(x: unknown): x is CalibrationResult {
  return typeof x === 'object' && x !== null && Array.isArray((x as CalibrationResult).bins) && typeof (x as CalibrationResult).ece === 'number';
}

function entries(input: ReliabilityInput, labels?: string[]): [string, CalibrationResult][] {
  if (isCalibrationResult(input)) return [[labels?.[0] ?? '', input]];
  if (Array.isArray(input)) {
    if (labels && labels.length !== input.length) throw new Error(`reliabilityFigure: ${labels.length} labels for ${input.length} results`);
    return input.map((r, i) => [labels?.[i] ?? `model ${i + 1}`, r]);
  }
  if (typeof input === 'object' && input !== null) return Object.entries(input);
  throw new Error('reliabilityFigure: expected a calibration result, an array of them or a record of them');
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/**
 * A reliability figure from `calibration(...)` results. For each result, in its own column:
 * traces `accuracy` (bars at the bin centres, empty bins left out), `gap` (from accuracy to the
 * bin's mean confidence, when `showGap`), the diagonal, and `confidence histogram` (fraction of
 * examples per bin, when `histogram`). The column title carries ECE and MCE; dashed lines in
 * the histogram mark the overall accuracy and mean confidence.
 */
export function reliabilityFigure(input: ReliabilityInput, options: ReliabilityOptions = {}): PlotlyFigure {
  const items = entries(input, options.labels);
  if (items.length === 0) throw new Error('reliabilityFigure: no results');
  for (const [label, r] of items) {
    if (!isCalibrationResult(r)) throw new Error(`reliabilityFigure: ${label || 'input'} is not a calibration result`);
  }
  const histogram = options.histogram ?? true;
  const showGap = options.showGap ?? true;
  const cols = items.length;
  const cells = subplotGrid(cols, cols, { gapX: 0.08 });
  const layout: PlotlyLayout = {
    title: { text: options.title ?? 'Reliability diagram' },
    width: options.width ?? 100 + 340 * cols,
    height: options.height ?? (histogram ? 560 : 420),
    barmode: 'overlay',
    bargap: 0,
    annotations: [],
    shapes: [],
    legend: { orientation: 'h', x: 0, y: histogram ? -0.22 : -0.25, yanchor: 'top' },
    margin: { b: 120 },
  };
  const data: PlotlyTrace[] = [];
  const topBand: [number, number] = histogram ? [0.34, 1] : [0, 1];
  const histBand: [number, number] = [0, 0.22];

  items.forEach(([label, r], c) => {
    const cell = cells[c];
    const top = 1 + 2 * c;
    const bottom = top + 1;
    const xTop = top === 1 ? 'x' : `x${top}`;
    const yTop = top === 1 ? 'y' : `y${top}`;
    const xBot = `x${bottom}`;
    const yBot = `y${bottom}`;
    const first = c === 0;
    const centres = r.bins.map((b) => (b.lower + b.upper) / 2);
    const widths = r.bins.map((b) => b.upper - b.lower);
    data.push({
      type: 'bar',
      name: 'accuracy',
      x: centres,
      y: r.bins.map((b) => b.accuracy),
      width: widths,
      customdata: r.bins.map((b) => [b.lower, b.upper, b.count, b.confidence]),
      hovertemplate: '(%{customdata[0]:.2f}, %{customdata[1]:.2f}]: accuracy %{y:.3f}, confidence %{customdata[3]:.3f}, n %{customdata[2]}<extra></extra>',
      marker: { color: OKABE_ITO.blue, line: { color: '#FFFFFF', width: 1 } },
      legendgroup: 'accuracy',
      showlegend: first,
      xaxis: xTop,
      yaxis: yTop,
    });
    if (showGap) {
      data.push({
        type: 'bar',
        name: 'gap to confidence',
        x: centres,
        base: r.bins.map((b) => b.accuracy),
        y: r.bins.map((b) => (b.accuracy === null || b.confidence === null ? null : b.confidence - b.accuracy)),
        width: widths,
        hoverinfo: 'skip',
        marker: {
          color: withAlpha(OKABE_ITO.vermillion, 0.3),
          line: { color: OKABE_ITO.vermillion, width: 1 },
          pattern: { shape: '/', fgcolor: OKABE_ITO.vermillion, size: 6 },
        },
        legendgroup: 'gap',
        showlegend: first,
        xaxis: xTop,
        yaxis: yTop,
      });
    }
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'perfect calibration',
      x: [0, 1],
      y: [0, 1],
      line: { color: THEME.reference, dash: 'dash', width: 1.5 },
      hoverinfo: 'skip',
      legendgroup: 'diagonal',
      showlegend: first,
      xaxis: xTop,
      yaxis: yTop,
    });
    layout[top === 1 ? 'xaxis' : `xaxis${top}`] = {
      domain: cell.xDomain,
      anchor: yTop,
      range: [0, 1],
      ...(histogram ? { showticklabels: true } : { title: { text: 'confidence' } }),
    } satisfies PlotlyAxis;
    layout[top === 1 ? 'yaxis' : `yaxis${top}`] = {
      domain: topBand,
      anchor: xTop,
      range: [0, 1],
      ...(first ? { title: { text: 'accuracy' } } : {}),
    } satisfies PlotlyAxis;
    const heading = `${label ? `<b>${escapeLabel(label)}</b> · ` : ''}ECE ${pct(r.ece)} · MCE ${pct(r.mce)}`;
    layout.annotations!.push(panelTitle(heading, cell.xDomain, topBand[1] + 0.01));

    if (histogram) {
      const fractions = r.bins.map((b) => b.count / r.n);
      data.push({
        type: 'bar',
        name: 'confidence histogram',
        x: centres,
        y: fractions,
        width: widths,
        customdata: r.bins.map((b) => b.count),
        hovertemplate: '%{y:.1%} of examples (%{customdata})<extra></extra>',
        marker: { color: OKABE_ITO.skyBlue, line: { color: '#FFFFFF', width: 1 } },
        legendgroup: 'histogram',
        showlegend: first,
        xaxis: xBot,
        yaxis: yBot,
      });
      layout[`xaxis${bottom}`] = { domain: cell.xDomain, anchor: yBot, range: [0, 1], matches: xTop, title: { text: 'confidence' } } satisfies PlotlyAxis;
      layout[`yaxis${bottom}`] = {
        domain: histBand,
        anchor: xBot,
        range: [0, Math.max(...fractions) * 1.1 || 1],
        tickformat: '.0%',
        ...(first ? { title: { text: 'examples' } } : {}),
      } satisfies PlotlyAxis;
      for (const [value, dash, name] of [
        [r.accuracy, 'solid', 'accuracy'],
        [r.confidence, 'dot', 'mean confidence'],
      ] as const) {
        layout.shapes!.push({
          type: 'line',
          xref: xBot,
          yref: 'paper',
          x0: value,
          x1: value,
          y0: histBand[0],
          y1: histBand[1],
          line: { color: name === 'accuracy' ? OKABE_ITO.blue : OKABE_ITO.vermillion, dash, width: 1.5 },
          name,
        });
      }
    }
  });
  return displayable({ data, layout: themedLayout(layout), config: { responsive: true, displaylogo: false } });
}
