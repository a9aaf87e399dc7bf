/**
 * The one look of every saplab figure: the Okabe–Ito palette (Okabe and Ito, *Color Universal
 * Design*, 2008), distinguishable under the common colour-vision deficiencies; viridis for
 * sequential maps; a blue–white–vermillion diverging map built from the same palette; a plain
 * white background with light grids. Figure builders pass their layout through `themedLayout`.
 */
import type { PlotlyLayout } from './figure';

/** The eight Okabe–Ito colours. */
export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const;

/** A Plotly colour scale: `[position in [0, 1], colour]` pairs. */
export type ColorScale = [number, string][];

/** Colours, markers and fonts shared by every figure. */
export interface Theme {
  /** Categorical colours in order of use (lines, groups). Yellow comes late: weak on white. */
  colors: string[];
  /** Marker symbols in order of use, so lines differ by more than colour. */
  symbols: string[];
  /** Line dash styles in order of use. */
  dashes: string[];
  font: { family: string; size: number; color: string };
  /** Title font size. */
  titleSize: number;
  background: string;
  gridColor: string;
  axisColor: string;
  /** Fill opacity of interval bands. */
  bandOpacity: number;
  /** Sequential scale for maps in [0, 1] (viridis). */
  sequential: ColorScale;
  /** Diverging scale for signed maps (blue, white, vermillion). */
  diverging: ColorScale;
  /** Grey scale for images. */
  greys: ColorScale;
  /** Colour of correct / wrong markers in titles. */
  good: string;
  bad: string;
  /** Reference lines (diagonals, game values). */
  reference: string;
}

/** saplab's theme. Treat it as read-only; pass colours through options to vary a figure. */
export const THEME: Theme = {
  colors: [
    OKABE_ITO.blue,
    OKABE_ITO.orange,
    OKABE_ITO.bluishGreen,
    OKABE_ITO.vermillion,
    OKABE_ITO.reddishPurple,
    OKABE_ITO.skyBlue,
    OKABE_ITO.black,
    OKABE_ITO.yellow,
  ],
  symbols: ['circle', 'square', 'diamond', 'triangle-up', 'x', 'cross', 'star', 'triangle-down'],
  dashes: ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot'],
  font: { family: 'DejaVu Sans, Arial, Helvetica, sans-serif', size: 13, color: '#222222' },
  titleSize: 16,
  background: '#FFFFFF',
  gridColor: '#E5E5E5',
  axisColor: '#444444',
  bandOpacity: 0.2,
  sequential: [
    [0, '#440154'],
    [0.125, '#472D7B'],
    [0.25, '#3B528B'],
    [0.375, '#2C728E'],
    [0.5, '#21918C'],
    [0.625, '#28AE80'],
    [0.75, '#5EC962'],
    [0.875, '#ADDC30'],
    [1, '#FDE725'],
  ],
  diverging: [
    [0, OKABE_ITO.blue],
    [0.5, '#FFFFFF'],
    [1, OKABE_ITO.vermillion],
  ],
  greys: [
    [0, '#000000'],
    [1, '#FFFFFF'],
  ],
  good: OKABE_ITO.bluishGreen,
  bad: OKABE_ITO.vermillion,
  reference: '#555555',
};

/** The `i`-th categorical colour (cycling). */
export function themeColor(i: number): string {
  return THEME.colors[((i % THEME.colors.length) + THEME.colors.length) % THEME.colors.length];
}

/**
 * Fixed colours of the defenses saplab's presets name, so a defense has one colour in every
 * figure of a run and of the notebooks, whatever the order or subset of lines: the undefended
 * model black, SAP in warm colours (vermillion at r/N = 1), uniform random pruning in blues.
 */
export const DEFENSE_COLORS: Readonly<Record<string, string>> = {
  dense: OKABE_ITO.black,
  'SAP-100': OKABE_ITO.vermillion,
  'SAP-50': OKABE_ITO.orange,
  'SAP-10': OKABE_ITO.reddishPurple,
  'SAP-200': OKABE_ITO.bluishGreen,
  'random-100': OKABE_ITO.blue,
  'random-50': OKABE_ITO.skyBlue,
  'random-10': OKABE_ITO.skyBlue,
};

/**
 * The colour of a defense by name: `DEFENSE_COLORS` for the names saplab uses (also for labels
 * that start with one, such as `SAP-100 · every attack`), otherwise a
 * colour of the palette (black excluded, which marks the undefended model) picked by a hash of
 * the name — stable across figures and runs, though two unknown names may share one.
 */
export function defenseColor(name: string): string {
  const fixed = DEFENSE_COLORS[name];
  if (fixed) return fixed;
  // A label that starts with a known defense ("SAP-100 · every attack") takes that defense's colour.
  const prefix = Object.keys(DEFENSE_COLORS)
    .filter((k) => name.startsWith(k) && /^[^A-Za-z0-9]/.test(name.slice(k.length)))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix) return DEFENSE_COLORS[prefix];
  const pool = THEME.colors.filter((c) => c !== OKABE_ITO.black && c !== OKABE_ITO.yellow);
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return pool[(h >>> 0) % pool.length];
}

/** The `i`-th marker symbol (cycling). */
export function themeSymbol(i: number): string {
  return THEME.symbols[i % THEME.symbols.length];
}

/** `#RRGGBB` plus an opacity as `rgba(r, g, b, a)`. */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`withAlpha: expected a #RRGGBB colour, got ${hex}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => parseInt(h, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

const AXIS_DEFAULTS = {
  showgrid: true,
  gridcolor: THEME.gridColor,
  zeroline: false,
  showline: true,
  linecolor: THEME.axisColor,
  ticks: 'outside',
  tickcolor: THEME.axisColor,
  automargin: true,
};

/**
 * `layout` with the theme applied underneath it: fonts, colorway, background, legend and
 * margins, and axis defaults for every `xaxis*` / `yaxis*` key present. Settings already in
 * `layout` win. A string title becomes `{ text }`.
 */
export function themedLayout(layout: Omit<PlotlyLayout, 'title'> & { title?: string | PlotlyLayout['title'] }): PlotlyLayout {
  const out: PlotlyLayout = {
    font: { ...THEME.font },
    colorway: [...THEME.colors],
    paper_bgcolor: THEME.background,
    plot_bgcolor: THEME.background,
    margin: { l: 64, r: 24, t: 72, b: 56 },
    legend: { bgcolor: 'rgba(255, 255, 255, 0.8)', bordercolor: THEME.gridColor, borderwidth: 1 },
    hoverlabel: { font: { family: THEME.font.family } },
  };
  for (const [key, value] of Object.entries(layout)) {
    if (/^[xy]axis\d*$/.test(key) && value && typeof value === 'object') {
      out[key] = { ...AXIS_DEFAULTS, ...(value as object) };
    } else if (key === 'title') {
      const t = typeof value === 'string' ? { text: value } : (value as object);
      out.title = { x: 0.02, xanchor: 'left', font: { size: THEME.titleSize }, ...t } as unknown as PlotlyLayout['title'];
    } else if (value && typeof value === 'object' && !Array.isArray(value) && out[key] && typeof out[key] === 'object') {
      out[key] = { ...(out[key] as object), ...(value as object) };
    } else {
      out[key] = value;
    }
  }
  return out;
}
