/**
 * The robustness-evaluation checklist run on every reproduction, written to `checks.json` and a
 * section of `summary.md`. Each check is `pass`, `warn` or `fail`, with its evidence (the cells
 * and numbers it looked at). The checks follow Carlini et al., *On Evaluating Adversarial
 * Robustness* (arXiv:1902.06705, 2019, section 5), Athalye, Carlini & Wagner, *Obfuscated
 * Gradients Give a False Sense of Security* (ICML 2018, section 3.1) and Croce & Hein's advice for
 * randomised defenses (AutoAttack, ICML 2020):
 *
 * 1. `monotone-eps`: accuracy does not rise with eps for any (defense, attack) beyond noise.
 * 2. `large-eps`: at a large eps (≥ `largeEps`) every defense attacked there falls to about 0%
 *    (defenses the protocol does not attack at a large eps are named, without a verdict).
 * 3. `more-effort`: 2x steps or 2x EOT samples change an attack's accuracy by no more than noise,
 *    in either direction: weaker means the attack is broken, stronger means the base attack had
 *    not converged (its numbers are the attack's, not the defense's).
 * 4. `gradient-free`: the gradient-free attack (Square) is not stronger than the strongest
 *    white-box gradient attack (a sign of masked gradients).
 * 5. `transfer`: examples crafted on the dense model are not stronger than the white-box attacks.
 * 6. `adaptive-vs-paper`: the adaptive attacks are at least as strong as the paper's attack.
 * 7. `non-finite-gradients`: non-finite gradient draws are counted; a run with many is flagged.
 * 8. `certified-vs-empirical` (runs with a certified defense, `smoothed`): at every radius the
 *    smoothed classifier's empirical robust accuracy (PREDICT on the attacked images) is at least
 *    its certified accuracy on the same images (`certifiedVsEmpiricalCheck`); certified images
 *    broken beyond the certificates' failure rate mean a bug in the attack or the certificate.
 *
 * "Beyond noise" is decided on paired comparisons of the same images (exact McNemar, Newcombe
 * interval): a check fails when a comparison goes the wrong way with a one-sided exact McNemar
 * p-value below `alpha / 2` after Holm's correction over that check's comparisons (so the
 * family-wise error is that of two-sided tests at `alpha`), and warns when one is only nominally
 * significant (its 95% interval excludes 0) or when the run lacks the attack the check needs.
 */
import { wilsonInterval } from '../metrics/accuracy';
import { binomialHalfCdf } from '../metrics/paired';
import type { ReproduceConfig } from './spec';
import { adaptiveAttacks, CellIndex, ComparisonRow, compareCells, comparisonRows, papersAttack } from './comparisons';
import type { CellResult } from './cell';
import { CERTIFY_CELL } from './grid';
import { isCertifiedKind } from './stochastic_defenses';
import { certifiedVsEmpiricalCheck } from '../defenses/smoothing_check';

/** Verdict of one check. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One item of evidence: a comparison or a cell, with its numbers. */
export interface CheckEvidence {
  /** What was compared, e.g. `SAP-100 × PGD-EOT: eps 0.1 → 0.2`. */
  what: string;
  /** The numbers (accuracies, difference, interval, p-values, counts). */
  values: Record<string, number | string | null>;
  /** This item's own verdict. */
  status: CheckStatus;
}

/** A check with its verdict and evidence. */
export interface CheckResult {
  id: string;
  /** What the check asks, in one line. */
  title: string;
  status: CheckStatus;
  /** One sentence: the verdict and the decisive numbers. */
  summary: string;
  evidence: CheckEvidence[];
}

/** Thresholds of the checklist. */
export interface CheckOptions {
  /** Family-wise error rate of a check's comparisons (two-sided level; Holm). Default 0.05. */
  alpha?: number;
  /** Cells at eps >= this count as "large eps". Default 0.3 (L-inf), `LARGE_L2_RADIUS` when the config's norm is `l2`. */
  largeEps?: number;
  /** A large-eps cell passes at or below this accuracy. Default 0.05. */
  largeEpsPass?: number;
  /** A large-eps cell fails when the lower end of its Wilson interval is above this. Default 0.10. */
  largeEpsFail?: number;
  /** A run fails when more than this fraction of gradient draws is non-finite. Default 0.01. */
  nonFiniteFail?: number;
}

