/**
 * Paired accuracy differences against eps: for each attack a panel, for each defense a line of
 * `defense − reference` (e.g. SAP-100 − dense on the same images) with its 95% paired interval as
 * error bars, and a zero line. A point whose bar crosses zero is a difference the data cannot
 * distinguish from none; the figure shows at a glance which gains survive which attack.
 */
import { escapeLabel, panelTitle, PlotlyAxis, PlotlyFigure, PlotlyLayout, PlotlyTrace, subplotGrid } from './figure';
import { defenseColor, THEME, themedLayout, themeSymbol } from './theme';
import { displayable } from './show';

/** One paired difference (a `ComparisonRow` of `saplab reproduce` fits). */
export interface PairedDifferencePoint {
  defense: string;
  reference: string;
  attack: string;
  eps: number;
  /** `accuracy(defense) − accuracy(reference)`. */
  diff: number;
  /** 95% interval of `diff`. */
  low: number;
  high: number;
  n: number;
  /** Optional p-value shown on hover. */
  pValue?: number;
}

/** Options of `pairedDifferencesFigure`. */
export interface PairedDifferencesOptions {
  /** Multiplies eps on the x axis, e.g. 255. Default 1. */
  epsScale?: number;
  /** Panels per row. Default `min(panels, 3)`. */
  columns?: number;
  /** Figure title. Default `Paired accuracy difference (defense − <reference>)`. */
  title?: string;
  /** x-axis title. Default `'eps'`. */
  xTitle?: string;
  /** Size in pixels. Defaults: 360 px per panel column plus margins, 300 px per panel row. */
  width?: number;
  height?: number;
}

/**
 * The figure of paired differences: one panel per attack (in order of appearance), one line per
 * defense coloured by `defenseColor`, intervals as asymmetric error bars, a dashed zero line.
 * Throws on no points, or on two points of one defense at one eps in a panel.
 */
export function pairedDifferencesFigure(points: readonly PairedDifferencePoint[], options: PairedDifferencesOptions = {}): PlotlyFigure {
  if (points.length === 0) throw new Error('pairedDifferencesFigure: no points');
  const scale = options.epsScale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`pairedDifferencesFigure: epsScale must be positive, got ${scale}`);
  const panels = [...new Set(points.map((p) => p.attack))];
  const defenses = [...new Set(points.map((p) => p.defense))];
  const references = [...new Set(points.map((p) => p.reference))];
  const columns = options.columns ?? Math.min(panels.length, 3);
  const cells = subplotGrid(panels.length, columns, { gapX: 0.07, gapY: 0.18 });
  const nRows = Math.ceil(panels.length / Math.min(columns, panels.length));
  const xs = points.map((p) => p.eps * scale);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const pad = hi > lo ? 0.05 * (hi - lo) : 0.5 * (hi || 1);
  const yLow = Math.min(0, ...points.map((p) => p.low));
  const yHigh = Math.max(0, ...points.map((p) => p.high));
  const yPad = 0.05 * Math.max(0.01, yHigh - yLow);
  const data: PlotlyTrace[] = [];
  const layout: PlotlyLayout = {
    title: { text: options.title ?? `Paired accuracy difference (defense − ${references.join(', ')}), 95% intervals` },
    width: options.width ?? 120 + 360 * Math.min(columns, panels.length),
    height: options.height ?? 120 + 300 * nRows,
    annotations: [],
    shapes: [],
    legend: { title: { text: 'defense' } },
    hovermode: 'closest',
  };
  const shown = new Set<string>();
  panels.forEach((panel, p) => {
    const cell = cells[p];
    defenses.forEach((defense, di) => {
      const mine = points.filter((q) => q.attack === panel && q.defense === defense).sort((a, b) => a.eps - b.eps);
      if (!mine.length) return;
      for (let i = 1; i < mine.length; i++) {
        if (mine[i].eps === mine[i - 1].eps) throw new Error(`pairedDifferencesFigure: two points for ${defense}, ${panel}, eps ${mine[i].eps}`);
      }
      const color = defenseColor(defense);
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: escapeLabel(defense),
        x: mine.map((q) => q.eps * scale),
        y: mine.map((q) => q.diff),
        error_y: { type: 'data', symmetric: false, array: mine.map((q) => q.high - q.diff), arrayminus: mine.map((q) => q.diff - q.low), color, thickness: 1.5, width: 4 },
        customdata: mine.map((q) => [q.low, q.high, q.n, q.pValue ?? null, q.reference]),
        hovertemplate: `${escapeLabel(defense)} − %{customdata[4]}<br>eps %{x}<br>diff %{y:+.3f} [%{customdata[0]:+.3f}, %{customdata[1]:+.3f}]<br>n %{customdata[2]}, p %{customdata[3]:.3g}<extra>${escapeLabel(panel)}</extra>`,
        line: { color, width: 1.5 },
        marker: { color, symbol: themeSymbol(di), size: 7 },
        legendgroup: defense,
        showlegend: !shown.has(defense),
        xaxis: cell.x,
        yaxis: cell.y,
      });
      shown.add(defense);
    });
    const xAxis: PlotlyAxis = { domain: cell.xDomain, anchor: cell.y, range: [lo - pad, hi + pad], title: { text: options.xTitle ?? (scale === 1 ? 'eps' : `eps × ${scale}`) } };
    const yAxis: PlotlyAxis = {
      domain: cell.yDomain,
      anchor: cell.x,
      range: [yLow - yPad, yHigh + yPad],
      tickformat: '+.0%',
      ...(cell.column === 0 ? { title: { text: 'accuracy difference' } } : {}),
      ...(p > 0 ? { matches: 'y' } : {}),
    };
    layout[p === 0 ? 'xaxis' : `xaxis${p + 1}`] = xAxis;
    layout[p === 0 ? 'yaxis' : `yaxis${p + 1}`] = yAxis;
    (layout.shapes as unknown[]).push({ type: 'line', xref: `${cell.x} domain`, yref: cell.y, x0: 0, x1: 1, y0: 0, y1: 0, line: { color: THEME.reference, dash: 'dash', width: 1 } });
    (layout.annotations as unknown[]).push(panelTitle(`<b>${escapeLabel(panel)}</b>`, cell.xDomain, cell.yDomain[1] + 0.01));
  });
  return displayable({ data, layout: themedLayout(layout), config: { responsive: true, displaylogo: false } });
}
