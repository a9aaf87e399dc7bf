/**
 * The written report of `saplab rl evaluate`: `results.csv/json` (one row per agent × attack × eps),
 * `comparisons.csv/json` (paired differences of returns against the dense agent and between SAP and
 * random pruning, on the same episodes), figures of return versus eps, and `summary.md` stating
 * what held next to the paper's claim that SAP keeps more reward under attack.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../data/download';
import { toCsv } from '../report/csv';
import { accuracyVsEpsFigure } from '../report/accuracy_vs_eps';
import { exportFigure } from '../report/export';
import { chromiumAvailable, closeBrowser } from '../report/browser';
import type { PlotlyFigure } from '../report/figure';
import type { ResultRow } from '../report/table';
import { pairedMeanDifference } from '../metrics/paired';
import { deriveSeed } from '../seed';
import { resolvedRlAttack, type RlEvaluateConfig } from './evaluate_config';
import type { ResolvedPgdOptions } from '../attacks/pgd';
import type { RlCell } from './evaluate_cell';
import type { CheckEvidence, CheckResult, CheckStatus } from '../reproduce/checks';

/** One row of `results.csv`. */
interface RlResultRow {
  game: string;
  model: string;
  agent: string;
  kind: string;
  sampleFraction: number | null;
  /** Q-value passes averaged per action (1 for the dense agent). */
  samples: number;
  attack: string;
  eps: number;
  episodes: number;
  meanReturn: number;
  returnLow: number;
  returnHigh: number;
  flipRate: number;
  seed: number;
  seconds: number;
}

/** One row of `comparisons.csv`: `agent` minus `baseline` on the same episodes. */
export interface RlComparisonRow {
  attack: string;
  eps: number;
  agent: string;
  baseline: string;
  /** The baseline's attack (e.g. FGSM for the dense agent under the Monte-Carlo FGSM). */
  baselineAttack: string;
  n: number;
  diff: number;
  low: number;
  high: number;
  pValue: number;
}

/** What the RL evaluation report is written from. */
interface RlReportInput {
  outDir: string;
  config: RlEvaluateConfig;
  cells: RlCell[];
  run: Record<string, unknown>;
  figures: boolean;
  /** Where messages go. */
  log: (line: string) => void;
}

function find(cells: RlCell[], agent: string, attack: string, eps: number): RlCell | undefined {
  return cells.find((c) => !c.error && c.agent === agent && c.attack === attack && Math.abs(c.eps - eps) < 1e-9);
}

/** The cell of `agent` under `attack` at `eps`: the clean cell at eps 0, the attack's `denseAs` stand-in for an agent it skips. */
export function rlCellFor(config: RlEvaluateConfig, cells: RlCell[], agent: string, attack: string, eps: number): RlCell | undefined {
  if (eps === 0 || attack === 'clean') return find(cells, agent, 'clean', 0);
  const own = find(cells, agent, attack, eps);
  if (own) return own;
  const spec = config.attacks.find((a) => a.name === attack);
  return spec?.denseAs && config.agents.find((a) => a.name === agent)?.kind === 'dense' ? find(cells, agent, spec.denseAs, eps) : undefined;
}

/** Result rows in grid order. */
export function rlResultRows(config: RlEvaluateConfig, cells: RlCell[]): RlResultRow[] {
  const ok = cells.filter((c) => !c.error);
  const order = (c: RlCell) => [config.agents.findIndex((a) => a.name === c.agent), c.attack === 'clean' ? -1 : config.attacks.findIndex((a) => a.name === c.attack), c.eps];
  return [...ok]
    .sort((p, q) => {
      const a = order(p);
      const b = order(q);
      return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    })
    .map((c) => ({
      game: config.game,
      model: config.model,
      agent: c.agent,
      kind: c.kind,
      sampleFraction: c.sampleFraction,
      samples: c.kind === 'dense' ? 1 : config.samples,
      attack: c.attack,
      eps: c.eps,
      episodes: c.episodes,
      meanReturn: c.meanReturn,
      returnLow: c.low,
      returnHigh: c.high,
      flipRate: c.flipRate,
      seed: config.seed,
      seconds: Math.round(c.seconds * 10) / 10,
    }));
}

