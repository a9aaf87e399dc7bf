/**
 * The written report of a reproduce run: figures (HTML, and SVG/PNG when a browser is available)
 * and `summary.md` with the protocol, the accuracy and calibration tables, and plain statements of
 * what held and what did not, next to what the paper and its re-evaluations report.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../data/download';
import { describeDefense, isCertifiedKind } from './stochastic_defenses';
import { certifiedCurve } from './cell';
import { CERTIFY_CELL } from './grid';
import { accuracyVsEpsFigure } from '../report/accuracy_vs_eps';
import { reliabilityFigure } from '../report/reliability';
import { pairedDifferencesFigure } from '../report/paired_differences';
import { exportFigure } from '../report/export';
import { chromiumAvailable, closeBrowser } from '../report/browser';
import type { PlotlyFigure } from '../report/figure';
import { makeResultRow, writeResults, type ResultRow } from '../report/table';
import type { CalibrationResult } from '../metrics/calibration';
import type { ReproduceConfig } from './spec';
import type { CellResult } from './cell';
import { stochasticSections, type MatchedStrength } from './baseline_grid';
import { modelLabel } from './inputs';
import { cellCalibration } from './cell_calibration';
import { ComparisonRow, comparisonRows, writeComparisons } from './comparisons';
import { checksMarkdown, runChecks } from './checks';
import { claims, pairedTable } from './claims';
import { budgetPoints, headlineSuite, headlineTable } from './headline';
import { budgetCurveFigure } from '../report/budget_curve';

interface ReportInput {
  outDir: string;
  config: ReproduceConfig;
  cells: CellResult[];
  rows: ResultRow[];
  run: Record<string, unknown>;
  figures: boolean;
  log: (line: string) => void;
  /** Calibrated strengths of the `matchTo` baselines, stated in the summary. Default none. */
  matched?: Record<string, MatchedStrength>;
}

const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(1)}%`);
const DATASET_LABELS: Record<string, string> = { 'fashion-mnist': 'Fashion-MNIST', mnist: 'MNIST', cifar10: 'CIFAR-10', idx: 'IDX' };
/** Display name of a config's data set. */
function datasetLabel(config: ReproduceConfig): string {
  return DATASET_LABELS[config.dataset] ?? config.dataset;
}

/** Finds a finished cell. */
function find(cells: CellResult[], defense: string, attack: string, eps?: number): CellResult | undefined {
  return cells.find((c) => !c.error && c.defense === defense && c.attack === attack && (eps === undefined || Math.abs(c.eps - eps) < 1e-9));
}

/** Plain statements about the results, each with the paired numbers behind it (see `claims`). */
export function conclusions(config: ReproduceConfig, cells: CellResult[]): string[] {
  const rows = comparisonRows(config, cells);
  return claims(config, cells, rows, runChecks(config, cells, {}, rows));
}

function accuracyTable(config: ReproduceConfig, cells: CellResult[]): string {
  const eps = [...new Set([...config.eps, ...config.attacks.flatMap((a) => a.eps ?? [])])].sort((a, b) => a - b);
  const head = `| defense | attack | ${eps.map((e) => `eps ${e}`).join(' | ')} |\n|---|---|${eps.map(() => '---').join('|')}|`;
  const lines: string[] = [];
  for (const d of config.defenses) {
    const clean = find(cells, d.name, 'clean');
    for (const a of config.attacks) {
      const mine = eps.map((e) => (e === 0 ? clean : find(cells, d.name, a.name, e)));
      if (mine.slice(1).every((c) => !c)) continue;
      lines.push(`| ${d.name} | ${a.name} | ${mine.map((c) => (c ? pct(c.accuracy) : '—')).join(' | ')} |`);
    }
    const cert = find(cells, d.name, CERTIFY_CELL);
    if (cert?.certificate) lines.push(`| ${d.name} | certified (CERTIFY) | ${certifiedCurve(cert, eps).map((p) => pct(p.accuracy)).join(' | ')} |`);
  }
  return `${head}\n${lines.join('\n')}`;
}

/**
 * The "Certified accuracy" section: per smoothed defense and radius, the certified accuracy
 * (CERTIFY, abstentions as errors) with its Wilson interval, and the empirical accuracy of the
 * same smoothed classifier (PREDICT) on the same images under each attack at that radius.
 */
function certifiedSection(config: ReproduceConfig, cells: CellResult[]): string[] {
  const smoothed = config.defenses.filter((d) => isCertifiedKind(d.kind));
  const cs = config.certify;
  if (!smoothed.length || !cs) return [];
  const radii = config.eps;
  const lines: string[] = [];
  for (const d of smoothed) {
    const cert = find(cells, d.name, CERTIFY_CELL);
    if (!cert?.certificate) continue;
    const attacks = config.attacks.filter((a) => !a.eps && cells.some((c) => !c.error && c.defense === d.name && c.attack === a.name));
    const curve = certifiedCurve(cert, radii);
    const abstained = cert.certificate.predictions.filter((p) => p < 0).length;
    for (const p of curve) {
      const clean = find(cells, d.name, 'clean');
      const emp =
        p.radius === 0
          ? [clean ? `clean ${pct(clean.accuracy)}` : 'clean —']
          : attacks.map((a) => {
              const c = find(cells, d.name, a.name, p.radius);
              return c ? `${a.name} ${pct(c.accuracy)}` : `${a.name} —`;
            });
      lines.push(`| ${d.name} | ${d.sigma} | ${p.radius} | **${pct(p.accuracy)}** [${pct(p.low)}, ${pct(p.high)}] | ${p.radius === 0 ? abstained : ''} | ${emp.join('; ') || '—'} |`);
    }
  }
  if (!lines.length) return [];
  return [
    '## Certified accuracy',
    `Randomized smoothing (Cohen et al. 2019): CERTIFY with n0 = ${cs.n0}, n = ${cs.n}, alpha = ${cs.alpha} on the same ${config.n} images; an image counts at radius r when the certified class is its label with a certified L2 radius ≥ r (abstentions count as errors). The empirical accuracy beside it is that of the same smoothed classifier, decided by PREDICT (n = ${cs.predictN}, alpha = ${cs.alpha}; abstentions count as errors), on the attacked images (radius 0: clean). With probability at least 1 − alpha per image a certificate is right, so the empirical accuracy should not fall below the certified one: the checklist's certified-vs-empirical item tests it.`,
    '',
    '| defense | σ | L2 radius | certified accuracy [95% Wilson] | abstained | empirical (PREDICT) |',
    '|---|---|---|---|---|---|',
    ...lines,
    '',
  ];
}

