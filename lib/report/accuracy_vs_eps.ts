/**
 * Accuracy against the perturbation budget: the paper's main plot (Dhillon et al., 2018,
 * figure of accuracy versus lambda, dense versus SAP), one panel per attack, one line per
 * defense, Wilson intervals as bands.
 */
import { escapeLabel, panelTitle, PlotlyAxis, PlotlyFigure, PlotlyLayout, PlotlyTrace, subplotGrid } from './figure';
import type { ResultRow } from './table';
import { defenseColor, THEME, themeColor, themedLayout, themeSymbol, withAlpha } from './theme';
import { displayable } from './show';

/** Options of `accuracyVsEpsFigure`. */
export interface AccuracyVsEpsOptions {
  /** Column (or function of the row) naming a line. Default: `defense`, prefixed by `model`
   * when the rows hold several models, and suffixed by `sampleFraction` when one defense has
   * several. */
  lineBy?: string | ((row: ResultRow) => string);
  /** Column naming a panel. Default `'attack'`. */
  panelBy?: string;
  /** Draw the Wilson intervals (`accuracyLow`, `accuracyHigh`) as bands. Default `true`. */
  bands?: boolean;
  /** Multiplies eps on the x axis, e.g. 255 for the paper's 0–255 scale. Default 1. */
  epsScale?: number;
  /** Panels per row. Default `min(panels, 3)`. */
  columns?: number;
  /** Figure title. Default `'Accuracy under attack'`. */
  title?: string;
  /** x-axis title. Default `'eps'` (`'eps × 255'` with `epsScale: 255`). */
  xTitle?: string;
  /** y-axis title. Default `'accuracy'`. */
  yTitle?: string;
  /** y-axis range. Default `[0, 1]` (shown as percentages); any other range is shown as plain numbers (e.g. `[-1, 1]` for returns). */
  yRange?: [number, number];
  /**
   * Colour of a line, from its name and its first row. Default: the defense's colour
   * (`defenseColor(row.defense)`, the same in every figure) when lines are defenses (the default
   * `lineBy`, or `lineBy: 'defense'`), else the theme's colours in order of appearance.
   */
  colorOf?: (line: string, row: ResultRow, index: number) => string;
  /** Size in pixels. Defaults: 360 px per panel column plus margins, 320 px per panel row. */
  width?: number;
  height?: number;
}

function defaultLineBy(rows: readonly ResultRow[]): (row: ResultRow) => string {
  const models = new Set(rows.map((r) => r.model));
  const fractions = new Map<string, Set<number | null>>();
  for (const r of rows) {
    if (!fractions.has(r.defense)) fractions.set(r.defense, new Set());
    fractions.get(r.defense)!.add(r.sampleFraction);
  }
  return (r) => {
    let name = r.defense;
    if ((fractions.get(r.defense)?.size ?? 0) > 1 && r.sampleFraction !== null) name += ` (r/N = ${r.sampleFraction})`;
    return models.size > 1 ? `${r.model} · ${name}` : name;
  };
}

function uniqueInOrder<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/**
 * A figure of accuracy against eps from result rows: one panel per attack (`panelBy`), one line
 * per defense (`lineBy`) with the same colour and marker in every panel, and the Wilson
 * interval as a translucent band behind each line. Lines and panels appear in the order of the
 * rows; points are sorted by eps. Throws when two rows give the same line the same eps in one
 * panel (filter the rows, or choose a `lineBy` that separates them).
 *
 * Traces: for each panel, for each line present in it, a band (when `bands`) then the line.
 */
