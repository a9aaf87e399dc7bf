/**
 * The written report of a reproduce run: figures (HTML, and SVG/PNG when a browser is available)
 * and `summary.md` with the protocol, the accuracy and calibration tables, and plain statements of
 * what held and what did not, next to what the paper and its re-evaluations report.
 */
import * as path from 'path';
import { writeFileAtomic } from '../data/download';
import { accuracyVsEpsFigure } from '../report/accuracy_vs_eps';
import { reliabilityFigure } from '../report/reliability';
import { exportFigure } from '../report/export';
import { chromiumAvailable, closeBrowser } from '../report/browser';
import type { PlotlyFigure } from '../report/figure';
import type { ResultRow } from '../report/table';
import type { CalibrationResult } from '../metrics/calibration';
import type { ReproduceConfig } from './config';
import type { CellResult } from './run';
import { cellCalibration } from './cell_calibration';

export interface ReportInput {
  outDir: string;
  config: ReproduceConfig;
  cells: CellResult[];
  rows: ResultRow[];
  run: Record<string, unknown>;
  figures: boolean;
  log: (line: string) => void;
}

const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(1)}%`);
const pts = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} points`;

/** Finds a finished cell. */
function find(cells: CellResult[], defense: string, attack: string, eps?: number): CellResult | undefined {
  return cells.find((c) => !c.error && c.defense === defense && c.attack === attack && (eps === undefined || Math.abs(c.eps - eps) < 1e-9));
}

/** Plain statements about the results, each with the numbers behind it. */
export function conclusions(config: ReproduceConfig, cells: CellResult[]): string[] {
  const out: string[] = [];
  const sapName = config.defenses.find((d) => d.kind === 'sap' && d.sampleFraction === 1)?.name ?? config.defenses.find((d) => d.kind === 'sap')?.name;
  const dense = config.defenses.find((d) => d.kind === 'dense')?.name;
  const randomName = config.defenses.find((d) => d.kind === 'random')?.name;
  const epsGrid = config.eps.filter((e) => e > 0);
  if (!sapName || !dense) return ['The protocol has no dense/SAP pair to compare.'];
  const cleanDense = find(cells, dense, 'clean');
  const cleanSap = find(cells, sapName, 'clean');
  if (cleanDense && cleanSap) {
    const d = cleanSap.accuracy - cleanDense.accuracy;
    out.push(
      `**Clean accuracy.** ${dense} ${pct(cleanDense.accuracy)}, ${sapName} ${pct(cleanSap.accuracy)} (${pts(d)}). ` +
        (Math.abs(d) <= 0.02 ? 'Held: SAP costs little clean accuracy without fine-tuning, as the paper reports.' : d < 0 ? 'SAP costs clean accuracy here.' : 'SAP does not cost clean accuracy here.'),
    );
    out.push(`**Calibration (clean).** ECE ${dense} ${pct(cleanDense.ece)}, ${sapName} ${pct(cleanSap.ece)}; NLL ${cleanDense.nll.toFixed(3)} vs ${cleanSap.nll.toFixed(3)}; Brier ${cleanDense.brier.toFixed(3)} vs ${cleanSap.brier.toFixed(3)}.`);
  }
  const gainUnder = (denseAttack: string, sapAttack: string) =>
    epsGrid
      .map((eps) => {
        const a = find(cells, dense, denseAttack, eps);
        const b = find(cells, sapName, sapAttack, eps);
        return a && b ? { eps, dense: a.accuracy, sap: b.accuracy, gain: b.accuracy - a.accuracy } : undefined;
      })
      .filter((g): g is { eps: number; dense: number; sap: number; gain: number } => g !== undefined);
  const describeGains = (g: ReturnType<typeof gainUnder>) => g.map((x) => `eps ${x.eps}: ${pct(x.dense)} → ${pct(x.sap)} (${pts(x.gain)})`).join('; ');
  const fgsm = config.attacks.find((a) => a.method === 'fgsm' && (a.eotSamples ?? 1) === 1)?.name;
  const fgsmMc = config.attacks.find((a) => a.method === 'fgsm' && (a.eotSamples ?? 1) > 1);
  for (const [name, label, paper] of [
    [fgsm, 'FGSM, one-sample gradient', ''],
    [fgsmMc?.name, `The paper's attack (FGSM with the gradient averaged over ${fgsmMc?.eotSamples} Monte-Carlo samples)`, ' The paper reports about +12 points for SAP-100 at lambda = 1 (of 255) on CIFAR-10.'],
  ] as const) {
    if (!name) continue;
    const g = gainUnder(name, name);
    if (!g.length) continue;
    const best = g.reduce((p, q) => (q.gain > p.gain ? q : p));
    out.push(
      `**${label}.** ${dense} vs ${sapName}: ${describeGains(g)}. ` +
        (best.gain > 0.02 ? `Held: SAP gains up to ${pts(best.gain)} (at eps ${best.eps}) under this attack.` : 'Did not hold: no clear gain under this attack.') +
        paper,
    );
  }
  const pgd = config.attacks.find((a) => a.method === 'pgd' && !a.bpda && (a.eotSamples ?? 1) === 1)?.name;
  const pgdEot = config.attacks.find((a) => a.method === 'pgd' && !a.bpda && (a.eotSamples ?? 1) > 1)?.name;
  const bpda = config.attacks.find((a) => a.bpda)?.name;
  if (pgd && pgdEot) {
    const g = gainUnder(pgd, pgdEot);
    if (g.length) {
      const last = g[g.length - 1];
      out.push(
        `**Adaptive attack (PGD with EOT on ${sapName}, against plain PGD on ${dense}).** ${describeGains(g)}. ` +
          (g.every((x) => x.gain < 0.05)
            ? 'The gain does not survive the adaptive attack: what SAP buys against the paper\'s attack is largely gone once gradients are averaged over its randomness,'
            : `Part of the gain survives (${pts(last.gain)} at eps ${last.eps}),`) +
          ' in line with Athalye et al. (2018), who report 9% accuracy at eps 0.015 and 0% at 0.031 on CIFAR-10 with EOT.',
      );
    }
  }
  if (pgd && bpda) {
    const g = gainUnder(pgd, bpda);
    if (g.length) out.push(`**BPDA (SAP treated as the identity in the backward pass).** ${describeGains(g)}. The erratum (Dhillon and Carlini, 2020) reports that BPDA brings SAP to about 0.1% on CIFAR-10.`);
  }
  const squareName = config.attacks.find((a) => a.method === 'square')?.name;
  if (squareName) {
    const rowsOut: string[] = [];
    let masking = false;
    for (const eps of epsGrid) {
      const sq = find(cells, sapName, squareName, eps);
      if (!sq) continue;
      const grads = cells.filter((c) => !c.error && c.defense === sapName && Math.abs(c.eps - eps) < 1e-9 && config.attacks.find((a) => a.name === c.attack && a.method !== 'square'));
      if (!grads.length) continue;
      const best = grads.reduce((p, q) => (q.accuracy < p.accuracy ? q : p));
      rowsOut.push(`eps ${eps}: Square ${pct(sq.accuracy)}, strongest gradient attack ${best.attack} ${pct(best.accuracy)}`);
      if (sq.accuracy + 0.02 < best.accuracy) masking = true;
    }
    if (rowsOut.length) {
      out.push(
        `**Gradient-free check (Square on ${sapName}).** ${rowsOut.join('; ')}. ` +
          (masking
            ? 'Square beats every gradient attack at some eps: a sign of gradient masking — the gradient attacks overstate SAP\'s robustness there.'
            : 'The gradient attacks are at least as strong as Square at every eps: no sign that they are fooled by masked gradients at this query budget.'),
      );
    }
  }
  if (randomName && pgd) {
    const r = find(cells, randomName, 'clean');
    if (r && cleanSap) out.push(`**Sampling by magnitude vs uniform random pruning** (same expected number of survivors): clean ${sapName} ${pct(cleanSap.accuracy)}, ${randomName} ${pct(r.accuracy)}.`);
  }
  const failed = cells.filter((c) => c.error);
  if (failed.length) out.push(`**Failed cells (${failed.length}).** ${failed.map((c) => `${c.key}: ${c.error}`).join('; ')}`);
  return out;
}