function calibrationTable(config: ReproduceConfig, cells: CellResult[]): string {
  const lines = config.defenses
    .map((d) => find(cells, d.name, 'clean'))
    .filter((c): c is CellResult => !!c)
    .map((c) => `| ${c.defense} | ${pct(c.accuracy)} [${pct(c.accuracyLow)}, ${pct(c.accuracyHigh)}] | ${pct(c.ece)} | ${pct(c.mce)} | ${c.nll.toFixed(3)} | ${c.brier.toFixed(3)} |`);
  return `| defense | accuracy [95% Wilson] | ECE | MCE | NLL | Brier |\n|---|---|---|---|---|---|\n${lines.join('\n')}`;
}

function protocolText(config: ReproduceConfig, run: Record<string, unknown>): string {
  const defenses = config.defenses.map((d) => describeDefense(d)).join('; ');
  const attacks = config.attacks
    .map((a) => {
      const parts = [a.method.toUpperCase()];
      if (a.steps) parts.push(`${a.steps} steps`);
      if (a.relStepsize) parts.push(`step ${a.relStepsize}·eps`);
      if (a.eotSamples) parts.push(`EOT ${a.eotSamples}`);
      if (a.bpda) parts.push('BPDA (identity backward through SAP)');
      if (a.queries) parts.push(`${a.queries} queries`);
      if (a.loss) parts.push(`${a.loss} loss`);
      if (a.noiseSamples) parts.push(`${a.noiseSamples} noise draws per estimate`);
      if (a.only) parts.push(`against ${a.only.join(', ')}`);
      return `${a.name}: ${parts.join(', ')}`;
    })
    .join('; ');
  return [
    `- Data: the first ${config.n} images of the ${datasetLabel(config)} test split${config.dataDir ? ` (from ${config.dataDir})` : ''}; model: ${config.model === 'fashion-cnn' ? 'the shipped fashion-cnn' : `\`${config.model}\``} (no fine-tuning).`,
    `- Model input: ${run.input ?? 'pixels in [0, 1]'}. Settings: inputRange [${config.inputRange.join(', ')}], mean ${config.mean ? `[${config.mean.join(', ')}]` : 'none'}, std ${config.std ? `[${config.std.join(', ')}]` : 'none'}, outputs ${config.outputs} (defaults: [0, 1], none, none, auto).`,
    `- Defenses: ${defenses}. SAP acts after every ReLU and stays on at inference${Array.isArray(run.sapSites) && run.sapSites.length ? `: after ${run.sapSites.length} layer${run.sapSites.length === 1 ? '' : 's'} (${(run.sapSites as string[]).join(', ')})` : ''}.`,
    `- Predictions of stochastic models: softmax averaged over ${config.predictSamples} passes (the paper uses 100).`,
    `- Attacks (${config.norm === 'l2' ? 'L2' : 'L-inf'}, pixels in [0, 1]): ${attacks}. EOT applies to stochastic models only.`,
    ...(config.certify && config.defenses.some((d) => isCertifiedKind(d.kind))
      ? [`- Smoothed defenses: certified by CERTIFY (n0 = ${config.certify.n0}, n = ${config.certify.n}, alpha = ${config.certify.alpha}); their clean and attacked cells are decided by PREDICT (n = ${config.certify.predictN}, alpha = ${config.certify.alpha}; abstentions count as errors), their calibration is that of the softmax averaged over ${config.predictSamples} noisy passes.`]
      : []),
    `- Accuracy is measured on the attacked inputs; intervals are 95% Wilson intervals over the ${config.n} images.`,
    `- eps grid: ${config.eps.join(', ')}; calibration with ${config.calibrationBins} equal-width bins (Guo et al. 2017).`,
    `- Seed ${config.seed}; backend ${run.backend}; saplab ${run.saplab}, tfjs ${run.tfjs}, Node ${run.node}; commit ${run.gitCommit ?? 'unknown'}.`,
  ].join('\n');
}

/**
 * The "Paired comparisons" section: the SAP defense at r/N = 1 against dense and random pruning,
 * and each smoothed defense against dense (SmoothAdv against dense's strongest L2 attack).
 */
function pairedSection(config: ReproduceConfig, comparisons: ComparisonRow[]): string[] {
  const sap = config.defenses.find((d) => d.kind === 'sap' && d.sampleFraction === 1) ?? config.defenses.find((d) => d.kind === 'sap');
  const refs = sap ? config.defenses.filter((d) => d.kind === 'dense' || (d.kind === 'random' && d.sampleFraction === sap.sampleFraction)).map((d) => d.name) : [];
  const dense = config.defenses.filter((d) => d.kind === 'dense').map((d) => d.name);
  const tables = [
    ...(sap ? [pairedTable(comparisons, sap.name, refs)] : []),
    ...config.defenses.filter((d) => isCertifiedKind(d.kind)).map((d) => pairedTable(comparisons, d.name, dense)),
  ].filter((t) => t);
  if (!tables.length) return [];
  const smoothedNote = config.defenses.some((d) => isCertifiedKind(d.kind))
    ? ' A smoothed defense under SmoothAdv (which attacks smoothed classifiers only) is compared with the dense model under its strongest gradient attack at the same radius (`referenceAttack` in `comparisons.csv`).'
    : '';
  return [
    '## Paired comparisons',
    `Accuracy differences on the same ${config.n} images, in points, with 95% Newcombe intervals and exact McNemar p-values; ✱ marks an interval that excludes 0 (the interval decides what counts as shown; the exact McNemar test is a little more conservative, so an interval that just excludes 0 can come with p slightly above 0.05). Where an attack was not run on the dense model because it is the same attack there (EOT, BPDA, transfer from dense), the dense cell is that of the plain attack.${smoothedNote} Every comparison of the run (all defenses, and attacks against stronger attacks): \`comparisons.csv\`.`,
    '',
    ...tables.flatMap((t) => [t, '']),
  ];
}

