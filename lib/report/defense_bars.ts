/**
 * Grouped bars of accuracy per defense, with 95% Wilson intervals: clean, under the paper's
 * attack, and under each defense's worst attack at one eps — what a defender can count on.
 * Used by notebook 5 to compare SAP with the stochastic baselines and with adversarial training.
 */
import type { PlotlyFigure, PlotlyTrace } from './figure';
import { themeColor, themedLayout } from './theme';
import { displayable } from './show';

/** The fields of a grid cell the bars read (a `CellResult` of `runReproduce`). */
export interface BarCell {
  defense: string;
  attack: string;
  eps: number;
  accuracy: number;
  accuracyLow: number;
  accuracyHigh: number;
}

/** The cell of (defense, attack, eps), eps matched to 1e-9. */
export function findCell<C extends BarCell>(cells: readonly C[], defense: string, attack: string, eps: number): C | undefined {
  return cells.find((c) => c.defense === defense && c.attack === attack && Math.abs(c.eps - eps) < 1e-9);
}

/** The least accurate of `defense`'s cells at `eps` among `attacks` (those it faced); throws when it faced none. */
export function worstCell<C extends BarCell>(cells: readonly C[], defense: string, eps: number, attacks: readonly string[]): C {
  const faced = attacks.map((a) => findCell(cells, defense, a, eps)).filter((c): c is C => c !== undefined);
  if (faced.length === 0) throw new Error(`worstCell: ${defense} faced none of ${attacks.join(', ')} at eps ${eps}`);
  return faced.reduce((w, c) => (c.accuracy < w.accuracy ? c : w));
}

/** Options of `defenseBarsFigure`. */
export interface DefenseBarsOptions {
  /** The eps of the attacked bars. */
  eps: number;
  /** Attacks the worst case is taken over. */
  attacks: readonly string[];
  /** The paper's attack (its own bar). Default `'FGSM-MC'`. */
  paperAttack?: string;
  /** Figure title. Default `accuracy at eps …`. */
  title?: string;
  /** Size in pixels. Defaults 820 × 460. */
  width?: number;
  height?: number;
}

/**
 * Three bars per defense (clean; the paper's attack; the worst of `attacks`), each with its
 * Wilson interval as an error bar, in the order of `defenses`. Throws when a defense lacks its
 * clean cell or the paper's attack at `eps`.
 */
export function defenseBarsFigure(cells: readonly BarCell[], defenses: readonly string[], options: DefenseBarsOptions): PlotlyFigure {
  if (defenses.length === 0) throw new Error('defenseBarsFigure: no defenses');
  const { eps, attacks } = options;
  const paper = options.paperAttack ?? 'FGSM-MC';
  const need = (d: string, a: string, e: number) => {
    const c = findCell(cells, d, a, e);
    if (!c) throw new Error(`defenseBarsFigure: no cell for ${d} · ${a} at eps ${e}`);
    return c;
  };
  const series: [string, (d: string) => BarCell][] = [
    ['clean', (d) => need(d, 'clean', 0)],
    [`paper's attack (${paper})`, (d) => need(d, paper, eps)],
    ['worst attack', (d) => worstCell(cells, d, eps, attacks)],
  ];
  const data: PlotlyTrace[] = series.map(([name, get], i) => {
    const picked = defenses.map(get);
    return {
      type: 'bar',
      name,
      x: [...defenses],
      y: picked.map((c) => c.accuracy),
      customdata: picked.map((c) => c.attack),
      hovertemplate: '%{x}: %{y:.3f} (%{customdata})<extra></extra>',
      error_y: { type: 'data', symmetric: false, array: picked.map((c) => c.accuracyHigh - c.accuracy), arrayminus: picked.map((c) => c.accuracy - c.accuracyLow) },
      marker: { color: themeColor(i) },
    };
  });
  const layout = themedLayout({
    title: options.title ?? `Accuracy at eps ${eps}`,
    barmode: 'group',
    yaxis: { title: { text: 'accuracy (95% Wilson)' }, range: [0, 1] },
    width: options.width ?? 820,
    height: options.height ?? 460,
  });
  return displayable({ data, layout, config: { responsive: true, displaylogo: false } });
}