function accuracyTable(config: ReproduceConfig, cells: CellResult[]): string {
  const eps = config.eps;
  const head = `| defense | attack | ${eps.map((e) => `eps ${e}`).join(' | ')} |\n|---|---|${eps.map(() => '---').join('|')}|`;
  const lines: string[] = [];
  for (const d of config.defenses) {
    const clean = find(cells, d.name, 'clean');
    for (const a of config.attacks) {
      const mine = eps.map((e) => (e === 0 ? clean : find(cells, d.name, a.name, e)));
      if (mine.slice(1).every((c) => !c)) continue;
      lines.push(`| ${d.name} | ${a.name} | ${mine.map((c) => (c ? pct(c.accuracy) : '—')).join(' | ')} |`);
    }
  }
  return `${head}\n${lines.join('\n')}`;
}

function calibrationTable(config: ReproduceConfig, cells: CellResult[]): string {
  const lines = config.defenses
    .map((d) => find(cells, d.name, 'clean'))
    .filter((c): c is CellResult => !!c)
    .map((c) => `| ${c.defense} | ${pct(c.accuracy)} [${pct(c.accuracyLow)}, ${pct(c.accuracyHigh)}] | ${pct(c.ece)} | ${pct(c.mce)} | ${c.nll.toFixed(3)} | ${c.brier.toFixed(3)} |`);
  return `| defense | accuracy [95% Wilson] | ECE | MCE | NLL | Brier |\n|---|---|---|---|---|---|\n${lines.join('\n')}`;
}