/**
 * The large-eps threshold of L2 runs: radius 3 on pixels in [0, 1] (a change of 0.11 per pixel in
 * root mean square on a 28×28 image, far beyond the radii a smoothed classifier certifies with
 * n = 100,000 samples, about 3.8σ).
 */
export const LARGE_L2_RADIUS = 3;

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const pts = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}`;

/** Holm's step-down adjusted p-values (Holm, 1979), in the input order. */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

type Paired = Omit<ComparisonRow, 'kind'> & { label: string };

function pairedValues(r: Paired, adjusted: number): Record<string, number | string | null> {
  return {
    accuracy: r.accuracy,
    referenceAccuracy: r.referenceAccuracy,
    diff: r.diff,
    low: r.low,
    high: r.high,
    pValue: r.pValue,
    oneSidedP: oneSided(r),
    holmOneSidedP: adjusted,
    discordant: r.discordant,
    n: r.n,
  };
}

/**
 * A check over paired comparisons in which a *negative* `diff` is the bad direction
 * (`accuracy < referenceAccuracy`); `bad` words one offending row.
 */
function pairedCheck(
  id: string,
  title: string,
  rows: Paired[],
  alpha: number,
  missing: string,
  bad: (r: Paired) => string,
  passText: string,
  extraWarn?: (r: Paired) => string | undefined,
): CheckResult {
  if (rows.length === 0) return { id, title, status: 'warn', summary: `Not checked: ${missing}`, evidence: [] };
  const adjusted = holmAdjust(rows.map(oneSided));
  const evidence: CheckEvidence[] = rows.map((r, i) => {
    const wrongWay = r.diff < 0;
    const status: CheckStatus = wrongWay && adjusted[i] < alpha / 2 ? 'fail' : wrongWay && r.high < 0 ? 'warn' : extraWarn?.(r) ? 'warn' : 'pass';
    return { what: r.label, values: pairedValues(r, adjusted[i]), status };
  });
  const fails = rows.filter((_, i) => evidence[i].status === 'fail');
  const warns = rows.filter((_, i) => evidence[i].status === 'warn');
  if (fails.length) return { id, title, status: 'fail', summary: `${fails.map(bad).join('; ')} (significant after Holm's correction over ${rows.length} comparisons).`, evidence };
  if (warns.length) {
    const words = warns.map((r) => (r.diff < 0 ? `${bad(r)} (nominally significant only)` : extraWarn?.(r) ?? bad(r)));
    return { id, title, status: 'warn', summary: `${words.join('; ')}.`, evidence };
  }
  return { id, title, status: 'pass', summary: `${passText} (${rows.length} paired comparisons).`, evidence };
}

/**
 * The more-effort check, two-sided: per comparison (diff = acc(base) − acc(variant)) the exact
 * McNemar p-value `2 · min(P(X ≤ onlyA), P(X ≤ onlyB))`, Holm-adjusted over the comparisons; a
 * comparison fails below `alpha` in either direction and warns when only its 95% interval
 * excludes 0.
 */
