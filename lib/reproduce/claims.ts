/**
 * The "What held and what did not" statements of `summary.md`, worded from paired comparisons:
 * a claim holds only when its 95% paired interval excludes 0; otherwise it is "not
 * distinguishable at n = …", with the number of images that would resolve the observed effect.
 */
import type { ReproduceConfig } from './spec';
import { ComparisonRow, papersAttack, resolved } from './comparisons';
import type { CheckResult } from './checks';
import type { CellResult } from './cell';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const pts = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}`;
const pText = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p.toPrecision(2)}`);

/** `eps 0.05: 28.7% vs 34.7%, −6.0 points [−11.3, −0.7], p = 0.03` for one comparison. */
function shortComparison(r: ComparisonRow): string {
  return `eps ${r.eps}: ${pct(r.accuracy)} vs ${pct(r.referenceAccuracy)}, ${pts(r.diff)} points [${pts(r.low)}, ${pts(r.high)}], ${pText(r.pValue)}`;
}

/**
 * The verdict over several comparisons of one claim ("`defense` is more accurate than
 * `reference`"): where the interval excludes 0 in either direction, and the eps where it does not,
 * with the images that would resolve the largest unresolved effect.
 */
function verdict(rows: readonly ComparisonRow[], better: string, worse: string): string {
  if (!rows.length) return '';
  const up = rows.filter((r) => r.low > 0);
  const down = rows.filter((r) => r.high < 0);
  const open = rows.filter((r) => !resolved(r));
  const parts: string[] = [];
  if (up.length) parts.push(`${better} is more accurate than ${worse} at eps ${up.map((r) => r.eps).join(', ')} (interval excludes 0)`);
  if (down.length) parts.push(`${worse} is more accurate than ${better} at eps ${down.map((r) => r.eps).join(', ')} (interval excludes 0)`);
  if (open.length) {
    const largest = open.reduce((p, q) => (Math.abs(q.diff) > Math.abs(p.diff) ? q : p));
    const more = largest.nToResolve === null ? '' : `; about ${largest.nToResolve} images would resolve the largest of these differences (${pts(largest.diff)} points at eps ${largest.eps})`;
    parts.push(`not distinguishable at n = ${largest.n} at eps ${open.map((r) => r.eps).join(', ')}${more}`);
  }
  return parts.join('; ') + '.';
}

function defenseRows(rows: readonly ComparisonRow[], defense: string, reference: string, attack: string): ComparisonRow[] {
  return rows.filter((r) => r.kind === 'defense' && r.defense === defense && r.reference === reference && r.attack === attack).sort((a, b) => a.eps - b.eps);
}