function protocolText(config: ReproduceConfig, run: Record<string, unknown>): string {
  const defenses = config.defenses.map((d) => (d.kind === 'dense' ? `${d.name} (the pretrained CNN)` : `${d.name} (${d.kind === 'sap' ? 'SAP' : 'uniform random pruning'}, r/N = ${d.sampleFraction})`)).join('; ');
  const attacks = config.attacks
    .map((a) => {
      const parts = [a.method.toUpperCase()];
      if (a.steps) parts.push(`${a.steps} steps`);
      if (a.relStepsize) parts.push(`step ${a.relStepsize}·eps`);
      if (a.eotSamples) parts.push(`EOT ${a.eotSamples}`);
      if (a.bpda) parts.push('BPDA (identity backward through SAP)');
      if (a.queries) parts.push(`${a.queries} queries`);
      if (a.loss) parts.push(`${a.loss} loss`);
      if (a.only) parts.push(`against ${a.only.join(', ')}`);
      return `${a.name}: ${parts.join(', ')}`;
    })
    .join('; ');
  return [
    `- Data: the first ${config.n} images of the Fashion-MNIST test split; model: the shipped ${config.model} (no fine-tuning).`,
    `- Defenses: ${defenses}. SAP acts after every ReLU and stays on at inference.`,
    `- Predictions of stochastic models: softmax averaged over ${config.predictSamples} passes (the paper uses 100).`,
    `- Attacks (L-inf, pixels in [0, 1]): ${attacks}. EOT applies to stochastic models only.`,
    `- Accuracy is measured on the attacked inputs; intervals are 95% Wilson intervals over the ${config.n} images.`,
    `- eps grid: ${config.eps.join(', ')}; calibration with ${config.calibrationBins} equal-width bins (Guo et al. 2017).`,
    `- Seed ${config.seed}; backend ${run.backend}; saplab ${run.saplab}, tfjs ${run.tfjs}, Node ${run.node}; commit ${run.gitCommit ?? 'unknown'}.`,
  ].join('\n');
}

/** Writes the figures and `summary.md`. */
export async function writeReport(input: ReportInput): Promise<void> {
  const { outDir, config, cells, rows } = input;
  const figDir = path.join(outDir, 'figures');
  const written: { name: string; files: string[] }[] = [];
  let figureNote = '';
  if (input.figures) {
    const figures: [string, PlotlyFigure][] = [];
    const curveRows = rows.filter((r) => r.attack !== 'clean');
    if (curveRows.length) figures.push(['accuracy_vs_eps', accuracyVsEpsFigure(curveRows, { title: `Accuracy under attack (Fashion-MNIST, n = ${config.n})` })]);
    const sapName = config.defenses.find((d) => d.kind === 'sap' && d.sampleFraction === 1)?.name ?? config.defenses.find((d) => d.kind === 'sap')?.name;
    const dense = config.defenses.find((d) => d.kind === 'dense')?.name;
    const rel: Record<string, CalibrationResult> = {};
    for (const name of [dense, sapName]) {
      const c = name ? find(cells, name, 'clean') : undefined;
      if (c) rel[`${name}, clean`] = cellCalibration(c);
    }
    if (Object.keys(rel).length) figures.push(['reliability_clean', reliabilityFigure(rel, { title: 'Reliability, clean test images' })]);
    const useBrowser = chromiumAvailable();
    if (!useBrowser) figureNote = 'No Chromium was found, so figures were written as HTML only (install Debian `chromium` or set SAPLAB_CHROMIUM for SVG and PNG).';
    try {
      for (const [name, fig] of figures) {
        const files = [await exportFigure(fig, path.join(figDir, `${name}.html`))];
        if (useBrowser) {
          files.push(await exportFigure(fig, path.join(figDir, `${name}.svg`)));
          files.push(await exportFigure(fig, path.join(figDir, `${name}.png`), { scale: 2 }));
        }
        written.push({ name, files });
      }
    } catch (e) {
      figureNote = `Figure export failed: ${(e as Error).message}`;
      input.log(figureNote);
    } finally {
      await closeBrowser();
    }
  }
  const figureLines = written.map((w) => {
    const png = w.files.find((f) => f.endsWith('.png'));
    const html = w.files.find((f) => f.endsWith('.html'))!;
    return png ? `![${w.name}](figures/${path.basename(png)})\n\n(interactive: [figures/${path.basename(html)}](figures/${path.basename(html)}))` : `[${w.name} (interactive HTML)](figures/${path.basename(html)})`;
  });
  const md = [
    `# saplab reproduce — ${input.run.preset} run`,
    '',
    `Stochastic Activation Pruning (Dhillon et al., ICLR 2018) on Fashion-MNIST: the paper's evaluation and the adaptive one, on the same model.`,
    '',
    '## Protocol',
    protocolText(config, input.run),
    '',
    '## What held and what did not',
    ...conclusions(config, cells).map((c) => `- ${c}`),
    '',
    '## Accuracy under attack',
    accuracyTable(config, cells),
    '',
    '## Clean accuracy and calibration',
    calibrationTable(config, cells),
    '',
    '## Figures',
    ...(figureLines.length ? figureLines : ['(none)']),
    figureNote ? `\n${figureNote}` : '',
    '',
    `Tables: \`results.csv\`, \`results.json\`; per-cell records (with per-example correctness): \`cells/\`; versions and timings: \`run.json\`.`,
    '',
  ].join('\n');
  writeFileAtomic(path.join(outDir, 'summary.md'), md);
}