/** The "Robust accuracy" section: the headline table of the suite (see `headline.ts`). */
function headlineSection(config: ReproduceConfig, cells: CellResult[]): string[] {
  const table = headlineTable(config, cells);
  if (!table) return [];
  const suite = headlineSuite(config)!;
  return [
    '## Robust accuracy',
    `The headline number of each defense: the fraction of the ${config.n} images that no attack of ${suite.name} broke (${suite.version ?? 'rand'} version: its attacks run in sequence, each on the images still robust, ${suite.steps ?? 100} steps, EOT ${suite.eotSamples ?? 20} on stochastic defenses; an image is broken when the softmax averaged over ${config.predictSamples} passes misclassifies it). The single attacks below are the detail under it.`,
    '',
    table,
    '',
  ];
}

/** Writes the figures and `summary.md`. */
async function writeReport(input: ReportInput): Promise<void> {
  const { outDir, config, cells, rows } = input;
  const comparisons = comparisonRows(config, cells);
  writeComparisons(comparisons, outDir);
  const checks = runChecks(config, cells, {}, comparisons);
  writeFileAtomic(path.join(outDir, 'checks.json'), JSON.stringify(checks, null, 1) + '\n');
  const figDir = path.join(outDir, 'figures');
  const written: { name: string; files: string[] }[] = [];
  let figureNote = '';
  if (input.figures) {
    const figures: [string, PlotlyFigure][] = [];
    // Attacks with their own eps (large-eps sanity checks) would stretch the shared eps axis.
    const ownEps = new Set(config.attacks.filter((a) => a.eps).map((a) => a.name));
    const curveRows = rows.filter((r) => r.attack !== 'clean' && !ownEps.has(r.attack));
    if (curveRows.length) figures.push(['accuracy_vs_eps', accuracyVsEpsFigure(curveRows, { title: `Accuracy under attack (${datasetLabel(config)}, n = ${config.n})` })]);
    const dense = config.defenses.find((d) => d.kind === 'dense')?.name;
    const diffs = comparisons.filter((r) => r.kind === 'defense' && r.reference === dense && r.attack !== 'clean' && !ownEps.has(r.attack));
    if (diffs.length) figures.push(['paired_differences', pairedDifferencesFigure(diffs, { title: `Paired accuracy difference, defense − ${dense} on the same ${config.n} images (95% Newcombe intervals)` })]);
    const sapName = config.defenses.find((d) => d.kind === 'sap' && d.sampleFraction === 1)?.name ?? config.defenses.find((d) => d.kind === 'sap')?.name;
    const rel: Record<string, CalibrationResult> = {};
    for (const name of [dense, sapName]) {
      const c = name ? find(cells, name, 'clean') : undefined;
      if (c) rel[`${name}, clean`] = cellCalibration(c);
    }
    if (Object.keys(rel).length) figures.push(['reliability_clean', reliabilityFigure(rel, { title: 'Reliability, clean test images' })]);
    const certFig = certifiedFigureRows(config, cells, rows);
    if (certFig.length) {
      figures.push([
        'certified_vs_empirical',
        accuracyVsEpsFigure(certFig, { panelBy: 'panel', lineBy: 'line', title: `Certified and empirical accuracy against the L2 radius (${datasetLabel(config)}, n = ${config.n})`, xTitle: 'L2 radius' }),
      ]);
    }
    const budget = budgetPoints(config, cells);
    if (budget.length) figures.push(['budget_curve', budgetCurveFigure(budget, { title: `Robust accuracy (${headlineSuite(config)!.name}) against its budget, n = ${config.n}` })]);
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
    `Stochastic Activation Pruning (Dhillon et al., ICLR 2018) on ${datasetLabel(config)}: the paper's evaluation and the adaptive one, on the same model.`,
    '',
    '## Protocol',
    protocolText(config, input.run),
    '',
    ...headlineSection(config, cells),
    ...certifiedSection(config, cells),
    '## What held and what did not',
    ...claims(config, cells, comparisons, checks).map((c) => `- ${c}`),
    '',
    ...pairedSection(config, comparisons),
    '## Robustness checklist',
    'Checks after Carlini et al. (2019), Athalye et al. (2018) and AutoAttack\'s advice for randomised defenses, on paired comparisons of the same images (a check fails when a comparison in the wrong direction is significant after Holm\'s correction over the check; it warns when one is only nominally significant or when the protocol lacks the attack it needs). Evidence per item: `checks.json`.',
    '',
    checksMarkdown(checks),
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
    `Tables: \`results.csv\`, \`results.json\`; paired comparisons: \`comparisons.csv\`, \`comparisons.json\`; checklist: \`checks.json\`; per-cell records (with per-example correctness): \`cells/\`; versions and timings: \`run.json\`.`,
    '',
  ].join('\n');
  writeFileAtomic(path.join(outDir, 'summary.md'), md);
}