function effortCheck(rows: Paired[], alpha: number): CheckResult {
  const id = 'more-effort';
  const title = 'More attack effort (2x steps, 2x EOT samples) changes nothing beyond noise (the attack has converged)';
  if (rows.length === 0) return { id, title, status: 'warn', summary: 'Not checked: the protocol has no 2x-effort variant of an attack (`variantOf`).', evidence: [] };
  const twoSided = rows.map((r) => Math.min(1, 2 * Math.min(oneSided(r), binomialHalfCdf(r.onlyB, r.discordant))));
  const adjusted = holmAdjust(twoSided);
  const evidence: CheckEvidence[] = rows.map((r, i) => ({
    what: r.label,
    values: { ...pairedValues(r, adjusted[i]), twoSidedP: twoSided[i], holmTwoSidedP: adjusted[i] },
    status: adjusted[i] < alpha ? 'fail' : resolvedPaired(r) ? 'warn' : 'pass',
  }));
  const words = (r: Paired) => (r.diff < 0 ? `${r.label}: the variant is weaker, ${numberLabel(r)} — the attack is broken` : `${r.label}: the variant is stronger, ${numberLabel(r)} — the base attack had not converged`);
  const fails = rows.filter((_, i) => evidence[i].status === 'fail');
  const warns = rows.filter((_, i) => evidence[i].status === 'warn');
  if (fails.length) return { id, title, status: 'fail', summary: `${fails.map(words).join('; ')} (significant after Holm's correction over ${rows.length} comparisons).`, evidence };
  if (warns.length) return { id, title, status: 'warn', summary: `${warns.map((r) => `${words(r)} (nominally significant only)`).join('; ')}.`, evidence };
  return { id, title, status: 'pass', summary: `The 2x-effort variants are neither weaker nor stronger beyond noise: the attacks have converged (${rows.length} paired comparisons).`, evidence };
}

function resolvedPaired(r: Pick<Paired, 'low' | 'high'>): boolean {
  return r.low > 0 || r.high < 0;
}

/** One-sided exact McNemar p-value for the wrong direction (reference more accurate): `P(X <= onlyA)`, `X ~ Bin(discordant, 1/2)`. */
function oneSided(r: Pick<Paired, 'onlyA' | 'discordant'>): number {
  return binomialHalfCdf(r.onlyA, r.discordant);
}

function asPaired(a: CellResult, b: CellResult, label: string): Paired {
  return { defense: a.defense, attack: a.attack, reference: b.defense, referenceAttack: b.attack, eps: a.eps, label, ...compareCells(a, b) };
}

function numberLabel(r: Paired): string {
  return `${pct(r.accuracy)} vs ${pct(r.referenceAccuracy)}, ${pts(r.diff)} points [${pts(r.low)}, ${pts(r.high)}], p = ${r.pValue.toPrecision(2)}`;
}

