/**
 * The reproduction grid's side of the stochastic baselines and the adversarially trained models:
 * loading each row's pretrained model, calibrating `matchTo` strengths on the held-out slice
 * (cached in `calibration.json` of the run folder, so a resumed run reuses them), building the
 * baselines with their BPDA twins, and the summary sections that compare them.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadFashionMnist } from '../data/fashion_mnist';
import { writeFileAtomic } from '../data/download';
import { BASELINE_PARAMETERS, calibrateBaseline, isBaselineKind, makeBaseline } from '../defenses/baselines';
import { heldOutAccuracy, type CalibrateResult } from '../defenses/calibrate';
import { withSap } from '../defenses/with_sap';
import { withGaussianSmoothing } from '../defenses/smoothing';
import { loadPretrained, PRETRAINED, type PretrainedName } from '../models/pretrained';
import type { Model } from '../models/model';
import { mcnemarExact, pairedProportionDifference } from '../metrics/paired';
import { deriveSeed } from '../seed';
import type { DefenseSpec, ReproduceConfig } from './spec';
import { DEFAULT_HELD_OUT } from './stochastic_defenses';

/** The shipped models of rows whose `model` differs from the config's, by name (the caller disposes them). */
export async function loadExtraModels(config: ReproduceConfig): Promise<Map<string, tf.LayersModel>> {
  const nets = new Map<string, tf.LayersModel>();
  for (const d of config.defenses) {
    const name = d.model;
    if (name === undefined || name === config.model || nets.has(name)) continue;
    if (!(name in PRETRAINED)) throw new Error(`unknown pretrained model ${JSON.stringify(name)}`);
    nets.set(name, await loadPretrained(name as PretrainedName));
  }
  return nets;
}

/** What calibration needs from the grid's loaded inputs: the config's model, the other rows' models, the input conventions. */
interface RowModels {
  inputs: { net: tf.LayersModel; wrap: (m: Model | tf.LayersModel) => Model };
  extraNets: Map<string, tf.LayersModel>;
}

/** The model a row runs on. */
function netFor(models: RowModels, config: ReproduceConfig, d: DefenseSpec): tf.LayersModel {
  return d.model !== undefined && d.model !== config.model ? models.extraNets.get(d.model)! : models.inputs.net;
}

/** A matched strength as stored in `calibration.json`. */
export interface MatchedStrength extends CalibrateResult {
  defense: string;
  kind: string;
  key: string;
  matchTo: string;
  heldOut: number;
  samples: number;
}

/**
 * Strengths of every `matchTo` baseline, calibrated on the last `heldOut.n` test images to the
 * held-out clean accuracy of the defense named by `matchTo`, with `predictSamples` passes per
 * prediction. Read from `calibration.json` in `outDir` when present.
 */
