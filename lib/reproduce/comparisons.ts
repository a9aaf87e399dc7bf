/**
 * Paired comparisons of a reproduce run's cells, written to `comparisons.csv` / `comparisons.json`.
 *
 * Every cell keeps per-example correctness on the same test images, so two cells are compared
 * pair by pair: the accuracy difference with Newcombe's method 10 interval, the exact McNemar
 * test, and the number of images that would resolve a difference of the observed size
 * (`lib/metrics/paired.ts`). Two kinds of rows:
 * - `defense`: a defense against a reference defense under the same attack and eps (every
 *   stochastic defense against `dense`, and SAP against uniform random pruning with the same
 *   r / N). An attack not run on `dense` because it equals a cheaper one there (EOT and BPDA change
 *   nothing on a deterministic model; a transfer from `dense` is the white-box attack) is paired
 *   with that cheaper attack, named in `referenceAttack`; a smoothed defense under SmoothAdv (which
 *   only attacks smoothed classifiers) is paired with dense under its strongest gradient attack.
 * - `attack`: one attack against a stronger one on the same defense and eps: the paper's attack
 *   against each adaptive attack, each attack against its 2x-effort variant, and Square and the
 *   transfer attack against the strongest white-box gradient attack of that cell.
 * In every row `diff = accuracy - referenceAccuracy`.
 */
import * as path from 'path';
import { writeFileAtomic } from '../data/download';
import { toCsv } from '../report/csv';
import { mcnemarExact, pairedProportionDifference, sampleSizeForPairedDifference } from '../metrics/paired';
import { resolvedAttack, type AttackSpec, type ReproduceConfig } from './spec';
import type { CellResult } from './cell';

/** One paired comparison of two cells on the same images. */
export interface ComparisonRow {
  /** `defense`: two defenses under one attack; `attack`: two attacks on one defense. */
  kind: 'defense' | 'attack';
  /** Defense of the compared cell. */
  defense: string;
  /** Attack of the compared cell (`clean` for no attack). */
  attack: string;
  /** Defense of the reference cell (the same as `defense` for `attack` rows). */
  reference: string;
  /** Attack of the reference cell (the stronger attack for `attack` rows). */
  referenceAttack: string;
  eps: number;
  /** Images compared. */
  n: number;
  accuracy: number;
  referenceAccuracy: number;
  /** `accuracy - referenceAccuracy`. */
  diff: number;
  /** 95% Newcombe (method 10) interval of `diff`. */
  low: number;
  high: number;
  /** Exact two-sided McNemar p-value. */
  pValue: number;
  /** Images on which the two cells disagree. */
  discordant: number;
  /** Images right in the compared cell only. */
  onlyA: number;
  /** Images right in the reference cell only. */
  onlyB: number;
  /**
   * Images that would resolve a difference of this size (McNemar at the 5% level with 80% power,
   * Connor 1987, at the observed discordant rate); `null` when `diff` is 0.
   */
  nToResolve: number | null;
}

/** The correctness flags of a cell (its `correct` string of 0/1). */
function cellFlags(cell: CellResult): Uint8Array {
  const out = new Uint8Array(cell.correct.length);
  for (let i = 0; i < cell.correct.length; i++) out[i] = cell.correct.charCodeAt(i) === 49 ? 1 : 0;
  return out;
}

/** The paired statistics of two cells (same images, same order). Throws when their sizes differ. */
export function compareCells(a: CellResult, b: CellResult): Omit<ComparisonRow, 'kind' | 'defense' | 'attack' | 'reference' | 'referenceAttack' | 'eps'> {
  const fa = cellFlags(a);
  const fb = cellFlags(b);
  if (fa.length !== fb.length || fa.length === 0) throw new Error(`compareCells: ${a.key} and ${b.key} have ${fa.length} and ${fb.length} examples`);
  const m = mcnemarExact(fa, fb);
  const d = pairedProportionDifference(fa, fb);
  const nToResolve = d.diff === 0 ? null : sampleSizeForPairedDifference({ diff: d.diff, discordantRate: m.discordant / m.n });
  return {
    n: m.n,
    accuracy: (m.onlyA + count(fa, fb)) / m.n,
    referenceAccuracy: (m.onlyB + count(fa, fb)) / m.n,
    diff: d.diff,
    low: d.low,
    high: d.high,
    pValue: m.pValue,
    discordant: m.discordant,
    onlyA: m.onlyA,
    onlyB: m.onlyB,
    nToResolve,
  };
}

function count(fa: Uint8Array, fb: Uint8Array): number {
  let both = 0;
  for (let i = 0; i < fa.length; i++) if (fa[i] && fb[i]) both++;
  return both;
}

