/**
 * Learning curves: values against iteration, e.g. the payoffs of fictitious play or
 * multiplicative weights in a zero-sum game converging to the game value, or a training loss.
 */
import { escapeLabel, PlotlyFigure, PlotlyLayout, PlotlyTrace } from './figure';
import { THEME, themeColor, themedLayout } from './theme';
import { displayable } from './show';

/** One curve. */
export interface LearningCurve {
  name: string;
  values: ArrayLike<number>;
  /** x values. Default `1, 2, ..., values.length`. */
  iterations?: ArrayLike<number>;
}

/** Curves as a list, or a record from name to values. */
export type LearningCurvesInput = LearningCurve[] | Record<string, ArrayLike<number>>;

/** Options of `learningCurvesFigure`. */
export interface LearningCurvesOptions {
  /** Figure title. Default `'Learning dynamics'`. */
  title?: string;
  /** x-axis title. Default `'iteration'`. */
  xTitle?: string;
  /** y-axis title. Default `'value'`. */
  yTitle?: string;
  /** A horizontal reference line, e.g. the game value: a number (named `'reference'`) or
   * `{ value, name }`. Default none. */
  reference?: number | { value: number; name: string };
  /** Logarithmic x axis (iterations must then be positive). Default `false`. */
  logX?: boolean;
  /** Logarithmic y axis (values and the reference must then be positive), for rates such as a
   * gap shrinking like `t^(-1/2)`. Default `false`. */
  logY?: boolean;
  /** Size in pixels. Defaults 760 × 440. */
  width?: number;
  height?: number;
}

/**
 * A line per curve (theme colours and dash styles in order) plus, with `reference`, a dashed
 * horizontal line across the whole x range, last. Throws on empty curves, mismatched
 * `iterations` lengths or non-finite values.
 */
export function learningCurvesFigure(series: LearningCurvesInput, options: LearningCurvesOptions = {}): PlotlyFigure {
  const curves: LearningCurve[] = Array.isArray(series) ? series : Object.entries(series).map(([name, values]) => ({ name, values }));
  if (curves.length === 0) throw new Error('learningCurvesFigure: no curves');
  const data: PlotlyTrace[] = [];
  let xMin = Infinity;
  let xMax = -Infinity;
  curves.forEach((curve, i) => {
    const n = curve.values.length;
    if (n === 0) throw new Error(`learningCurvesFigure: curve "${curve.name}" is empty`);
    if (curve.iterations && curve.iterations.length !== n) {
      throw new Error(`learningCurvesFigure: curve "${curve.name}" has ${n} values but ${curve.iterations.length} iterations`);
    }
    const x = Array.from({ length: n }, (_, j) => (curve.iterations ? curve.iterations[j] : j + 1));
    const y = Array.from(curve.values);
    for (let j = 0; j < n; j++) {
      if (!Number.isFinite(x[j]) || !Number.isFinite(y[j])) throw new Error(`learningCurvesFigure: curve "${curve.name}" has a non-finite point at index ${j}`);
      if (options.logX && x[j] <= 0) throw new Error(`learningCurvesFigure: logX needs positive iterations; curve "${curve.name}" has ${x[j]}`);
      if (options.logY && y[j] <= 0) throw new Error(`learningCurvesFigure: logY needs positive values; curve "${curve.name}" has ${y[j]}`);
      xMin = Math.min(xMin, x[j]);
      xMax = Math.max(xMax, x[j]);
    }
    data.push({
      type: 'scatter',
      mode: n > 60 ? 'lines' : 'lines+markers',
      name: escapeLabel(curve.name),
      x,
      y,
      line: { color: themeColor(i), width: 2, dash: THEME.dashes[i % THEME.dashes.length] },
      marker: { size: 5 },
    });
  });
  if (options.reference !== undefined) {
    const ref = typeof options.reference === 'number' ? { value: options.reference, name: 'reference' } : options.reference;
    if (!Number.isFinite(ref.value)) throw new Error(`learningCurvesFigure: reference must be finite, got ${ref.value}`);
    if (options.logY && ref.value <= 0) throw new Error(`learningCurvesFigure: logY needs a positive reference, got ${ref.value}`);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `${escapeLabel(ref.name)} = ${Number(ref.value.toPrecision(4))}`,
      x: [xMin, xMax],
      y: [ref.value, ref.value],
      line: { color: THEME.reference, dash: 'dash', width: 1.5 },
      hoverinfo: 'name',
    });
  }
  const layout: PlotlyLayout = {
    title: { text: options.title ?? 'Learning dynamics' },
    width: options.width ?? 760,
    height: options.height ?? 440,
    xaxis: { title: { text: options.xTitle ?? 'iteration' }, ...(options.logX ? { type: 'log' } : {}) },
    yaxis: { title: { text: options.yTitle ?? 'value' }, ...(options.logY ? { type: 'log' } : {}) },
    hovermode: 'x unified',
  };
  return displayable({ data, layout: themedLayout(layout), config: { responsive: true, displaylogo: false } });
}