export async function matchStrengths(config: ReproduceConfig, models: RowModels, outDir: string, log: (l: string) => void): Promise<Record<string, MatchedStrength>> {
  const matched = config.defenses.filter((d) => d.matchTo !== undefined);
  if (matched.length === 0) return {};
  const file = path.join(outDir, 'calibration.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, MatchedStrength>;
  const h = config.heldOut?.n ?? DEFAULT_HELD_OUT;
  const all = await loadFashionMnist({ split: 'test' });
  const total = all.x.shape[0];
  const x = all.x.slice([total - h, 0, 0, 0], [h, -1, -1, -1]);
  const y = all.y.slice([total - h], [h]);
  tf.dispose([all.x, all.y]);
  const out: Record<string, MatchedStrength> = {};
  const targets = new Map<string, number>();
  try {
    for (const d of matched) {
      const ref = config.defenses.find((o) => o.name === d.matchTo)!;
      if (!targets.has(ref.name)) {
        const row = buildRow(netFor(models, config, ref), ref, config.seed);
        targets.set(ref.name, heldOutAccuracy(models.inputs.wrap(row.model), x, y, config.predictSamples, deriveSeed(config.seed, 'calibrate', ref.name)));
        row.model.dispose?.();
        row.bpda?.dispose?.();
        log(`calibration: ${ref.name} clean accuracy ${(targets.get(ref.name)! * 100).toFixed(2)}% on the ${h} held-out images`);
      }
      if (!isBaselineKind(d.kind)) continue;
      const t0 = Date.now();
      const r = calibrateBaseline(netFor(models, config, d), d.kind, { x, y, target: targets.get(ref.name)!, samples: config.predictSamples, seed: deriveSeed(config.seed, 'calibrate', d.name), wrap: models.inputs.wrap });
      const key = BASELINE_PARAMETERS[d.kind].key;
      out[d.name] = { ...r, defense: d.name, kind: d.kind, key, matchTo: ref.name, heldOut: h, samples: config.predictSamples };
      log(
        `calibration: ${d.name} ${key} = ${r.value.toPrecision(4)} gives ${(r.accuracy * 100).toFixed(2)}% (target ${(r.target * 100).toFixed(2)}% ± ${(r.tolerance * 100).toFixed(2)}${r.matched ? '' : ', NOT matched'}; ${r.history.length} candidates, ${Math.round((Date.now() - t0) / 1000)} s)`,
      );
    }
  } finally {
    tf.dispose([x, y]);
  }
  writeFileAtomic(file, JSON.stringify(out, null, 2) + '\n');
  return out;
}

/** A row's evaluated model and, where it differs, the model BPDA differentiates. */
interface BuiltRow {
  model: Model & { dispose?: () => void };
  bpda?: Model & { dispose?: () => void };
}

/**
 * Builds a row: `dense`, `sap`/`random` (with their identity-backward twin) or a baseline at its
 * given or matched strength (with its BPDA twin).
 */
export function buildRow(net: tf.LayersModel, d: DefenseSpec, seed: number, matched?: Record<string, MatchedStrength>): BuiltRow {
  const s = deriveSeed(seed, 'defense', d.name);
  if (d.kind === 'dense') {
    const m = ((x: tf.Tensor4D) => net.apply(x, { training: false }) as tf.Tensor2D) as Model;
    m.stochastic = false;
    m.label = d.name;
    return { model: m };
  }
  if (d.kind === 'sap' || d.kind === 'random') {
    const opts = { sampleFraction: d.sampleFraction, seed: s, kind: d.kind } as const;
    return { model: withSap(net, opts), bpda: withSap(net, { ...opts, gradient: 'identity' }) };
  }
  // Noise on the net's own input (the grid puts the input conventions inside: `computeCell`).
  if (d.kind === 'smoothed') return { model: withGaussianSmoothing(net, { sigma: d.sigma!, seed: s }) };
  const key = BASELINE_PARAMETERS[d.kind].key;
  const value = d.matchTo !== undefined ? matched?.[d.name]?.value : d[key];
  if (value === undefined) throw new Error(`defense ${d.name}: no ${key} (matchTo ${d.matchTo} was not calibrated)`);
  return { model: makeBaseline(net, d.kind, value, { seed: s }), bpda: makeBaseline(net, d.kind, value, { seed: s, bpda: true }) };
}

interface CellLike {
  defense: string;
  attack: string;
  eps: number;
  accuracy: number;
  accuracyLow: number;
  accuracyHigh: number;
  correct: string;
  error?: string;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const interval = (c: CellLike) => `${pct(c.accuracy)} [${(c.accuracyLow * 100).toFixed(1)}, ${(c.accuracyHigh * 100).toFixed(1)}]`;
const flags = (c: CellLike) => Array.from(c.correct, (ch) => (ch === '1' ? 1 : 0));

/** The worst (lowest-accuracy) attacked cell of `defense` at `eps` among `attacks`. */
function worst(cells: CellLike[], defense: string, eps: number, attacks: string[]): CellLike | undefined {
  return cells
    .filter((c) => !c.error && c.defense === defense && c.eps === eps && attacks.includes(c.attack))
    .reduce<CellLike | undefined>((w, c) => (w === undefined || c.accuracy < w.accuracy ? c : w), undefined);
}

/** `a − b` on the same images with its paired (Newcombe) interval and exact McNemar p-value. */
function paired(a: CellLike, b: CellLike): string {
  const d = pairedProportionDifference(flags(a), flags(b));
  const p = mcnemarExact(flags(a), flags(b)).pValue;
  const sign = d.diff >= 0 ? '+' : '';
  return `${sign}${(d.diff * 100).toFixed(1)} points [${(d.low * 100).toFixed(1)}, ${(d.high * 100).toFixed(1)}], McNemar p = ${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}`;
}

const ALL_ATTACKS = ['FGSM-MC', 'PGD', 'PGD-EOT', 'BPDA'];

/**
 * Markdown sections for the summary: the matched strengths and SAP against the baselines (when
 * the grid has baselines), and SAP on top of each adversarially trained model (when rows use
 * more than one pretrained model). Empty when neither applies.
 */
export function stochasticSections(config: ReproduceConfig, cells: CellLike[], matched: Record<string, MatchedStrength>): string {
  const out: string[] = [];
  const attacked = config.eps.filter((e) => e > 0);
  const sapRow = config.defenses.find((d) => d.kind === 'sap' && (d.model ?? config.model) === config.model);
  const baselines = config.defenses.filter((d) => isBaselineKind(d.kind));
  if (baselines.length) {
    out.push('## Stochastic baselines at matched clean accuracy', '');
    const m = Object.values(matched);
    if (m.length) {
      out.push(`Strengths matched to ${m[0].matchTo}'s clean accuracy on ${m[0].heldOut} held-out test images (the last of the split; none of them evaluated), ${m[0].samples}-pass predictions:`, '');
      out.push('| baseline | parameter | value | held-out accuracy | target | matched |', '|---|---|---|---|---|---|');
      for (const r of m) out.push(`| ${r.defense} | ${r.key} | ${r.value.toPrecision(4)} | ${pct(r.accuracy)} | ${pct(r.target)} ± ${(r.tolerance * 100).toFixed(1)} | ${r.matched ? 'yes' : 'no'} |`);
      out.push('');
    }
    if (sapRow) {
      out.push(`Accuracy under the worst attack per defense (of ${ALL_ATTACKS.join(', ')}, whichever apply), and the paired difference ${sapRow.name} minus the baseline on the same ${config.n} images (Newcombe 95% interval, exact McNemar p):`, '');
      out.push(`| defense | ${attacked.map((e) => `eps ${e}`).join(' | ')} |`, `|---|${attacked.map(() => '---').join('|')}|`);
      for (const d of [sapRow, ...baselines]) {
        const row = attacked.map((e) => {
          const w = worst(cells, d.name, e, ALL_ATTACKS);
          const s = worst(cells, sapRow.name, e, ALL_ATTACKS);
          if (!w) return '—';
          return `${interval(w)} (${w.attack})${d === sapRow || !s ? '' : `; ${sapRow.name} − this: ${paired(s, w)}`}`;
        });
        out.push(`| ${d.name} | ${row.join(' | ')} |`);
      }
      out.push('');
    }
  }
  const models = [...new Set(config.defenses.map((d) => d.model ?? config.model))];
  if (models.length > 1) {
    out.push('## Does SAP add robustness on top of adversarial training?', '');
    out.push(
      `For each model, the plain network under its worst attack (FGSM-MC or PGD) against the same network with SAP under its worst attack (FGSM-MC, or the adaptive PGD-EOT or BPDA), on the same ${config.n} images; the difference is SAP minus plain with Newcombe's paired 95% interval and the exact McNemar p-value. The paper's attack alone (FGSM-MC on both) is given next to it.`,
      '',
    );
    for (const model of models) {
      const plain = config.defenses.find((d) => d.kind === 'dense' && (d.model ?? config.model) === model);
      const sap = config.defenses.find((d) => d.kind === 'sap' && (d.model ?? config.model) === model);
      if (!plain || !sap) continue;
      for (const e of attacked) {
        const p = worst(cells, plain.name, e, ['FGSM-MC', 'PGD']);
        const s = worst(cells, sap.name, e, ['FGSM-MC', 'PGD-EOT', 'BPDA']);
        const pf = worst(cells, plain.name, e, ['FGSM-MC']);
        const sf = worst(cells, sap.name, e, ['FGSM-MC']);
        if (!p || !s) continue;
        const verdict = (() => {
          const d = pairedProportionDifference(flags(s), flags(p));
          if (d.low > 0) return 'SAP adds robustness (the interval excludes 0)';
          if (d.high < 0) return 'SAP costs robustness (the interval excludes 0)';
          return 'no detectable difference (the interval contains 0)';
        })();
        out.push(
          `- **${sap.name} vs ${plain.name}, eps ${e}.** Worst attack: ${plain.name} ${interval(p)} (${p.attack}), ${sap.name} ${interval(s)} (${s.attack}): ${paired(s, p)} — ${verdict}.` +
            (pf && sf ? ` Paper's attack (FGSM-MC): ${interval(pf)} vs ${interval(sf)}, ${paired(sf, pf)}.` : ''),
        );
      }
    }
    out.push('');
  }
  return out.join('\n');
}