/** Finished cells indexed by (defense, attack, eps). */
export class CellIndex {
  private readonly map = new Map<string, CellResult>();
  constructor(cells: readonly CellResult[]) {
    for (const c of cells) if (!c.error && c.correct) this.map.set(CellIndex.key(c.defense, c.attack, c.eps), c);
  }
  private static key(defense: string, attack: string, eps: number): string {
    return `${defense}\u0000${attack}\u0000${eps.toFixed(6)}`;
  }
  /** The cell, or undefined when it was not run or failed. */
  get(defense: string, attack: string, eps: number): CellResult | undefined {
    return this.map.get(CellIndex.key(defense, attack, eps));
  }
  /** Every finished cell. */
  all(): CellResult[] {
    return [...this.map.values()];
  }
}

/** The paper's attack: FGSM with a Monte-Carlo (EOT) gradient, else plain FGSM. */
export function papersAttack(config: ReproduceConfig): AttackSpec | undefined {
  const fgsm = config.attacks.filter((a) => a.method === 'fgsm' && !a.transferFrom && !a.variantOf && !a.eps);
  return fgsm.find((a) => (a.eotSamples ?? 1) > 1) ?? fgsm[0];
}

/**
 * Adaptive attacks: iterative gradient attacks that average over the randomness (EOT) or bypass it
 * (BPDA), and the `autoattack` suite with EOT (its `rand` version by default). Effort variants and
 * budget-curve cells are left out.
 */
export function adaptiveAttacks(config: ReproduceConfig): AttackSpec[] {
  return config.attacks.filter(
    (a) =>
      (a.method === 'pgd' || a.method === 'apgd' || a.method === 'autoattack') &&
      !a.transferFrom &&
      !a.variantOf &&
      !a.budgetOf &&
      ((a.eotSamples ?? (a.method === 'autoattack' ? 20 : 1)) > 1 || a.bpda),
  );
}

/** Whether an attack uses no gradient: Square, or an `autoattack` suite that contains Square. */
function usesGradientFree(a: AttackSpec): boolean {
  return a.method === 'square' || (a.method === 'autoattack' && (a.suite ?? []).includes('square')) || (a.method === 'autoattack' && !a.suite && a.version === 'standard');
}

/** White-box gradient attacks (transfer, gradient-free and budget-curve attacks excluded). */
function whiteBoxGradientAttacks(config: ReproduceConfig): AttackSpec[] {
  return config.attacks.filter((a) => !usesGradientFree(a) && !a.transferFrom && !a.budgetOf);
}

/**
 * The attack that stands in for `attack` on a deterministic defense when `attack` itself was not
 * run there: the same attack without EOT, BPDA or a transfer from that defense.
 */
export function deterministicEquivalent(config: ReproduceConfig, attack: AttackSpec, defense: string): AttackSpec[] {
  // The options each attack runs with on a deterministic model, EOT and score averaging aside.
  const strip = (a: AttackSpec) => {
    const { eotSamples: _e, predictSamples: _p, ...o } = (a.method === 'autoattack' ? { steps: a.steps, relStepsize: a.relStepsize, loss: a.loss, restarts: a.restarts, queries: a.queries, version: a.version, suite: a.suite } : resolvedAttack({ ...a, method: a.method }, false)) as { eotSamples?: number; predictSamples?: number };
    return JSON.stringify([a.method, o]);
  };
  const me = strip(attack);
  if (attack.transferFrom !== undefined && attack.transferFrom !== defense) return [];
  return config.attacks.filter((a) => a.name !== attack.name && !a.bpda && !a.transferFrom && !a.variantOf && (!a.eps || attack.eps) && strip(a) === me);
}

/** The reference cell of `defense`'s cell under `attack`: the same attack on `reference`, or its deterministic stand-in. */
function referenceCell(config: ReproduceConfig, index: CellIndex, reference: string, attack: AttackSpec | undefined, eps: number): CellResult | undefined {
  if (!attack) return index.get(reference, 'clean', 0);
  const same = index.get(reference, attack.name, eps);
  if (same) return same;
  const kind = config.defenses.find((d) => d.name === reference)?.kind;
  if (kind !== 'dense') return undefined;
  for (const alt of deterministicEquivalent(config, attack, reference)) {
    const c = index.get(reference, alt.name, eps);
    if (c) return c;
  }
  // SmoothAdv attacks smoothed classifiers only: the dense model's reference is its own strongest
  // white-box gradient attack at the same radius (each defense under its own adaptive attack).
  if (attack.method === 'smoothAdv') return strongestGradientCell(config, index, reference, eps);
  return undefined;
}

function row(kind: ComparisonRow['kind'], a: CellResult, b: CellResult): ComparisonRow {
  return { kind, defense: a.defense, attack: a.attack, reference: b.defense, referenceAttack: b.attack, eps: a.eps, ...compareCells(a, b) };
}

/**
 * The strongest white-box gradient attack on `defense` at `eps`: the finished cell with the
 * lowest accuracy. (Choosing by the observed minimum favours the gradient attacks, so checks that
 * compare another attack against it err towards passing, not failing.)
 */