/** Paired comparisons: every stochastic agent against the dense one, and SAP against random pruning, per attack and eps. */
export function rlComparisons(config: RlEvaluateConfig, cells: RlCell[]): RlComparisonRow[] {
  const dense = config.agents.find((a) => a.kind === 'dense')?.name;
  const sap = config.agents.filter((a) => a.kind === 'sap').map((a) => a.name);
  const random = config.agents.filter((a) => a.kind === 'random').map((a) => a.name);
  const pairs: [string, string][] = [];
  for (const a of config.agents) if (a.kind !== 'dense' && dense) pairs.push([a.name, dense]);
  for (const s of sap) for (const r of random) pairs.push([s, r]);
  const rows: RlComparisonRow[] = [];
  const settings: [string, number][] = [['clean', 0], ...config.attacks.flatMap((a) => config.eps.filter((e) => e > 0).map((e) => [a.name, e] as [string, number]))];
  for (const [attack, eps] of settings) {
    for (const [agent, baseline] of pairs) {
      const a = rlCellFor(config, cells, agent, attack, eps);
      const b = rlCellFor(config, cells, baseline, attack, eps);
      if (!a || !b) continue;
      const r = pairedMeanDifference(a.returns, b.returns, { seed: deriveSeed(config.seed, 'comparison', attack, eps, agent, baseline) });
      rows.push({ attack, eps, agent, baseline, baselineAttack: b.attack, n: r.n, diff: r.diff, low: r.low, high: r.high, pValue: r.pValue });
    }
  }
  return rows;
}

/** Writes `<base>.csv` and `<base>.json` atomically. */
function writeRows(rows: object[], base: string): void {
  writeFileAtomic(`${base}.csv`, toCsv(rows.length ? Object.keys(rows[0]) : [], rows));
  writeFileAtomic(`${base}.json`, JSON.stringify(rows, null, 1) + '\n');
}

const f2 = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
const ci = (c: { meanReturn: number; low: number; high: number }) => `${f2(c.meanReturn)} [${f2(c.low)}, ${f2(c.high)}]`;
const diffText = (r: RlComparisonRow) => `${f2(r.diff)} [${f2(r.low)}, ${f2(r.high)}], p ${r.pValue < 0.001 ? '< 0.001' : r.pValue.toFixed(3)}`;