/** Plain statements about the results, each with the paired numbers behind it. */
export function claims(config: ReproduceConfig, cells: readonly CellResult[], rows: readonly ComparisonRow[], checks: readonly CheckResult[]): string[] {
  const out: string[] = [];
  const sap = config.defenses.find((d) => d.kind === 'sap' && d.sampleFraction === 1) ?? config.defenses.find((d) => d.kind === 'sap');
  const dense = config.defenses.find((d) => d.kind === 'dense');
  const random = sap ? config.defenses.find((d) => d.kind === 'random' && d.sampleFraction === sap.sampleFraction) : undefined;
  if (!sap || !dense) return ['The protocol has no dense/SAP pair to compare.'];
  out.push(
    `Each statement compares two cells on the same ${config.n} images: the accuracy difference with a 95% paired interval (Newcombe 1998, method 10) and an exact McNemar p-value. ` +
      'A difference counts as shown only when its interval excludes 0.',
  );

  const clean = defenseRows(rows, sap.name, dense.name, 'clean')[0];
  if (clean) {
    out.push(
      `**Clean accuracy.** ${sap.name} vs ${dense.name}: ${pct(clean.accuracy)} vs ${pct(clean.referenceAccuracy)}, ${pts(clean.diff)} points [${pts(clean.low)}, ${pts(clean.high)}], ${pText(clean.pValue)}. ` +
        (clean.high < 0
          ? 'SAP costs clean accuracy here (interval excludes 0).'
          : clean.low > 0
            ? 'SAP is more accurate on clean images here (interval excludes 0).'
            : `Held: no cost of SAP is distinguishable at n = ${clean.n}, as the paper reports (SAP without fine-tuning).`),
    );
    const cd = cells.find((c) => !c.error && c.defense === dense.name && c.attack === 'clean');
    const cs = cells.find((c) => !c.error && c.defense === sap.name && c.attack === 'clean');
    if (cd && cs) out.push(`**Calibration (clean).** ECE ${dense.name} ${pct(cd.ece)}, ${sap.name} ${pct(cs.ece)}; NLL ${cd.nll.toFixed(3)} vs ${cs.nll.toFixed(3)}; Brier ${cd.brier.toFixed(3)} vs ${cs.brier.toFixed(3)}.`);
  }

  const paper = papersAttack(config);
  const fgsm = config.attacks.find((a) => a.method === 'fgsm' && (a.eotSamples ?? 1) === 1 && !a.transferFrom && !a.variantOf && !a.eps);
  const labelled: [string | undefined, string, string][] = [
    [fgsm && fgsm !== paper ? fgsm.name : undefined, 'FGSM, one-sample gradient', ''],
    [paper?.name, `The paper's attack (${paper?.name}: FGSM with the gradient averaged over ${paper?.eotSamples ?? 1} Monte-Carlo samples)`, ' The paper reports about +12 points for SAP-100 at lambda = 1 (of 255) on CIFAR-10.'],
  ];
  for (const [name, label, note] of labelled) {
    if (!name) continue;
    const g = defenseRows(rows, sap.name, dense.name, name);
    if (!g.length) continue;
    out.push(`**${label}.** ${sap.name} vs ${dense.name}: ${g.map(shortComparison).join('; ')}. ${g.some((r) => r.low > 0) ? 'Held where the interval excludes 0: ' : 'Not shown: '}${verdict(g, sap.name, dense.name)}${note}`);
  }

  // The suite's robust accuracy first (the headline), then the single adaptive attacks.
  const adaptiveSpecs = config.attacks.filter((x) => (x.method === 'pgd' || x.method === 'apgd' || x.method === 'autoattack') && !x.transferFrom && !x.variantOf && !x.budgetOf && !x.eps && ((x.eotSamples ?? 1) > 1 || x.bpda));
  adaptiveSpecs.sort((p, q) => Number(q.method === 'autoattack') - Number(p.method === 'autoattack'));
  for (const a of adaptiveSpecs) {
    const g = defenseRows(rows, sap.name, dense.name, a.name);
    if (!g.length) continue;
    const refAttack = g[0].referenceAttack;
    const label = a.bpda
      ? `BPDA (${a.name}: SAP treated as the identity in the backward pass)`
      : a.method === 'autoattack'
        ? `Robust accuracy (${a.name}: the per-image worst case over its attacks, ${sap.name} against ${dense.name})`
        : `Adaptive attack (${a.name} on ${sap.name}, against ${refAttack} on ${dense.name})`;
    const cite = a.bpda
      ? ' The erratum (Dhillon and Carlini, 2020) reports that BPDA brings SAP to about 0.1% on CIFAR-10.'
      : config.norm === 'l2'
        ? '' // their numbers are L-inf ones
        : ' Athalye et al. (2018) report 9% accuracy at eps 0.015 and 0% at 0.031 (L-inf) on CIFAR-10 with EOT.';
    out.push(
      `**${label}.** ${g.map(shortComparison).join('; ')}. ` +
        (g.some((r) => r.low > 0) ? `A gain survives only where its interval excludes 0: ${verdict(g, sap.name, dense.name)}` : `No gain of SAP survives that the data can distinguish: ${verdict(g, sap.name, dense.name)}`) +
        cite,
    );
  }

  if (random) {
    const sr = rows.filter((r) => r.kind === 'defense' && r.defense === sap.name && r.reference === random.name);
    if (sr.length) {
      const found = sr.filter(resolved).map((r) => `${r.diff > 0 ? sap.name : random.name} under ${r.attack === 'clean' ? 'no attack' : r.attack}${r.attack === 'clean' ? '' : ` at eps ${r.eps}`} (${pts(r.diff)} points [${pts(r.low)}, ${pts(r.high)}], ${pText(r.pValue)})`);
      const open = sr.filter((r) => !resolved(r) && r.nToResolve !== null);
      const largest = open.length ? open.reduce((p, q) => (Math.abs(q.diff) > Math.abs(p.diff) ? q : p)) : undefined;
      out.push(
        `**Sampling by magnitude (${sap.name}) vs uniform random pruning (${random.name})**, same expected number of survivors, on clean images and under every attack both faced (${sr.length} paired comparisons, table below). ` +
          (found.length ? `More accurate, with the interval excluding 0: ${found.join('; ')}. ` : `No difference is distinguishable at n = ${config.n}. `) +
          (largest ? `The rest are not distinguishable at n = ${largest.n}; the largest of them (${pts(largest.diff)} points, ${largest.attack} at eps ${largest.eps}) would need about ${largest.nToResolve} images.` : ''),
      );
    }
  }

  const masking = checks.find((c) => c.id === 'gradient-free');
  if (masking) out.push(`**Gradient-free check.** ${masking.summary}`);
  const failed = cells.filter((c) => c.error);
  if (failed.length) out.push(`**Failed cells (${failed.length}).** ${failed.map((c) => `${c.key}: ${c.error}`).join('; ')}`);
  return out;
}

/**
 * A Markdown table of a defense against its references under every attack and eps: one row per
 * (attack, eps), one column per reference (`diff [low, high], p`), ✱ marking intervals that
 * exclude 0.
 */
export function pairedTable(rows: readonly ComparisonRow[], defense: string, references: readonly string[]): string {
  const mine = rows.filter((r) => r.kind === 'defense' && r.defense === defense && references.includes(r.reference));
  if (!mine.length) return '';
  const keys = [...new Map(mine.map((r) => [`${r.attack}\u0000${r.eps}`, r])).values()];
  const cell = (r: ComparisonRow | undefined) => (r ? `${resolved(r) ? '✱ ' : ''}${pts(r.diff)} [${pts(r.low)}, ${pts(r.high)}], ${pText(r.pValue)}` : '—');
  const head = `| attack | eps | ${references.map((x) => `${defense} − ${x} (points)`).join(' | ')} |\n|---|---|${references.map(() => '---').join('|')}|`;
  const lines = keys.map((k) => `| ${k.attack} | ${k.eps} | ${references.map((x) => cell(mine.find((r) => r.reference === x && r.attack === k.attack && r.eps === k.eps))).join(' | ')} |`);
  return `${head}\n${lines.join('\n')}`;
}
