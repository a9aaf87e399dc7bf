/**
 * The headline of a reproduce report: each defense's robust accuracy under the `autoattack` suite
 * (the per-image worst case over its attacks) at every eps, with its Wilson interval, the attack
 * that broke the most images, and the paper's attack beside it; and the points of the suite's
 * budget curve (the suite, its 2x variant and its `budgetOf` cells).
 */
import type { BudgetPoint } from '../report/budget_curve';
import type { CellResult } from './cell';
import { papersAttack } from './comparisons';
import type { AttackSpec, ReproduceConfig } from './spec';
import { isStochasticKind } from './stochastic_defenses';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The protocol's headline suite: its first `autoattack` attack that is neither a variant nor a budget-curve cell. */
export function headlineSuite(config: ReproduceConfig): AttackSpec | undefined {
  return config.attacks.find((a) => a.method === 'autoattack' && !a.variantOf && !a.budgetOf);
}

function cellOf(cells: readonly CellResult[], defense: string, attack: string, eps: number): CellResult | undefined {
  return cells.find((c) => !c.error && c.defense === defense && c.attack === attack && Math.abs(c.eps - eps) < 1e-9);
}

/** The attack of a suite cell that broke the most images, with the count (`—` when none broke any). */
export function strongestOfCell(cell: CellResult): string {
  const rows = cell.suite?.attacks ?? [];
  const best = rows.reduce<(typeof rows)[number] | undefined>((b, r) => (r.broken > 0 && (!b || r.broken > b.broken) ? r : b), undefined);
  return best ? `${best.name} (${best.broken} of ${cell.n})` : '—';
}

/**
 * The headline table in Markdown: one row per (defense, eps) of the suite, its robust accuracy
 * with the 95% Wilson interval, the attack that broke most images, and the paper's attack at the
 * same eps. Empty when the protocol has no suite.
 */
export function headlineTable(config: ReproduceConfig, cells: readonly CellResult[]): string {
  const suite = headlineSuite(config);
  if (!suite) return '';
  const paper = papersAttack(config);
  const eps = suite.eps ?? config.eps.filter((e) => e > 0);
  const lines: string[] = [];
  for (const d of config.defenses) {
    for (const e of eps) {
      const c = cellOf(cells, d.name, suite.name, e);
      if (!c) continue;
      const p = paper ? cellOf(cells, d.name, paper.name, e) : undefined;
      lines.push(`| ${d.name} | ${e} | **${pct(c.accuracy)}** [${pct(c.accuracyLow)}, ${pct(c.accuracyHigh)}] | ${strongestOfCell(c)} | ${p ? pct(p.accuracy) : '—'} |`);
    }
  }
  if (!lines.length) return '';
  return [`| defense | eps | robust accuracy (${suite.name}) [95% Wilson] | broke most images | ${paper ? paper.name : "paper's attack"} |`, '|---|---|---|---|---|', ...lines].join('\n');
}

/**
 * The budget curve of the headline suite: for each stochastic defense and eps where a variant or a
 * `budgetOf` cell ran, the suite's robust accuracy at every budget (steps × EOT samples).
 */
export function budgetPoints(config: ReproduceConfig, cells: readonly CellResult[]): BudgetPoint[] {
  const suite = headlineSuite(config);
  if (!suite) return [];
  const related = config.attacks.filter((a) => a.method === 'autoattack' && (a.variantOf === suite.name || a.budgetOf === suite.name));
  const out: BudgetPoint[] = [];
  for (const d of config.defenses.filter((x) => isStochasticKind(x.kind))) {
    const epsSet = new Set(related.flatMap((a) => a.eps ?? config.eps.filter((e) => e > 0)));
    for (const e of epsSet) {
      const line = `${d.name}, eps ${e}`;
      const pts: BudgetPoint[] = [];
      for (const a of [suite, ...related]) {
        const c = cellOf(cells, d.name, a.name, e);
        if (c) pts.push({ line, defense: d.name, budget: (a.steps ?? 100) * (a.eotSamples ?? 20), accuracy: c.accuracy, low: c.accuracyLow, high: c.accuracyHigh, protocol: a === suite });
      }
      if (pts.length > 1) out.push(...pts);
    }
  }
  return out;
}
