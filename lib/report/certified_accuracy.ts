/**
 * Certified accuracy against L2 radius, the figure of Cohen, Rosenfeld & Kolter (ICML 2019,
 * Figures 6–7): for a smoothed classifier, the fraction of images certified correct with radius at
 * least `r`, a decreasing step function of `r` (from `certifiedAccuracy`), drawn as a solid step
 * line. On the same axes, empirical accuracies under attacks at a few radii (SmoothAdv against the
 * smoothed classifier, PGD-L2 against an uncertified model), as dashed lines with markers: an
 * attack gives an upper bound on robust accuracy, a certificate a lower bound, so a smoothed
 * classifier's empirical curve must lie on or above its certified one. Curves that share a `group`
 * share a colour: a defense saplab names (`dense`, `SAP-100`, ...) its fixed `defenseColor`, any
 * other group (e.g. `σ = 0.25`) the next theme colour not used in the figure, in order of first
 * appearance, so distinct groups never share a colour. Vertical `markers` mark radii of interest,
 * such as the L2 radius `eps·√d` of the ball that contains an L∞ ball.
 */
import { escapeLabel, PlotlyFigure, PlotlyTrace } from './figure';
import { DEFENSE_COLORS, defenseColor, OKABE_ITO, THEME, themedLayout } from './theme';
import { displayable } from './show';

/** One curve of `certifiedAccuracyFigure`. */
export interface RadiusCurve {
  /** Legend entry. */
  name: string;
  /** `'certified'`: a lower bound from a certificate, drawn as a step line; `'empirical'`: accuracy under an attack, dashed with markers. */
  kind: 'certified' | 'empirical';
  /** L2 radii, `>= 0` and increasing. */
  radii: ArrayLike<number>;
  /** Accuracy at each radius, in `[0, 1]`. */
  accuracy: ArrayLike<number>;
  /** Colour key: curves with the same group share a colour (e.g. a certified and an empirical curve of one σ). Default `name`. */
  group?: string;
}

/** Options of `certifiedAccuracyFigure`. */
export interface CertifiedAccuracyFigureOptions {
  /** Figure title. Default `'Certified accuracy against L2 radius'`. */
  title?: string;
  /** x-axis title. Default `'L2 radius'`. */
  xTitle?: string;
  /** y-axis title. Default `'accuracy'`. */
  yTitle?: string;
  /** Vertical dotted lines at these radii, in the legend by name. Default none. */
  markers?: { value: number; name: string }[];
  /** Size in pixels. Defaults 760 × 460. */
  width?: number;
  height?: number;
}

function checkCurve(curve: RadiusCurve): { x: number[]; y: number[] } {
  const n = curve.radii.length;
  if (n === 0) throw new Error(`certifiedAccuracyFigure: curve "${curve.name}" is empty`);
  if (curve.accuracy.length !== n) throw new Error(`certifiedAccuracyFigure: curve "${curve.name}" has ${n} radii but ${curve.accuracy.length} accuracies`);
  if (curve.kind !== 'certified' && curve.kind !== 'empirical') throw new Error(`certifiedAccuracyFigure: curve "${curve.name}" has kind ${String(curve.kind)}, expected 'certified' or 'empirical'`);
  const x = Array.from(curve.radii);
  const y = Array.from(curve.accuracy);
  for (let j = 0; j < n; j++) {
    if (!(Number.isFinite(x[j]) && x[j] >= 0)) throw new Error(`certifiedAccuracyFigure: curve "${curve.name}" has radius ${x[j]} at index ${j}; radii must be finite and >= 0`);
    if (j > 0 && !(x[j] > x[j - 1])) throw new Error(`certifiedAccuracyFigure: curve "${curve.name}" has radii that do not increase at index ${j}`);
    if (!(y[j] >= 0 && y[j] <= 1)) throw new Error(`certifiedAccuracyFigure: curve "${curve.name}" has accuracy ${y[j]} at index ${j}, outside [0, 1]`);
  }
  return { x, y };
}

/** A defense with a fixed colour: a key of `DEFENSE_COLORS`, or such a key followed by a separator (`SAP-100 · PGD`). */
function namedDefense(group: string): boolean {
  return Object.keys(DEFENSE_COLORS).some((k) => group === k || (group.startsWith(k) && /^[^A-Za-z0-9]/.test(group.slice(k.length))));
}

/** One colour per group: fixed for named defenses, else the unused theme colours in order (cycling). */
function groupColors(groups: string[]): Map<string, string> {
  const unique = [...new Set(groups)];
  const taken = new Set(unique.filter(namedDefense).map(defenseColor));
  const pool = THEME.colors.filter((c) => c !== OKABE_ITO.black && c !== OKABE_ITO.yellow && !taken.has(c));
  let next = 0;
  return new Map(unique.map((g) => [g, namedDefense(g) ? defenseColor(g) : pool[next++ % pool.length]]));
}

/**
 * The certified-accuracy figure (see the file comment). A certified curve is drawn with Plotly's
 * `line.shape: 'hv'` (the value holds until the next radius), an empirical one point to point.
 * Throws on no curves, empty or ragged curves, radii that are negative or do not increase,
 * accuracies outside [0, 1], and non-finite or negative markers.
 */
export function certifiedAccuracyFigure(curves: readonly RadiusCurve[], options: CertifiedAccuracyFigureOptions = {}): PlotlyFigure {
  if (curves.length === 0) throw new Error('certifiedAccuracyFigure: no curves');
  const colors = groupColors(curves.map((c) => c.group ?? c.name));
  const data: PlotlyTrace[] = curves.map((curve) => {
    const { x, y } = checkCurve(curve);
    const color = colors.get(curve.group ?? curve.name)!;
    const certified = curve.kind === 'certified';
    return {
      type: 'scatter',
      mode: certified ? 'lines' : 'lines+markers',
      name: escapeLabel(curve.name),
      x,
      y,
      line: certified ? { color, width: 2.5, shape: 'hv' } : { color, width: 1.5, dash: 'dash' },
      ...(certified ? {} : { marker: { color, size: 8, symbol: 'circle-open' } }),
      hovertemplate: `r = %{x}: %{y:.1%}<extra>${escapeLabel(curve.name)}</extra>`,
    };
  });
  for (const m of options.markers ?? []) {
    if (!(Number.isFinite(m.value) && m.value >= 0)) throw new Error(`certifiedAccuracyFigure: marker "${m.name}" must be a finite radius >= 0, got ${m.value}`);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: escapeLabel(m.name),
      x: [m.value, m.value],
      y: [0, 1],
      line: { color: THEME.reference, dash: 'dot', width: 1.5 },
      hoverinfo: 'name',
    });
  }
  const layout = themedLayout({
    title: { text: options.title ?? 'Certified accuracy against L2 radius' },
    width: options.width ?? 760,
    height: options.height ?? 460,
    xaxis: { title: { text: options.xTitle ?? 'L2 radius' }, rangemode: 'tozero' },
    yaxis: { title: { text: options.yTitle ?? 'accuracy' }, range: [0, 1.02], tickformat: '.0%' },
  });
  return displayable({ data, layout, config: { responsive: true, displaylogo: false } });
}
