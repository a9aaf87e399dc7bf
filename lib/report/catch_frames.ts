/**
 * Catch episodes drawn frame by frame: one row per episode (e.g. the clean one and an attacked
 * one), one small board per step, the action taken above each board (← left, · stay, → right),
 * marked ✗ when an attack changed it from the agent's clean choice.
 */
import { escapeLabel, PlotlyAnnotation, PlotlyFigure, PlotlyLayout, PlotlyTrace, subplotGrid } from './figure';
import { THEME, themedLayout } from './theme';
import { displayable } from './show';

/** One episode to draw. */
export interface CatchEpisodeRow {
  /** Row title, e.g. `'clean'` or `'FGSM, eps 0.3'`. */
  label: string;
  /** Observations as the agent saw them, each `[rows, columns, 1]` flattened, one per step (plus the last board). */
  frames: ArrayLike<number>[];
  /** Action taken after each frame (0 left, 1 stay, 2 right). */
  actions?: ArrayLike<number>;
  /** The agent's action on the clean observation, to mark changed decisions. */
  cleanActions?: ArrayLike<number>;
  /** Text after the row title, e.g. the return. */
  note?: string;
}

/** Options of the Catch frames figure. */
export interface CatchFramesOptions {
  /** Board height. Default 10. */
  rows?: number;
  /** Board width. Default 5. */
  columns?: number;
  /** Figure title. Default `'Catch, frame by frame'`. */
  title?: string;
  /** Pixel width of one board. Default 56. */
  cellSize?: number;
}

const ARROWS = ['←', '·', '→'];

/** The frame-by-frame figure: a grey-scale heatmap per frame (0 black, 1 white, as on a screen). */
export function catchFramesFigure(episodes: CatchEpisodeRow[], options: CatchFramesOptions = {}): PlotlyFigure {
  const h = options.rows ?? 10;
  const w = options.columns ?? 5;
  if (episodes.length === 0) throw new Error('catchFramesFigure: no episodes');
  const steps = Math.max(...episodes.map((e) => e.frames.length));
  if (steps === 0) throw new Error('catchFramesFigure: an episode needs at least one frame');
  for (const e of episodes) {
    for (const f of e.frames) if (f.length !== h * w) throw new Error(`catchFramesFigure: a frame of "${e.label}" has ${f.length} values, expected ${h} × ${w} = ${h * w}`);
  }
  const cell = options.cellSize ?? 56;
  const boardH = (cell * h) / w;
  const gapPx = 40;
  const plotH = episodes.length * boardH + (episodes.length - 1) * gapPx;
  const plotW = steps * cell * 1.15;
  const grid = subplotGrid(episodes.length * steps, steps, { gapX: 0.15 / steps, gapY: episodes.length > 1 ? gapPx / plotH : 0 });
  const data: PlotlyTrace[] = [];
  const annotations: PlotlyAnnotation[] = [];
  const layout: PlotlyLayout = {
    title: { text: options.title ?? 'Catch, frame by frame' },
    width: Math.round(plotW + 40),
    height: Math.round(plotH + 90 + 30 * episodes.length),
    margin: { l: 20, r: 20, t: 90, b: 20 },
    annotations,
  };
  episodes.forEach((e, r) => {
    for (let t = 0; t < steps; t++) {
      const idx = r * steps + t;
      const g = grid[idx];
      const f = e.frames[t];
      if (f) {
        const z = Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => Math.round(f[i * w + j] * 1000) / 1000));
        data.push({ type: 'heatmap', z, zmin: 0, zmax: 1, colorscale: THEME.greys, showscale: false, xaxis: g.x, yaxis: g.y, name: `${e.label} ${t}`, hovertemplate: `step ${t}: %{z:.3f} at (%{x}, %{y})<extra></extra>` });
      }
      const axis = { showticklabels: false, showgrid: false, ticks: '', zeroline: false, showline: true, linecolor: THEME.gridColor, mirror: true };
      layout[idx === 0 ? 'xaxis' : `xaxis${idx + 1}`] = { ...axis, domain: g.xDomain, anchor: g.y, range: [-0.5, w - 0.5], constrain: 'domain' };
      layout[idx === 0 ? 'yaxis' : `yaxis${idx + 1}`] = { ...axis, domain: g.yDomain, anchor: g.x, range: [h - 0.5, -0.5], scaleanchor: g.x, constrain: 'domain' };
      const a = e.actions && t < e.actions.length ? e.actions[t] : undefined;
      if (a !== undefined) {
        const changed = e.cleanActions !== undefined && t < e.cleanActions.length && e.cleanActions[t] !== a;
        annotations.push({ text: changed ? `${ARROWS[a]} ✗` : ARROWS[a], x: (g.xDomain[0] + g.xDomain[1]) / 2, y: g.yDomain[1], xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom', showarrow: false, font: { size: 13, color: changed ? THEME.bad : undefined } });
      }
    }
    const first = grid[r * steps];
    annotations.push({ text: `<b>${escapeLabel(e.label)}</b>${e.note ? ` — ${escapeLabel(e.note)}` : ''}`, x: 0, y: first.yDomain[1] + 18 / (plotH + 30 * episodes.length), xref: 'paper', yref: 'paper', xanchor: 'left', yanchor: 'bottom', showarrow: false, font: { size: 13 } });
  });
  return displayable({ data, layout: themedLayout(layout), config: { responsive: true, displaylogo: false } });
}