/** Plain statements about the results, each with the numbers behind it. */
export function rlConclusions(config: RlEvaluateConfig, cells: RlCell[], comparisons: RlComparisonRow[]): string[] {
  const out: string[] = [];
  const dense = config.agents.find((a) => a.kind === 'dense')?.name;
  const sap = config.agents.find((a) => a.kind === 'sap' && a.sampleFraction === 1)?.name ?? config.agents.find((a) => a.kind === 'sap')?.name;
  const random = config.agents.find((a) => a.kind === 'random')?.name;
  if (!dense || !sap) return ['The protocol has no dense/SAP pair to compare.'];
  const epsGrid = config.eps.filter((e) => e > 0);
  const cd = find(cells, dense, 'clean', 0);
  const cs = find(cells, sap, 'clean', 0);
  if (cd && cs) {
    out.push(
      `**Clean play.** ${dense} ${ci(cd)}, ${sap} ${ci(cs)} (k = ${config.samples} passes averaged per action)` +
        (random ? `, ${random} ${ci(find(cells, random, 'clean', 0) ?? { meanReturn: NaN, low: NaN, high: NaN })}` : '') +
        `. ` +
        (cs.meanReturn >= cd.meanReturn - 0.05 ? 'SAP, added without retraining, costs the agent (almost) nothing when nobody attacks.' : 'SAP costs the agent reward even without attack.'),
    );
  }
  const paper = config.attacks.find((a) => a.method === 'fgsm' && (a.eotSamples ?? 1) > 1);
  const plain = config.attacks.find((a) => a.method === 'fgsm' && (a.eotSamples ?? 1) === 1);
  const adaptive = config.attacks.find((a) => a.method === 'pgd' && resolvedRlAttack(a).eotSamples > 1) ?? config.attacks.find((a) => a.method === 'pgd');
  const vs = (attack: string | undefined, agent: string, baseline: string) => (attack ? comparisons.filter((r) => r.attack === attack && r.agent === agent && r.baseline === baseline) : []);
  const listing = (rows: RlComparisonRow[]) => rows.map((r) => `eps ${r.eps}: ${diffText(r)}`).join('; ');
  const verdict = (rows: RlComparisonRow[]) => ({ better: rows.filter((r) => r.low > 0), worse: rows.filter((r) => r.high < 0) });
  if (paper) {
    const rows = vs(paper.name, sap, dense);
    const v = verdict(rows);
    out.push(
      `**The paper's claim under the paper's attack** (FGSM on the observations with a ${paper.eotSamples}-sample Monte-Carlo gradient through SAP; the paper averages 100; the dense agent faces plain FGSM, which is the same attack for a deterministic network). ${sap} − ${dense} mean return, paired over the same ${config.episodes} episodes (bootstrap 95% interval, sign-flip p): ${listing(rows)}. ` +
        (v.better.length && !v.worse.length
          ? `Held: SAP keeps more reward at eps ${v.better.map((r) => r.eps).join(', ')}, as the paper reports for its DQN agents on Atari.`
          : v.better.length
            ? `Mixed: SAP keeps more reward at eps ${v.better.map((r) => r.eps).join(', ')} but less at eps ${v.worse.map((r) => r.eps).join(', ')}.`
            : `Not held here: no eps where SAP keeps significantly more reward.`),
    );
  }
  if (plain) {
    const rows = vs(plain.name, sap, dense);
    const v = verdict(rows);
    out.push(`**Single-sample FGSM** (one stochastic gradient). ${sap} − ${dense}: ${listing(rows)}. ${v.better.length ? `SAP is ahead at eps ${v.better.map((r) => r.eps).join(', ')}: a single noisy gradient is a weak attack on a randomised agent.` : 'SAP is not significantly ahead at any eps.'}`);
  }
  if (adaptive) {
    const rows = vs(adaptive.name, sap, dense);
    const v = verdict(rows);
    const adaptiveSteps = (resolvedRlAttack(adaptive) as ResolvedPgdOptions).steps;
    const last = epsGrid[epsGrid.length - 1];
    const atLast = config.agents.map((a) => ({ a: a.name, c: rlCellFor(config, cells, a.name, adaptive.name, last) })).filter((x) => x.c);
    out.push(
      `**Under the adaptive attack** (${adaptive.name}: PGD-${adaptiveSteps} with ${resolvedRlAttack(adaptive).eotSamples}-sample EOT against the stochastic agents). ${sap} − ${dense}: ${listing(rows)}. ` +
        (v.better.length ? `SAP still keeps more reward at eps ${v.better.map((r) => r.eps).join(', ')}.` : `The gain does not survive: no eps where SAP keeps significantly more reward, as Athalye et al. (2018) found for SAP on CIFAR-10.`) +
        ` At eps ${last}: ${atLast.map((x) => `${x.a} ${f2(x.c!.meanReturn)}`).join(', ')} (−1 = every ball missed).`,
    );
  }
  if (random) {
    for (const att of [paper, adaptive]) {
      if (!att) continue;
      const rows = vs(att.name, sap, random);
      const v = verdict(rows);
      out.push(`**SAP versus uniform random pruning** (${att.name}, same survival rate). ${sap} − ${random}: ${listing(rows)}. ${v.better.length ? `Magnitude-based sampling is ahead at eps ${v.better.map((r) => r.eps).join(', ')}.` : v.worse.length ? `Random pruning is ahead at eps ${v.worse.map((r) => r.eps).join(', ')}.` : 'No significant difference: the randomness, not SAP\'s choice of what to prune, is what the attack meets.'}`);
    }
  }
  const checks = rlChecks(config, cells);
  const failing = checks.filter((c) => c.status !== 'pass');
  out.push(
    failing.length
      ? `**Checks of the evaluation** (\`checks.json\`). ${failing.map((c) => `${c.status.toUpperCase()} ${c.title}: ${c.summary}`).join(' ')}`
      : `**Checks of the evaluation** (\`checks.json\`). All pass: ${checks.map((c) => c.summary).join(' ')}`,
  );
  return out;
}

