/**
 * SAP keep-probability maps: for one image, the probability that SAP keeps each unit of a layer,
 * `1 − (1 − p_j)^r` with `p_j = |h_j| / Σ_k |h_k|` (Dhillon et al., 2018, section 3), drawn as
 * one heatmap per channel on a shared [0, 1] scale.
 */
import { ArrayInput, compact, readArray } from './arrays';
import { panelTitle, PlotlyFigure, PlotlyLayout, PlotlyTrace, subplotGrid } from './figure';
import { THEME, themedLayout } from './theme';
import { displayable } from './show';

/** Options of `keepProbabilityFigure`. */
export interface KeepProbabilityOptions {
  /** Shape `[h, w, c]` of `keepProbs` when it is a flat array (e.g. a `Float32Array`). */
  shape?: [number, number, number];
  /** Channels to show, in order. Default: the first `maxChannels`. */
  channels?: number[];
  /** Channels shown when `channels` is not given. Default 8. */
  maxChannels?: number;
  /** Panels per row. Default 4. */
  columns?: number;
  /** Figure title. Default `'SAP keep probabilities'`. */
  title?: string;
  /** Upper end of the colour scale. Default 1 (a shared, absolute scale). */
  zmax?: number;
  /** Pixel size of one panel. Default 150. */
  cellSize?: number;
}

/**
 * A figure of keep probabilities `[h, w, c]` (a tensor, `{ data, shape }`, nested arrays, or a
 * flat array such as a `Float32Array` with `options.shape`; `[1, h, w, c]` is accepted too),
 * values in [0, 1]. One `heatmap` trace per shown channel, all
 * on the shared `coloraxis` (viridis, 0 to `zmax`) with one colour bar; each panel titled with
 * its channel index and mean keep probability. Rows of the map run top to bottom.
 */
export function keepProbabilityFigure(keepProbs: ArrayInput | ArrayLike<number>, options: KeepProbabilityOptions = {}): PlotlyFigure {
  const flat = ArrayBuffer.isView(keepProbs) || (Array.isArray(keepProbs) && typeof keepProbs[0] === 'number');
  if (flat && !options.shape) throw new Error('keepProbabilityFigure: a flat array needs options.shape = [h, w, c]');
  let a = readArray(flat ? { data: keepProbs as ArrayLike<number>, shape: options.shape! } : (keepProbs as ArrayInput), 'keepProbs');
  if (a.shape.length === 4 && a.shape[0] === 1) a = { data: a.data, shape: a.shape.slice(1) };
  if (a.shape.length !== 3) throw new Error(`keepProbabilityFigure: keepProbs must be [h, w, c], got shape [${a.shape.join(', ')}]`);
  const [h, w, c] = a.shape;
  if (h === 0 || w === 0 || c === 0) throw new Error(`keepProbabilityFigure: empty map [${a.shape.join(', ')}]`);
  for (let i = 0; i < a.data.length; i++) {
    if (a.data[i] < 0 || a.data[i] > 1) throw new Error(`keepProbabilityFigure: value ${a.data[i]} at flat index ${i} is not a probability in [0, 1]`);
  }
  const maxChannels = options.maxChannels ?? 8;
  const channels = options.channels ?? Array.from({ length: Math.min(c, maxChannels) }, (_, i) => i);
  if (channels.length === 0) throw new Error('keepProbabilityFigure: no channels to show');
  for (const ch of channels) {
    if (!Number.isInteger(ch) || ch < 0 || ch >= c) throw new Error(`keepProbabilityFigure: channel ${ch} is not in [0, ${c - 1}]`);
  }
  const zmax = options.zmax ?? 1;
  const columns = Math.min(options.columns ?? 4, channels.length);
  const nRows = Math.ceil(channels.length / columns);
  const cells = subplotGrid(channels.length, columns, { gapX: 0.04, gapY: 0.14 });
  const size = options.cellSize ?? 150;
  const data: PlotlyTrace[] = [];
  const layout: PlotlyLayout = {
    title: { text: options.title ?? 'SAP keep probabilities' },
    width: 60 + size * columns + 110,
    height: 100 + (size + 36) * nRows,
    margin: { l: 30, r: 110, t: 90, b: 20 },
    coloraxis: { colorscale: THEME.sequential, cmin: 0, cmax: zmax, colorbar: { title: { text: 'keep prob.' }, thickness: 14 } },
    annotations: [],
  };
  channels.forEach((ch, p) => {
    const g = cells[p];
    const z: number[][] = [];
    let sum = 0;
    for (let r = 0; r < h; r++) {
      const row: number[] = [];
      for (let col = 0; col < w; col++) {
        const v = a.data[(r * w + col) * c + ch];
        sum += v;
        row.push(compact(v, 4));
      }
      z.push(row);
    }
    data.push({
      type: 'heatmap',
      name: `channel ${ch}`,
      z,
      coloraxis: 'coloraxis',
      hovertemplate: `channel ${ch} (%{x}, %{y}): %{z:.3f}<extra></extra>`,
      xaxis: g.x,
      yaxis: g.y,
    });
    layout[p === 0 ? 'xaxis' : `xaxis${p + 1}`] = {
      domain: g.xDomain,
      anchor: g.y,
      range: [-0.5, w - 0.5],
      showticklabels: false,
      showgrid: false,
      ticks: '',
      showline: false,
      constrain: 'domain',
    };
    layout[p === 0 ? 'yaxis' : `yaxis${p + 1}`] = {
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
    layout.annotations!.push(panelTitle(`channel ${ch} · mean ${(sum / (h * w)).toFixed(2)}`, g.xDomain, g.yDomain[1] + 0.005, { font: { size: 11 } }));
  });
  return displayable({ data, layout: themedLayout(layout), config: { responsive: false, displaylogo: false } });
}