export function accuracyVsEpsFigure(rows: readonly ResultRow[], options: AccuracyVsEpsOptions = {}): PlotlyFigure {
  if (rows.length === 0) throw new Error('accuracyVsEpsFigure: no rows');
  const scale = options.epsScale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`accuracyVsEpsFigure: epsScale must be positive, got ${scale}`);
  const panelBy = options.panelBy ?? 'attack';
  const lineOf =
    typeof options.lineBy === 'function'
      ? options.lineBy
      : options.lineBy !== undefined
        ? (r: ResultRow) => String(r[options.lineBy as string])
        : defaultLineBy(rows);
  const bands = options.bands ?? true;
  const byDefense = options.lineBy === undefined || options.lineBy === 'defense';
  const colorOf = options.colorOf ?? ((_line: string, row: ResultRow, i: number) => (byDefense ? defenseColor(row.defense) : themeColor(i)));
  const panelOf = (r: ResultRow): string => String(r[panelBy]);

  const panels = uniqueInOrder(rows.map(panelOf));
  const lines = uniqueInOrder(rows.map(lineOf));
  const columns = options.columns ?? Math.min(panels.length, 3);
  const cells = subplotGrid(panels.length, columns, { gapX: 0.07, gapY: 0.16 });
  const nRows = Math.ceil(panels.length / Math.min(columns, panels.length));

  const allEps = rows.map((r) => r.eps * scale);
  const lo = Math.min(...allEps);
  const hi = Math.max(...allEps);
  const pad = hi > lo ? 0.03 * (hi - lo) : 0.5 * (hi || 1);
  const xRange: [number, number] = [lo - pad, hi + pad];

  const data: PlotlyTrace[] = [];
  const layout: PlotlyLayout = {
    title: { text: options.title ?? 'Accuracy under attack' },
    width: options.width ?? 120 + 360 * Math.min(columns, panels.length),
    height: options.height ?? 110 + 320 * nRows,
    annotations: [],
    legend: { title: { text: 'defense' } },
    hovermode: 'closest',
  };
  const legendShown = new Set<string>();

  panels.forEach((panel, p) => {
    const cell = cells[p];
    const panelRows = rows.filter((r) => panelOf(r) === panel);
    lines.forEach((line, li) => {
      const pts = panelRows.filter((r) => lineOf(r) === line).sort((a, b) => a.eps - b.eps);
      if (pts.length === 0) return;
      for (let i = 1; i < pts.length; i++) {
        if (pts[i].eps === pts[i - 1].eps) {
          throw new Error(
            `accuracyVsEpsFigure: two rows for line "${line}", ${panelBy} "${panel}", eps ${pts[i].eps}; filter the rows or set lineBy to separate them (e.g. by seed or model)`,
          );
        }
      }
      const color = colorOf(line, pts[0], li);
      const x = pts.map((r) => r.eps * scale);
      if (bands) {
        data.push({
          type: 'scatter',
          mode: 'lines',
          name: `${line} (95% interval)`,
          x: [...x, ...[...x].reverse()],
          y: [...pts.map((r) => r.accuracyHigh), ...pts.map((r) => r.accuracyLow).reverse()],
          fill: 'toself',
          fillcolor: withAlpha(color, THEME.bandOpacity),
          line: { width: 0, color },
          hoverinfo: 'skip',
          showlegend: false,
          legendgroup: line,
          xaxis: cell.x,
          yaxis: cell.y,
        });
      }
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: escapeLabel(line),
        x,
        y: pts.map((r) => r.accuracy),
        customdata: pts.map((r) => [r.accuracyLow, r.accuracyHigh, r.n]),
        hovertemplate: `${escapeLabel(line)}<br>eps %{x}<br>accuracy %{y:.3f} [%{customdata[0]:.3f}, %{customdata[1]:.3f}]<br>n %{customdata[2]}<extra>${escapeLabel(panel)}</extra>`,
        line: { color, width: 2 },
        marker: { color, symbol: themeSymbol(li), size: 7 },
        cliponaxis: false,
        legendgroup: line,
        showlegend: !legendShown.has(line),
        xaxis: cell.x,
        yaxis: cell.y,
      });
      legendShown.add(line);
    });
    const xAxis: PlotlyAxis = {
      domain: cell.xDomain,
      anchor: cell.y,
      range: xRange,
      title: { text: options.xTitle ?? (scale === 1 ? 'eps' : `eps × ${scale}`) },
    };
    const yAxis: PlotlyAxis = {
      domain: cell.yDomain,
      anchor: cell.x,
      range: options.yRange ?? [0, 1],
      ...(options.yRange && (options.yRange[0] !== 0 || options.yRange[1] !== 1) ? {} : { tickformat: '.0%' }),
      ...(cell.column === 0 ? { title: { text: options.yTitle ?? 'accuracy' } } : {}),
      ...(p > 0 ? { matches: 'y' } : {}),
    };
    layout[p === 0 ? 'xaxis' : `xaxis${p + 1}`] = xAxis;
    layout[p === 0 ? 'yaxis' : `yaxis${p + 1}`] = yAxis;
    layout.annotations!.push(panelTitle(`<b>${escapeLabel(panel)}</b>`, cell.xDomain, cell.yDomain[1] + 0.01));
  });
  return displayable({ data, layout: themedLayout(layout), config: { responsive: true, displaylogo: false } });
}