const worst = (statuses: CheckStatus[]): CheckStatus => (statuses.includes('fail') ? 'fail' : statuses.includes('warn') ? 'warn' : 'pass');

/**
 * The checks of the evaluation itself (Carlini et al., "On Evaluating Adversarial Robustness",
 * 2019), in the shape of `reproduce`'s `checks.json`:
 * - `monotone`: an agent's return does not rise with eps beyond the intervals (fail) for any attack;
 * - `adaptive-not-weaker`: against each stochastic agent the adaptive attack leaves no significantly
 *   more reward than the paper's attack, paired over the same episodes (fail when the paired 95%
 *   interval of adaptive − paper lies above 0);
 * - `large-eps`: at the largest eps the adaptive attack drives every agent's mean return to −0.5 or
 *   below (warn otherwise: the attack may be too weak).
 */
export function rlChecks(config: RlEvaluateConfig, cells: RlCell[]): CheckResult[] {
  const epsGrid = config.eps.filter((e) => e > 0);
  const paper = config.attacks.find((a) => a.method === 'fgsm' && (a.eotSamples ?? 1) > 1);
  const adaptive = config.attacks.find((a) => a.method === 'pgd' && resolvedRlAttack(a).eotSamples > 1) ?? config.attacks.find((a) => a.method === 'pgd');
  const out: CheckResult[] = [];
  const mono: CheckEvidence[] = [];
  for (const a of config.agents) {
    for (const att of config.attacks) {
      const pts = [0, ...epsGrid].map((e) => rlCellFor(config, cells, a.name, att.name, e)).filter((c): c is RlCell => !!c);
      for (let i = 1; i < pts.length; i++) {
        const rises = pts[i].low > pts[i - 1].high;
        mono.push({ what: `${a.name} × ${att.name}: eps ${pts[i - 1].eps} → ${pts[i].eps}`, values: { before: pts[i - 1].meanReturn, after: pts[i].meanReturn }, status: rises ? 'fail' : 'pass' });
      }
    }
  }
  const monoFails = mono.filter((e) => e.status === 'fail');
  out.push({ id: 'monotone', title: 'return does not rise with eps', status: worst(mono.map((e) => e.status)), summary: monoFails.length ? `The return rises beyond the intervals at ${monoFails.map((e) => e.what).join('; ')}.` : 'No agent\'s return rises with eps beyond the intervals.', evidence: mono });
  if (paper && adaptive) {
    const ev: CheckEvidence[] = [];
    for (const a of config.agents.filter((g) => g.kind !== 'dense')) {
      for (const e of epsGrid) {
        const p = rlCellFor(config, cells, a.name, paper.name, e);
        const q = rlCellFor(config, cells, a.name, adaptive.name, e);
        if (!p || !q) continue;
        const d = pairedMeanDifference(q.returns, p.returns, { seed: deriveSeed(config.seed, 'check', a.name, e) });
        ev.push({ what: `${a.name} at eps ${e}: ${adaptive.name} − ${paper.name}`, values: { diff: d.diff, low: d.low, high: d.high, pValue: d.pValue }, status: d.low > 0 ? 'fail' : 'pass' });
      }
    }
    const bad = ev.filter((x) => x.status === 'fail');
    out.push({ id: 'adaptive-not-weaker', title: `${adaptive.name} is not weaker than ${paper.name}`, status: worst(ev.map((x) => x.status)), summary: bad.length ? `${adaptive.name} leaves significantly more reward than ${paper.name} at ${bad.map((x) => x.what).join('; ')}.` : `${adaptive.name} never leaves significantly more reward than ${paper.name} (paired over the same episodes).`, evidence: ev });
  }
  if (adaptive && epsGrid.length) {
    const last = epsGrid[epsGrid.length - 1];
    const ev: CheckEvidence[] = config.agents
      .map((a) => ({ a, c: rlCellFor(config, cells, a.name, adaptive.name, last) }))
      .filter((x) => x.c)
      .map(({ a, c }) => ({ what: `${a.name} × ${adaptive.name} at eps ${last}`, values: { meanReturn: c!.meanReturn, low: c!.low, high: c!.high }, status: (c!.meanReturn <= -0.5 ? 'pass' : 'warn') as CheckStatus }));
    out.push({ id: 'large-eps', title: `${adaptive.name} at eps ${last} defeats every agent`, status: worst(ev.map((x) => x.status)), summary: `At eps ${last} under ${adaptive.name}: ${ev.map((x) => `${x.what.split(' × ')[0]} ${f2(x.values.meanReturn as number)}`).join(', ')} (pass at −0.5 or below).`, evidence: ev });
  }
  return out;
}