/** Runs the seven checks on a run's cells; `comparisons` defaults to `comparisonRows(config, cells)`. */
export function runChecks(config: ReproduceConfig, cells: readonly CellResult[], options: CheckOptions = {}, comparisons?: readonly ComparisonRow[]): CheckResult[] {
  const alpha = options.alpha ?? 0.05;
  const largeEps = options.largeEps ?? (config.norm === 'l2' ? LARGE_L2_RADIUS : 0.3);
  const largeEpsPass = options.largeEpsPass ?? 0.05;
  const largeEpsFail = options.largeEpsFail ?? 0.1;
  const nonFiniteFail = options.nonFiniteFail ?? 0.01;
  const index = new CellIndex(cells);
  const rows = comparisons ?? comparisonRows(config, cells);
  const out: CheckResult[] = [];

  // 1. Accuracy does not rise with eps: consecutive eps of each (defense, attack), clean at eps 0.
  const rises: Paired[] = [];
  for (const d of config.defenses) {
    const clean = index.get(d.name, 'clean', 0);
    for (const a of config.attacks) {
      const chain = [clean, ...[...(a.eps ?? config.eps.filter((e) => e > 0))].sort((p, q) => p - q).map((e) => index.get(d.name, a.name, e))].filter((c): c is CellResult => !!c);
      for (let i = 1; i < chain.length; i++) {
        // diff = acc(smaller eps) − acc(larger eps): negative means accuracy rose with eps.
        rises.push(asPaired(chain[i - 1], chain[i], `${d.name} × ${a.name}: eps ${chain[i - 1].eps} → ${chain[i].eps}`));
      }
    }
  }
  out.push(
    pairedCheck(
      'monotone-eps',
      'Accuracy does not rise with eps for any (defense, attack) beyond noise',
      rises,
      alpha,
      'no (defense, attack) was run at two eps.',
      (r) => `${r.label}: accuracy rises ${pct(r.accuracy)} → ${pct(r.referenceAccuracy)} (${pts(-r.diff)} points [${pts(-r.high)}, ${pts(-r.low)}])`,
      'No accuracy rises with eps beyond noise',
    ),
  );

  // 2. Large eps: every defense falls to about 0%.
  const large = index.all().filter((c) => c.attack !== 'clean' && c.eps >= largeEps - 1e-12);
  if (large.length === 0) {
    out.push({ id: 'large-eps', title: `At a large eps (≥ ${largeEps}) every defense attacked there falls to about 0%`, status: 'warn', summary: `Not checked: no attack ran at eps ≥ ${largeEps}.`, evidence: [] });
  } else {
    const evidence: CheckEvidence[] = [];
    const defensesSeen = new Set<string>();
    for (const d of config.defenses) {
      const mine = large.filter((c) => c.defense === d.name);
      if (!mine.length) continue;
      defensesSeen.add(d.name);
      const best = mine.reduce((p, q) => (q.accuracy < p.accuracy ? q : p));
      const correct = Math.round(best.accuracy * best.n);
      const w = wilsonInterval(correct, best.n);
      const status: CheckStatus = best.accuracy <= largeEpsPass ? 'pass' : w.low > largeEpsFail ? 'fail' : 'warn';
      evidence.push({ what: `${d.name} × ${best.attack} at eps ${best.eps}`, values: { accuracy: best.accuracy, low: w.low, high: w.high, n: best.n }, status });
    }
    const notRun = config.defenses.filter((d) => !defensesSeen.has(d.name)).map((d) => d.name);
    // Defenses the protocol never attacked at a large eps get no verdict; the summary names them.
    const worst = evidence.some((e) => e.status === 'fail') ? 'fail' : evidence.some((e) => e.status === 'warn') ? 'warn' : 'pass';
    const listed = evidence.map((e) => `${e.what}: ${pct(e.values.accuracy as number)}`).join('; ');
    const untested = notRun.length ? ` Not attacked at a large eps (no verdict): ${notRun.join(', ')}.` : '';
    const summary =
      worst === 'pass'
        ? `Every defense attacked there falls to ≤ ${pct(largeEpsPass)}: ${listed}.${untested}`
        : worst === 'fail'
          ? `Accuracy stays clearly above 0% at a large eps — the attack is broken or gradients are masked: ${evidence.filter((e) => e.status === 'fail').map((e) => `${e.what}: ${pct(e.values.accuracy as number)} (Wilson low ${pct(e.values.low as number)})`).join('; ')}.${untested}`
          : `Some defense stays above ${pct(largeEpsPass)} without being clearly above ${pct(largeEpsFail)}: ${listed}.${untested}`;
    out.push({ id: 'large-eps', title: `At a large eps (≥ ${largeEps}) every defense attacked there falls to about 0%`, status: worst, summary, evidence });
  }

  // 3. More effort changes nothing beyond noise: a weaker variant means a broken attack, a
  // stronger one that the base attack had not converged.
  const effort = rows
    .filter((r) => r.kind === 'attack' && config.attacks.find((a) => a.name === r.referenceAttack)?.variantOf === r.attack)
    .map((r) => ({ ...r, label: `${r.defense}: ${r.attack} vs ${r.referenceAttack} at eps ${r.eps}` }));
  out.push(effortCheck(effort, alpha));

  // 4. Gradient-free not stronger than the strongest gradient attack.
  const square = new Set(config.attacks.filter((a) => a.method === 'square').map((a) => a.name));
  const gf = rows.filter((r) => r.kind === 'attack' && square.has(r.attack)).map((r) => ({ ...r, label: `${r.defense} at eps ${r.eps}: ${r.attack} vs ${r.referenceAttack}` }));
  // diff = acc(Square) − acc(best gradient); negative: Square is stronger.
  out.push(
    pairedCheck(
      'gradient-free',
      'The gradient-free attack is not stronger than the strongest gradient attack (masking)',
      gf,
      alpha,
      'the protocol has no gradient-free attack with a gradient attack at the same eps.',
      (r) => `${r.label}: Square is stronger, ${numberLabel(r)} — a sign of gradient masking`,
      'Square is never stronger than the strongest gradient attack beyond noise',
    ),
  );

  // 5. Transfer not stronger than white-box.
  const transfer = new Set(config.attacks.filter((a) => a.transferFrom).map((a) => a.name));
  const tr = rows.filter((r) => r.kind === 'attack' && transfer.has(r.attack)).map((r) => ({ ...r, label: `${r.defense} at eps ${r.eps}: ${r.attack} vs ${r.referenceAttack}` }));
  out.push(
    pairedCheck(
      'transfer',
      'A transfer attack from the dense model is not stronger than the white-box attacks',
      tr,
      alpha,
      'the protocol has no transfer attack (`transferFrom`).',
      (r) => `${r.label}: the transfer attack is stronger, ${numberLabel(r)} — the white-box gradients are not useful`,
      'The transfer attack is never stronger than the best white-box attack beyond noise',
    ),
  );

  // 6. Adaptive attacks at least as strong as the paper's attack.
  const paper = papersAttack(config);
  const adaptive = new Set(adaptiveAttacks(config).map((a) => a.name));
  const ad = rows
    .filter((r) => r.kind === 'attack' && paper && r.attack === paper.name && adaptive.has(r.referenceAttack))
    .map((r) => ({ ...r, label: `${r.defense} at eps ${r.eps}: ${r.attack} vs ${r.referenceAttack}` }));
  out.push(
    pairedCheck(
      'adaptive-vs-paper',
      "The adaptive attacks are at least as strong as the paper's attack",
      ad,
      alpha,
      "the protocol lacks the paper's attack or an adaptive (EOT/BPDA) attack on a shared defense and eps.",
      (r) => `${r.label}: the adaptive attack is weaker, ${numberLabel(r)}`,
      "The adaptive attacks are never weaker than the paper's attack beyond noise",
    ),
  );

  // 7. Non-finite gradients.
  const gradCells = index.all().filter((c) => c.gradientStats && c.gradientStats.draws > 0);
  if (gradCells.length === 0) {
    out.push({ id: 'non-finite-gradients', title: 'Non-finite gradients are counted; a run with many is flagged', status: 'warn', summary: 'Not checked: no gradient statistics were recorded.', evidence: [] });
  } else {
    let draws = 0;
    let bad = 0;
    const evidence: CheckEvidence[] = [];
    const total: CheckEvidence = { what: `all ${gradCells.length} cells with gradient attacks`, values: {}, status: 'pass' };
    evidence.push(total);
    for (const c of gradCells) {
      const s = c.gradientStats!;
      draws += s.draws;
      bad += s.nonFiniteDraws;
      const flagged = s.nonFiniteDraws > 0 || s.noFiniteDraw > 0 || s.nonFiniteLogits > 0;
      if (flagged) {
        const frac = s.nonFiniteDraws / s.draws;
        evidence.push({ what: c.key, values: { draws: s.draws, nonFiniteDraws: s.nonFiniteDraws, noFiniteDraw: s.noFiniteDraw, nonFiniteLogits: s.nonFiniteLogits, fraction: frac }, status: frac > nonFiniteFail || s.noFiniteDraw > 0 ? 'fail' : 'warn' });
      }
    }
    const frac = bad / draws;
    const status: CheckStatus = evidence.some((e) => e.status === 'fail') || frac > nonFiniteFail ? 'fail' : evidence.length > 1 ? 'warn' : 'pass';
    total.values = { draws, nonFiniteDraws: bad, fraction: frac };
    total.status = status;
    const summary =
      status === 'pass'
        ? `No non-finite gradient in ${draws} draws over ${gradCells.length} cells.`
        : `${bad} of ${draws} gradient draws (${(frac * 100).toFixed(2)}%) were non-finite, in ${evidence.length - 1} cells${status === 'fail' ? ` — above ${pct(nonFiniteFail)} in a cell, or a step with no finite draw: the gradient attacks there are unreliable` : ''}.`;
    out.push({ id: 'non-finite-gradients', title: 'Non-finite gradients are counted; a run with many is flagged', status, summary, evidence });
  }

  // 8. Certified defenses: empirical robust accuracy at least the certified accuracy.
  const certified = certifiedCheck(config, cells);
  if (certified) out.push(certified);
  return out;
}