function strongestGradientCell(config: ReproduceConfig, index: CellIndex, defense: string, eps: number): CellResult | undefined {
  let best: CellResult | undefined;
  for (const a of whiteBoxGradientAttacks(config)) {
    const c = index.get(defense, a.name, eps);
    if (c && (!best || c.accuracy < best.accuracy)) best = c;
  }
  return best;
}

/** Every paired comparison of a run (see the module comment for which pairs). */
export function comparisonRows(config: ReproduceConfig, cells: readonly CellResult[]): ComparisonRow[] {
  const index = new CellIndex(cells);
  const out: ComparisonRow[] = [];
  const dense = config.defenses.find((d) => d.kind === 'dense');
  const allEps = (a: AttackSpec | undefined) => (a ? a.eps ?? config.eps.filter((e) => e > 0) : [0]);
  const attacksAndClean: (AttackSpec | undefined)[] = [undefined, ...config.attacks];

  // Defense against reference defense.
  const pairs: [string, string][] = [];
  for (const d of config.defenses) if (dense && d.kind !== 'dense') pairs.push([d.name, dense.name]);
  for (const s of config.defenses.filter((d) => d.kind === 'sap')) {
    for (const r of config.defenses.filter((d) => d.kind === 'random' && d.sampleFraction === s.sampleFraction)) pairs.push([s.name, r.name]);
  }
  for (const [name, reference] of pairs) {
    for (const a of attacksAndClean) {
      for (const eps of allEps(a)) {
        const mine = index.get(name, a?.name ?? 'clean', eps);
        const ref = referenceCell(config, index, reference, a, eps);
        if (mine && ref) out.push(row('defense', mine, ref));
      }
    }
  }

  // Attack against stronger attack, on each defense.
  const paper = papersAttack(config);
  const adaptive = adaptiveAttacks(config);
  for (const d of config.defenses) {
    for (const eps of config.eps.filter((e) => e > 0)) {
      const paperCell = paper ? index.get(d.name, paper.name, eps) : undefined;
      if (paperCell) {
        for (const a of adaptive) {
          const c = index.get(d.name, a.name, eps);
          if (c) out.push(row('attack', paperCell, c));
        }
      }
      const best = strongestGradientCell(config, index, d.name, eps);
      for (const a of config.attacks.filter((x) => x.method === 'square' || x.transferFrom)) {
        const c = index.get(d.name, a.name, eps);
        if (c && best) out.push(row('attack', c, best));
      }
    }
    for (const v of config.attacks.filter((a) => a.variantOf)) {
      for (const eps of allEps(v)) {
        const base = index.get(d.name, v.variantOf!, eps);
        const c = index.get(d.name, v.name, eps);
        if (base && c) out.push(row('attack', base, c));
      }
    }
  }
  return out;
}

const COLUMNS: (keyof ComparisonRow)[] = ['kind', 'defense', 'attack', 'reference', 'referenceAttack', 'eps', 'n', 'accuracy', 'referenceAccuracy', 'diff', 'low', 'high', 'pValue', 'discordant', 'onlyA', 'onlyB', 'nToResolve'];

/** Writes `comparisons.csv` and `comparisons.json` into `outDir`; returns the two paths. */
export function writeComparisons(rows: readonly ComparisonRow[], outDir: string): string[] {
  const csv = toCsv(COLUMNS, rows, { decimals: 6 });
  const files = [path.join(outDir, 'comparisons.csv'), path.join(outDir, 'comparisons.json')];
  writeFileAtomic(files[0], csv);
  writeFileAtomic(files[1], JSON.stringify(rows, null, 1) + '\n');
  return files;
}

/** Whether a comparison resolves a difference: its interval excludes 0. */
export function resolved(r: Pick<ComparisonRow, 'low' | 'high'>): boolean {
  return r.low > 0 || r.high < 0;
}

const points = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}`;

/**
 * A comparison in words: `+6.0 points [+1.2, +10.7], p = 0.02` followed by `(holds)` when the
 * interval excludes 0, else `not distinguishable at n = 150; about 900 images would resolve a
 * difference of this size`.
 */
export function describeComparison(r: ComparisonRow): string {
  const p = r.pValue < 0.001 ? 'p < 0.001' : `p = ${r.pValue.toFixed(r.pValue < 0.01 ? 3 : 2)}`;
  const head = `${points(r.diff)} points [${points(r.low)}, ${points(r.high)}], ${p}, ${r.discordant} of ${r.n} images discordant`;
  if (resolved(r)) return `${head} — distinguishable`;
  const more = r.nToResolve === null ? 'no difference at all was observed' : `about ${r.nToResolve} images would resolve a difference of this size`;
  return `${head} — not distinguishable at n = ${r.n}; ${more}`;
}