function returnsTable(config: RlEvaluateConfig, cells: RlCell[]): string {
  const eps = config.eps;
  const lines = [`| agent | attack | ${eps.map((e) => `eps ${e}`).join(' | ')} |`, `|---|---|${eps.map(() => '---|').join('')}`];
  for (const a of config.agents) {
    for (const att of config.attacks) {
      if (att.only && !att.only.includes(a.name)) continue;
      const vals = eps.map((e) => {
        const c = rlCellFor(config, cells, a.name, att.name, e);
        return c ? ci(c) : 'n/a';
      });
      lines.push(`| ${a.name} | ${att.name} | ${vals.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

function flipTable(config: RlEvaluateConfig, cells: RlCell[]): string {
  const eps = config.eps.filter((e) => e > 0);
  const lines = [`| agent | attack | ${eps.map((e) => `eps ${e}`).join(' | ')} |`, `|---|---|${eps.map(() => '---|').join('')}`];
  for (const a of config.agents) {
    for (const att of config.attacks) {
      if (att.only && !att.only.includes(a.name)) continue;
      lines.push(`| ${a.name} | ${att.name} | ${eps.map((e) => (find(cells, a.name, att.name, e) ? `${(find(cells, a.name, att.name, e)!.flipRate * 100).toFixed(0)}%` : 'n/a')).join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

function protocolText(config: RlEvaluateConfig, run: Record<string, unknown>): string {
  const agents = config.agents.map((a) => (a.kind === 'dense' ? `${a.name} (the shipped DQN Q-network, greedy)` : `${a.name} (${a.kind === 'sap' ? 'SAP' : 'uniform random pruning'} after every ReLU, r/N = ${a.sampleFraction}, greedy on the Q-values averaged over k = ${config.samples} passes)`));
  const attacksText = config.attacks.map((a) => {
    // The options the attack runs with (the attack's own defaults for keys the protocol leaves out).
    const o = resolvedRlAttack(a);
    const pgd = 'steps' in o ? `PGD-${o.steps}, step ${+o.relStepsize.toFixed(4)}·eps${o.randomStart ? ', random start' : ''}${o.restarts > 1 ? `, ${o.restarts} restarts` : ''}` : '';
    return `${a.name} (${a.method === 'fgsm' ? 'FGSM' : pgd}${o.eotSamples > 1 ? `, ${o.eotSamples}-sample EOT gradient against stochastic agents` : ''}${a.only ? `; only ${a.only.join(', ')}` : ''})`;
  });
  return [
    `- Game: Catch (bsuite's 10×5 board; an episode is 9 steps, return +1 if the ball is caught, −1 if missed). Agent: \`${config.model}\`.`,
    `- ${config.episodes} episodes per cell, the same episode seeds in every cell (paired comparisons).`,
    `- Agents: ${agents.join('; ')}.`,
    `- Attacks on every observation (Huang et al. 2017): L∞ ball of radius eps inside [0, 1], cross-entropy with the Q-values as logits against the agent's clean greedy action; the game keeps the true state. ${attacksText.join('; ')}.`,
    `- eps: ${config.eps.join(', ')} (observation pixels are 0 or 1).`,
    `- Intervals: mean return with the Wilson 95% interval of the catch rate mapped to returns; differences: paired bootstrap 95% interval and sign-flip test over episodes (\`comparisons.csv\`).`,
    `- Seed ${config.seed}; backend ${run.backend}; saplab ${run.saplab}, tfjs ${run.tfjs}, Node ${run.node}; commit ${run.gitCommit ?? 'unknown'}.`,
  ].join('\n');
}

/** Rows for `accuracyVsEpsFigure` (mean return on its accuracy axis), with each attack's curve starting at the clean return. */
export function rlFigureRows(config: RlEvaluateConfig, cells: RlCell[]): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const att of config.attacks) {
    for (const a of config.agents) {
      for (const e of config.eps) {
        const c = rlCellFor(config, cells, a.name, att.name, e);
        if (!c) continue;
        rows.push({ model: config.model, defense: a.name, sampleFraction: null, attack: att.name, eps: e, accuracy: c.meanReturn, accuracyLow: c.low, accuracyHigh: c.high, ece: null, nll: null, brier: null, n: c.episodes, seed: config.seed });
      }
    }
  }
  return rows;
}

/** The figure of mean return against eps: one panel per attack, one line per agent, 95% bands. */
export function returnVsEpsFigure(config: RlEvaluateConfig, cells: RlCell[]): PlotlyFigure {
  return accuracyVsEpsFigure(rlFigureRows(config, cells), { title: 'Catch: mean return under attacks on the observations', yTitle: 'mean return', yRange: [-1.05, 1.05], lineBy: 'defense' });
}

/** Writes results, comparisons, figures and summary.md. */
export async function writeRlReport(input: RlReportInput): Promise<void> {
  const { outDir, config, cells } = input;
  writeRows(rlResultRows(config, cells), path.join(outDir, 'results'));
  const comparisons = rlComparisons(config, cells);
  writeRows(comparisons, path.join(outDir, 'comparisons'));
  writeFileAtomic(path.join(outDir, 'checks.json'), JSON.stringify(rlChecks(config, cells), null, 1) + '\n');
  const written: string[] = [];
  let figureNote = '';
  if (input.figures) {
    const figDir = path.join(outDir, 'figures');
    fs.mkdirSync(figDir, { recursive: true });
    const fig = returnVsEpsFigure(config, cells);
    const useBrowser = chromiumAvailable();
    if (!useBrowser) figureNote = 'No Chromium was found, so the figure was written as HTML only (install Debian `chromium` or set SAPLAB_CHROMIUM for SVG and PNG).';
    try {
      written.push(await exportFigure(fig, path.join(figDir, 'return_vs_eps.html')));
      if (useBrowser) {
        written.push(await exportFigure(fig, path.join(figDir, 'return_vs_eps.svg')));
        written.push(await exportFigure(fig, path.join(figDir, 'return_vs_eps.png'), { scale: 2 }));
      }
    } catch (e) {
      figureNote = `Figure export failed: ${(e as Error).message}`;
      input.log(figureNote);
    } finally {
      await closeBrowser();
    }
  }
  const png = written.find((f) => f.endsWith('.png'));
  const html = written.find((f) => f.endsWith('.html'));
  const errors = cells.filter((c) => c.error);
  const md = [
    `# saplab rl evaluate — ${input.run.preset} run`,
    '',
    "Stochastic Activation Pruning (Dhillon et al., ICLR 2018) on a DQN agent: the paper's reinforcement-learning experiment (attacks on the observed frames, Huang et al. 2017) at Catch scale, with the adaptive attack beside it.",
    '',
    '## Protocol',
    protocolText(config, input.run),
    '',
    '## What held and what did not',
    ...rlConclusions(config, cells, comparisons).map((c) => `- ${c}`),
    ...(errors.length ? ['', `Failed cells (rerun to retry): ${errors.map((c) => `${c.key}: ${c.error}`).join('; ')}`] : []),
    '',
    `## Mean return under attack (${config.episodes} episodes per cell, 95% interval)`,
    returnsTable(config, cells),
    '',
    '## Decisions changed by the attack',
    flipTable(config, cells),
    '',
    '## Figure',
    png ? `![return vs eps](figures/${path.basename(png)})\n\n(interactive: [figures/${path.basename(html!)}](figures/${path.basename(html!)}))` : html ? `[return vs eps (interactive HTML)](figures/${path.basename(html)})` : '(none)',
    figureNote ? `\n${figureNote}` : '',
    '',
    'Tables: `results.csv`, `results.json`, `comparisons.csv`, `comparisons.json`; checks: `checks.json`; per-cell records (with per-episode returns): `cells/`; versions and timings: `run.json`.',
    '',
  ].join('\n');
  writeFileAtomic(path.join(outDir, 'summary.md'), md);
}