/**
 * The `certified-vs-empirical` check of a run: `certifiedVsEmpiricalCheck` for every smoothed
 * defense with a certificate, on its clean cell (radius 0) and under each attack run on it (at the
 * attack's radii), merged into one item (the worst verdict; evidence named by defense). Undefined
 * when the protocol has no certified defense.
 */
export function certifiedCheck(config: ReproduceConfig, cells: readonly CellResult[]): CheckResult | undefined {
  const smoothed = config.defenses.filter((d) => isCertifiedKind(d.kind));
  if (!smoothed.length) return undefined;
  const id = 'certified-vs-empirical';
  const title = 'Empirical robust accuracy of the smoothed classifier is at least its certified accuracy';
  const ok = cells.filter((c) => !c.error);
  const parts: { defense: string; result: CheckResult }[] = [];
  for (const d of smoothed) {
    const cert = ok.find((c) => c.defense === d.name && c.attack === CERTIFY_CELL)?.certificate;
    if (!cert) continue;
    const certified = { predictions: cert.predictions, radii: cert.radii, alpha: cert.alpha };
    const clean = ok.find((c) => c.defense === d.name && c.attack === 'clean' && c.smoothed);
    if (clean) parts.push({ defense: d.name, result: certifiedVsEmpiricalCheck({ labels: cert.labels, certified, radii: [0], attacked: [clean.smoothed!.predictions], predictAlpha: clean.smoothed!.alpha, attack: 'no attack' }) });
    for (const a of config.attacks.filter((x) => !x.budgetOf)) {
      const mine = ok.filter((c) => c.defense === d.name && c.attack === a.name && c.smoothed).sort((p, q) => p.eps - q.eps);
      if (!mine.length) continue;
      parts.push({ defense: d.name, result: certifiedVsEmpiricalCheck({ labels: cert.labels, certified, radii: mine.map((c) => c.eps), attacked: mine.map((c) => c.smoothed!.predictions), predictAlpha: mine[0].smoothed!.alpha, attack: a.name }) });
    }
  }
  if (!parts.length) return { id, title, status: 'warn', summary: 'Not checked: no smoothed defense has a finished certification cell with PREDICT decisions beside it.', evidence: [] };
  const evidence = parts.flatMap((p) => p.result.evidence.map((e) => ({ ...e, what: `${p.defense}, ${e.what}` })));
  const worst: CheckStatus = parts.some((p) => p.result.status === 'fail') ? 'fail' : parts.some((p) => p.result.status === 'warn') ? 'warn' : 'pass';
  const defenses = [...new Set(parts.map((p) => p.defense))];
  const summary =
    worst === 'pass'
      ? `Empirical robust accuracy is at least the certified accuracy at every radius (${defenses.join(', ')}; ${evidence.length} (defense, attack, radius) comparisons on ${config.n} images).`
      : parts
          .filter((p) => p.result.status === worst)
          .map((p) => `${p.defense}: ${p.result.summary}`)
          .join('; ');
  return { id, title, status: worst, summary, evidence };
}

const MARK: Record<CheckStatus, string> = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail' };

/** The checklist as a Markdown table (one row per check: verdict and its one-sentence evidence). */
export function checksMarkdown(checks: readonly CheckResult[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| check | verdict | evidence |',
    '|---|---|---|',
    ...checks.map((c) => `| ${esc(c.title)} | ${MARK[c.status]} | ${esc(c.summary)} |`),
  ].join('\n');
}
