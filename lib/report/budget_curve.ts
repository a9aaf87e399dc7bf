/**
 * Robust accuracy against attack budget: whether an attack has converged. One line per
 * (defense, eps), x the budget (APGD steps × EOT samples, log scale), y the robust accuracy with
 * its 95% Wilson interval as error bars. A converged attack's curve is flat where the protocol
 * stops (Carlini et al., *On Evaluating Adversarial Robustness*, 2019, section 5: "more iterations
 * must not help").
 */
import { escapeLabel, PlotlyFigure, PlotlyTrace } from './figure';
import { defenseColor, themedLayout } from './theme';

/** One point of a budget curve. */
export interface BudgetPoint {
  /** The line, e.g. `SAP-100, eps 0.05`. */
  line: string;
  /** Defense of the line (its colour). */
  defense: string;
  /** Budget: steps × EOT samples (> 0). */
  budget: number;
  /** Robust accuracy in `[0, 1]`. */
  accuracy: number;
  /** Wilson interval. */
  low: number;
  high: number;
  /** Marks the protocol's own budget (the point the report's numbers come from). */
  protocol?: boolean;
}

/** Options of `budgetCurveFigure`. */
export interface BudgetCurveOptions {
  /** Figure title. Default `'Robust accuracy against attack budget'`. */
  title?: string;
  /** x-axis title. Default `'budget (steps × EOT samples)'`. */
  xTitle?: string;
}

/** The budget curve (see the file comment). Points of a line are sorted by budget. */
export function budgetCurveFigure(points: readonly BudgetPoint[], options: BudgetCurveOptions = {}): PlotlyFigure {
  if (points.length === 0) throw new Error('budgetCurveFigure: no points');
  for (const p of points) {
    if (!(p.budget > 0) || !(p.accuracy >= 0 && p.accuracy <= 1)) throw new Error(`budgetCurveFigure: bad point ${JSON.stringify(p)}`);
  }
  const lines = [...new Set(points.map((p) => p.line))];
  const data: PlotlyTrace[] = lines.map((line) => {
    const mine = points.filter((p) => p.line === line).sort((a, b) => a.budget - b.budget);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: escapeLabel(line),
      x: mine.map((p) => p.budget),
      y: mine.map((p) => p.accuracy),
      error_y: { type: 'data', symmetric: false, array: mine.map((p) => p.high - p.accuracy), arrayminus: mine.map((p) => p.accuracy - p.low) },
      marker: { color: defenseColor(mine[0].defense), size: mine.map((p) => (p.protocol ? 12 : 7)), symbol: mine.map((p) => (p.protocol ? 'diamond' : 'circle')) },
      line: { color: defenseColor(mine[0].defense) },
      hovertemplate: '%{x} steps×EOT: %{y:.1%}<extra>%{fullData.name}</extra>',
    };
  });
  return {
    data,
    layout: themedLayout({
      title: options.title ?? 'Robust accuracy against attack budget',
      xaxis: { title: { text: options.xTitle ?? 'budget (steps × EOT samples)' }, type: 'log' },
      yaxis: { title: { text: 'robust accuracy' }, range: [0, 1], tickformat: '.0%' },
      width: 640,
      height: 420,
    }),
  };
}