/** Table rows of the cells: each attack's curve starts at its defense's clean accuracy. */
export function cellsToRows(cells: CellResult[], config: ReproduceConfig): ResultRow[] {
  const rows: ResultRow[] = [];
  const ok = cells.filter((c) => !c.error);
  const clean = new Map(ok.filter((c) => c.attack === 'clean').map((c) => [c.defense, c]));
  const row = (c: CellResult, attack: string) =>
    makeResultRow(
      { model: modelLabel(config.model), defense: c.defense, attack, eps: c.eps, sampleFraction: c.sampleFraction, seed: config.seed, extra: { mce: c.mce, seconds: Math.round(c.seconds * 10) / 10 } },
      { accuracy: c.accuracy, low: c.accuracyLow, high: c.accuracyHigh, n: c.n, correct: Math.round(c.accuracy * c.n) },
      { ece: c.ece, nll: c.nll, brier: c.brier } as CalibrationResult,
    );
  for (const d of config.defenses) {
    const c0 = clean.get(d.name);
    if (c0) rows.push(row(c0, 'clean'));
    for (const a of config.attacks) {
      const mine = ok.filter((c) => c.defense === d.name && c.attack === a.name).sort((p, q) => p.eps - q.eps);
      if (mine.length === 0) continue;
      if (c0 && config.eps.includes(0)) rows.push(row({ ...c0, eps: 0 }, a.name));
      for (const c of mine) rows.push(row(c, a.name));
    }
    // A smoothed defense's certified accuracy at every radius of the grid: attack `certified`.
    const cert = ok.find((c) => c.defense === d.name && c.attack === CERTIFY_CELL && c.certificate);
    if (cert) {
      for (const p of certifiedCurve(cert, config.eps)) {
        const k = Math.round(p.accuracy * cert.n);
        rows.push(makeResultRow({ model: modelLabel(config.model), defense: d.name, attack: 'certified', eps: p.radius, seed: config.seed, extra: { seconds: Math.round(cert.seconds * 10) / 10 } }, { accuracy: p.accuracy, low: p.low, high: p.high, n: cert.n, correct: k }));
      }
    }
  }
  return rows;
}

