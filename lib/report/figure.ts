/**
 * Plotly figures as plain JSON: the types saplab's figure builders return, and the layout
 * arithmetic they share (subplot grids, panel titles). A figure is `{ data, layout, config }`
 * exactly as `Plotly.newPlot(div, data, layout, config)` takes it; nothing here touches a DOM.
 */

/** One Plotly trace (`scatter`, `bar`, `heatmap`, `image`, ...). */
export interface PlotlyTrace {
  type: string;
  name?: string;
  x?: unknown[];
  y?: unknown[];
  z?: unknown;
  xaxis?: string;
  yaxis?: string;
  showlegend?: boolean;
  legendgroup?: string;
  [key: string]: unknown;
}

/** A Plotly axis (`layout.xaxis`, `layout.yaxis2`, ...). */
export interface PlotlyAxis {
  title?: { text: string; [key: string]: unknown };
  range?: [number, number];
  domain?: [number, number];
  anchor?: string;
  matches?: string;
  type?: string;
  [key: string]: unknown;
}

/** A Plotly annotation (panel titles, row labels). */
export interface PlotlyAnnotation {
  text: string;
  x: number;
  y: number;
  xref?: string;
  yref?: string;
  showarrow?: boolean;
  [key: string]: unknown;
}

/** A Plotly layout. Axes are under `xaxis`, `xaxis2`, ..., `yaxis`, `yaxis2`, .... */
export interface PlotlyLayout {
  title?: { text: string; [key: string]: unknown };
  width?: number;
  height?: number;
  annotations?: PlotlyAnnotation[];
  shapes?: Record<string, unknown>[];
  [key: string]: unknown;
}

/** A Plotly figure: what every saplab figure builder returns. */
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
  config?: Record<string, unknown>;
}

/** The axis key of a trace reference: `'x'` → `'xaxis'`, `'y3'` → `'yaxis3'`. */
function axisKey(ref: string): string {
  const m = /^([xy])(\d*)$/.exec(ref);
  if (!m) throw new Error(`not an axis reference: ${ref}`);
  return `${m[1]}axis${m[2] === '1' ? '' : m[2]}`;
}

/** The axis object a trace reference points to (`'x2'` → `layout.xaxis2`), if any. */
export function figureAxis(figure: PlotlyFigure, ref: string): PlotlyAxis | undefined {
  return figure.layout[axisKey(ref)] as PlotlyAxis | undefined;
}

/** One cell of a subplot grid. */
interface GridCell {
  row: number;
  column: number;
  /** Trace references, e.g. `'x3'`, `'y3'` (`'x'`, `'y'` for the first cell). */
  x: string;
  y: string;
  /** Paper-coordinate domains. */
  xDomain: [number, number];
  yDomain: [number, number];
}

/** Spacing of a grid of subplots. */
interface GridOptions {
  /** Horizontal gap between cells, as a fraction of the width. Default 0.06. */
  gapX?: number;
  /** Vertical gap between cells, as a fraction of the height. Default 0.1. */
  gapY?: number;
  /** Index of the first axis pair. Default 1. */
  firstAxis?: number;
  /** Paper-coordinate band the grid occupies vertically. Default [0, 1]. */
  yBand?: [number, number];
}

/** Cells of a `rows` × `columns` grid, row-major from the top left, `count` of them. */
export function subplotGrid(count: number, columns: number, options: GridOptions = {}): GridCell[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`subplotGrid: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`subplotGrid: columns must be a positive integer, got ${columns}`);
  const cols = Math.min(columns, count);
  const rows = Math.ceil(count / cols);
  const gapX = cols > 1 ? (options.gapX ?? 0.06) : 0;
  const gapY = rows > 1 ? (options.gapY ?? 0.1) : 0;
  const [bandLow, bandHigh] = options.yBand ?? [0, 1];
  const w = (1 - gapX * (cols - 1)) / cols;
  const h = (bandHigh - bandLow - gapY * (rows - 1)) / rows;
  const first = options.firstAxis ?? 1;
  const cells: GridCell[] = [];
  for (let i = 0; i < count; i++) {
    const row = Math.floor(i / cols);
    const column = i % cols;
    const k = first + i;
    const x0 = column * (w + gapX);
    const y1 = bandHigh - row * (h + gapY);
    cells.push({
      row,
      column,
      x: k === 1 ? 'x' : `x${k}`,
      y: k === 1 ? 'y' : `y${k}`,
      xDomain: [round(x0), round(x0 + w)],
      yDomain: [round(y1 - h), round(y1)],
    });
  }
  return cells;
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** A centred title above a subplot cell. */
export function panelTitle(text: string, xDomain: [number, number], yTop: number, extra: Record<string, unknown> = {}): PlotlyAnnotation {
  return {
    text,
    x: (xDomain[0] + xDomain[1]) / 2,
    y: yTop,
    xref: 'paper',
    yref: 'paper',
    xanchor: 'center',
    yanchor: 'bottom',
    showarrow: false,
    ...extra,
  };
}

/** Escapes text for Plotly's HTML-like label markup (`<`, `>`, `&`). */
export function escapeLabel(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