/**
 * Rows of the certified-vs-empirical figure: one panel per smoothed defense (its σ) with its
 * certified curve and its empirical curves under each attack, and in every panel the other
 * defenses' curves under the same radii (dense and SAP under the L2 attacks) for reference.
 * Attacks with their own radii (sanity checks) are left out. Empty without smoothed defenses.
 */
export function certifiedFigureRows(config: ReproduceConfig, cells: CellResult[], rows: ResultRow[]): ResultRow[] {
  const smoothed = config.defenses.filter((d) => isCertifiedKind(d.kind));
  if (!smoothed.some((d) => find(cells, d.name, CERTIFY_CELL)?.certificate)) return [];
  const ownEps = new Set(config.attacks.filter((a) => a.eps || a.variantOf || a.budgetOf || a.transferFrom).map((a) => a.name));
  const curves = rows.filter((r) => r.attack !== 'clean' && !ownEps.has(r.attack));
  const out: ResultRow[] = [];
  for (const d of smoothed) {
    const panel = `${d.name} (σ = ${d.sigma})`;
    for (const r of curves) {
      const mine = r.defense === d.name;
      const other = config.defenses.find((o) => o.name === r.defense);
      if (!mine && (!other || isCertifiedKind(other.kind))) continue;
      out.push({ ...r, panel, line: mine ? (r.attack === 'certified' ? 'certified' : `empirical, ${r.attack}`) : `${r.defense}, ${r.attack}` });
    }
  }
  return out;
}

/**
 * The whole report of a finished run: `results.csv/json`, the figures and `summary.md` (with the
 * sections on calibrated baselines when the protocol has them).
 */
export async function writeRunReport(input: ReportInput): Promise<void> {
  writeResults(input.rows, path.join(input.outDir, 'results'));
  await writeReport(input);
  const extra = stochasticSections(input.config, input.cells, input.matched ?? {});
  if (extra) fs.appendFileSync(path.join(input.outDir, 'summary.md'), '\n' + extra + '\n');
}
