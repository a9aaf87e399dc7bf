/**
 * One cell of the reproduction grid (a defense under an attack at one eps, or clean): the defense
 * and the attack built from their specs, the images attacked batch by batch, the predictions,
 * their accuracy and calibration. Every random choice is reseeded from (seed, cell, batch), so any
 * thread or process computes the same numbers; the scheduler that runs cells is in `run.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import type { Dataset } from '../data/fashion_mnist';
import { buildRow, loadExtraModels, type MatchedStrength } from './baseline_grid';
import { predictProbs } from '../defenses/predict';
import { attacks } from '../attacks/factory';
import { addGradientStats, zeroGradientStats, type Attack, type AttackNorm, type GradientStats } from '../attacks/types';
import { autoAttack, type AutoAttackOptions, type TransferEntry } from '../attacks/suite';
import { wilsonInterval } from '../metrics/accuracy';
import { accuracy } from '../metrics/accuracy';
import { calibration, CalibrationResult } from '../metrics/calibration';
import { deriveSeed } from '../seed';
import { attackOptions, CERTIFY_DEFAULTS, type AttackSpec, type DefenseSpec, type ReproduceConfig } from './spec';
import { EvaluationInputs, loadEvaluationInputs } from './inputs';
import type { GridCellSpec } from './grid';
import { withGaussianSmoothing, type SmoothedModel } from '../defenses/smoothing';
import { ABSTAIN, certify, predictSmoothed } from '../defenses/smoothing_certify';
import { isCertifiedKind } from './stochastic_defenses';
import { encodeFloat32, shardRange, type Shard } from './shard';

/** One finished cell of the grid, as stored in `cells/<key>.json`. */
export interface CellResult {
  key: string;
  defense: string;
  kind: DefenseSpec['kind'];
  sampleFraction: number | null;
  attack: string;
  eps: number;
  n: number;
  accuracy: number;
  accuracyLow: number;
  accuracyHigh: number;
  ece: number;
  mce: number;
  nll: number;
  brier: number;
  /** Per-example correctness as a string of 0/1. */
  correct: string;
  /** Reliability bins of the predictions. */
  bins: CalibrationResult['bins'];
  /** Gradient statistics summed over batches (gradient attacks). */
  gradientStats?: GradientStats;
  /**
   * `autoattack` cells: the suite's attacks with the images each attacked and broke, and per
   * image the attack that broke it (`-` robust, `clean` misclassified clean), comma-separated.
   * The cell's `accuracy` and `correct` are the suite's per-image worst case.
   */
  suite?: { attacks: SuiteCellRow[]; brokenBy: string };
  seconds: number;
  /** A shard's cell: the index of its first image in the run. */
  imageStart?: number;
  /** A shard's cell: its predicted probabilities `[n, classes]` as base64 float32, for `saplab merge`. */
  probs?: string;
  /**
   * A smoothed defense's clean and attacked cells: PREDICT's decision per image (`-1` abstains),
   * from which `accuracy` and `correct` are computed (abstentions count as errors); the
   * calibration metrics are those of the softmax averaged over `predictSamples` noisy passes.
   */
  smoothed?: { predictions: number[]; abstained: number; n: number; alpha: number };
  /**
   * A certification cell (`<defense> × certify`): CERTIFY's class (`-1` abstains) and radius per
   * image and its settings. `accuracy` and `correct` are the certified accuracy at radius 0.
   */
  certificate?: { labels: number[]; predictions: number[]; radii: number[]; pALower: number[]; countsA: number[]; sigma: number; n0: number; n: number; alpha: number };
  /** Set when the cell failed; the run goes on and the summary reports it. */
  error?: string;
}

/** `true` when a protocol applies SAP or random pruning, which need a ReLU in the model. */
export function needsRelu(config: ReproduceConfig): boolean {
  return config.defenses.some((d) => d.kind === 'sap' || d.kind === 'random');
}

/**
 * The attack function of a spec. EOT only matters for stochastic models; `onStats` receives the
 * gradient statistics of each call (gradient attacks); `norm` is the config's (default: the
 * attack's own, L-inf).
 */
export function buildAttack(spec: AttackSpec, stochastic: boolean, onStats?: (s: GradientStats) => void, norm?: AttackNorm): Attack {
  // The spec's own options go to the attack as given; left-out keys take the attack's defaults
  // (the norm, the config's, only when it sets one: L-inf is the attacks' default).
  const o = { ...attackOptions(spec), ...(norm ? { norm } : {}) };
  // A deterministic model needs no Monte-Carlo average: its gradient and scores are exact.
  const eotSamples = stochastic ? spec.eotSamples : undefined;
  switch (spec.method) {
    case 'fgsm':
      return attacks.fgsm({ ...o, eotSamples, onStats });
    case 'pgd':
      return attacks.pgd({ ...o, eotSamples, onStats });
    case 'apgd':
      return attacks.apgd({ ...o, eotSamples, onStats });
    case 'smoothAdv': {
      // L2 by construction: SmoothAdv takes no norm.
      const { norm: _n, ...rest } = o as typeof o & { norm?: AttackNorm };
      return attacks.smoothAdv({ ...rest, eotSamples, onStats });
    }
    case 'square':
      return attacks.square({ ...o, ...(stochastic ? {} : { predictSamples: 1 }) });
    case 'autoattack':
      throw new Error('an autoattack cell runs the suite itself (computeCell), not as a single attack');
  }
}

/** The `autoAttack` options of an `autoattack` spec (the budgets; eps, seed and image ids come per batch). */
function suiteOptions(spec: AttackSpec, stochastic: boolean, predictSamples: number): Omit<AutoAttackOptions, 'eps'> {
  const eotSamples = stochastic ? spec.eotSamples ?? 20 : 1;
  return {
    version: spec.version ?? 'rand',
    // 'transfer' needs the surrogate, which only a stochastic row gets.
    ...(spec.suite ? { attacks: stochastic && spec.surrogate ? spec.suite : spec.suite.filter((a) => a !== 'transfer') } : {}),
    steps: spec.steps ?? 100,
    restarts: spec.restarts ?? 1,
    eotSamples,
    targetClasses: spec.targetClasses ?? 9,
    squareQueries: spec.queries ?? 5000,
    squareSamples: stochastic ? spec.predictSamples ?? eotSamples : 1,
    predictSamples: stochastic ? predictSamples : 1,
    ...(spec.earlyStop !== undefined ? { earlyStop: spec.earlyStop } : {}),
    ...(spec.stopAt !== undefined ? { stopAt: spec.stopAt } : {}),
    ...(spec.eotAverage !== undefined ? { eotAverage: spec.eotAverage } : {}),
    ...(spec.surrogateSteps !== undefined ? { surrogateSteps: spec.surrogateSteps } : {}),
  };
}

/** Per-attack totals of the suite over a cell's batches (`autoattack` cells). */
export interface SuiteCellRow {
  name: string;
  label: string;
  attacked: number;
  broken: number;
}

interface Defended {
  /** The model that is evaluated. */
  model: Model;
  /** The model whose gradient BPDA follows (the defense as identity in the backward pass). */
  bpda?: Model;
  /** The row's network without its randomness (the suite's surrogate for a stochastic row). */
  plain: Model;
  /** Frees what the row holds (DWP's pruned kernels). */
  dispose: () => void;
}

/** A row on its pretrained model (`buildRow`: dense, SAP, random, the baselines), with the input conventions. */
function buildDefense(cell: CellInputs, d: DefenseSpec, seed: number): Defended {
  const ev = cell.inputs;
  const net = d.model !== undefined && d.model !== cell.config.model ? cell.extraNets.get(d.model)! : ev.net;
  const plain = ev.wrap(buildRow(net, { name: `${d.name} (plain)`, kind: 'dense' }, seed).model);
  plain.label = `${d.name} without its randomness`;
  if (d.kind === 'smoothed') {
    // The noise is added to the pixels ([0, 1]), in front of the model's input conventions.
    const model = withGaussianSmoothing(ev.wrap(net), { sigma: d.sigma!, seed: deriveSeed(seed, 'defense', d.name) }); // as buildRow's
    model.label = d.name;
    return { model, plain, dispose: () => {} };
  }
  const row = buildRow(net, d, seed, cell.matched);
  const model = ev.wrap(row.model);
  model.label = d.name;
  return { model, bpda: row.bpda ? ev.wrap(row.bpda) : undefined, plain, dispose: () => (row.model.dispose?.(), row.bpda?.dispose?.()) };
}

/** What computing a cell needs: the protocol, the checked model and the test images. */
export interface CellInputs {
  config: ReproduceConfig;
  /** The model (as logits), its input conventions and the test images. */
  inputs: EvaluationInputs;
  data: Dataset;
  /** Shipped models of rows with their own `model` key, by name (dispose them with the inputs). */
  extraNets: Map<string, tf.LayersModel>;
  /** Calibrated strengths of the `matchTo` baselines (see `matchStrengths`). */
  matched: Record<string, MatchedStrength>;
  /**
   * The suite's transfer examples, shared by the cells this thread computes: every stochastic row
   * on one network has the same surrogate (that network), so its transfer stage at an eps is
   * computed once (`AutoAttackOptions.transferCache`).
   */
  transferStore: Map<string, TransferEntry>;
}

/** Loads and checks the model and the test images of a protocol (dispose with `inputs.dispose()` and the `extraNets`). */
export async function loadCellInputs(config: ReproduceConfig, loaded?: EvaluationInputs, matched: Record<string, MatchedStrength> = {}): Promise<CellInputs> {
  const inputs = loaded ?? (await loadEvaluationInputs(config, { needsRelu: needsRelu(config) }));
  const extraNets = await loadExtraModels(config);
  return { config, inputs, data: inputs.data, extraNets, matched, transferStore: new Map() };
}

/** One cell of the grid to compute. */
export type CellTask = GridCellSpec;

/** The record of a cell that failed with `error`. */
export function failedCell(task: CellTask, n: number, seconds: number, error: string): CellResult {
  const { key, defense, attack, eps } = task;
  return { key, defense: defense.name, kind: defense.kind, sampleFraction: defense.sampleFraction ?? null, attack: attack?.name ?? 'clean', eps, n, accuracy: NaN, accuracyLow: NaN, accuracyHigh: NaN, ece: NaN, mce: NaN, nll: NaN, brier: NaN, correct: '', bins: [], seconds, error };
}

/**
 * Computes one cell; `afterBatch` runs after each batch (progress, Ctrl-C checks). Every random
 * choice is reseeded from (seed, cell, batch), so any thread computes the same numbers. With
 * `shard`, only that shard's batches (`shard.ts`), keeping their probabilities for the merge.
 */
export async function computeCell(inputs: CellInputs, task: CellTask, afterBatch: () => Promise<void> | void, shard?: Shard): Promise<CellResult> {
  if (task.certify) return computeCertifyCell(inputs, task, afterBatch, shard);
  const { config, data } = inputs;
  const { key, defense, attack, eps } = task;
  const tc = Date.now();
  // The batches of the run, or of the shard: batch b is seeded by its index in the whole run.
  const range = shard ? shardRange(config, shard) : { first: 0, end: Math.ceil(config.n / config.batchSize), start: 0, stop: config.n };
  const defended = buildDefense(inputs, defense, config.seed);
  const stochastic = defended.model.stochastic === true;
  // A transfer attack crafts on its source defense; the examples are then evaluated on this one.
  const sourceSpec = attack?.transferFrom ? config.defenses.find((d) => d.name === attack.transferFrom) : undefined;
  const source = sourceSpec ? buildDefense(inputs, sourceSpec, config.seed) : undefined;
  const probsParts: tf.Tensor2D[] = [];
  const stats = zeroGradientStats();
  const isSuite = attack?.method === 'autoattack';
  // A batch shared with another shard counts its statistics in the shard holding its first image.
  let counting = true;
  const count = (st: GradientStats) => counting && addGradientStats(stats, st);
  const attackFn = attack && !isSuite ? buildAttack(attack, source ? source.model.stochastic === true : stochastic, count, config.norm) : undefined;
  const robust: boolean[] = [];
  // A smoothed defense is decided by PREDICT (abstentions count as errors).
  const certified = isCertifiedKind(defense.kind);
  const cs = config.certify ?? CERTIFY_DEFAULTS;
  const decisions: number[] = [];
  const brokenBy: string[] = [];
  const suiteRows = new Map<string, SuiteCellRow>();
  try {
    for (let b = range.first; b < range.end; b++) {
      const start = b * config.batchSize;
      const size = Math.min(config.batchSize, config.n - start);
      counting = start >= range.start;
      const xb = tf.slice(data.x, [start, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D;
      const yb = tf.slice(data.y, [start], [size]) as tf.Tensor1D;
      const cellSeed = deriveSeed(config.seed, key, b);
      let input = xb;
      if (attackFn && eps > 0) {
        const target = source ? source.model : attack!.bpda && defended.bpda ? defended.bpda : defended.model;
        // Transfer examples depend only on the source, so every defense sees the same images.
        const attackSeed = source ? deriveSeed(config.seed, 'transfer', attack!.name, eps, b) : cellSeed;
        target.reseed?.(deriveSeed(attackSeed, 'attack-model'));
        input = await attackFn(target, xb, yb, { eps, seed: attackSeed });
      }
      if (isSuite) {
        // The suite keys its randomness by image, so batches and threads give the same numbers.
        const res = await autoAttack(defended.model, xb, yb, {
          ...suiteOptions(attack!, stochastic, config.predictSamples),
          // The transfer stage from the row's network without its randomness, on stochastic rows.
          // The stage is seeded by the run and the network, not the cell, so rows share it.
          ...(attack!.surrogate && stochastic
            ? { surrogate: defended.plain, transferCache: { key: `network ${defense.model ?? config.model}`, seed: deriveSeed(config.seed, 'suite-transfer'), store: inputs.transferStore } }
            : {}),
          eps,
          seed: deriveSeed(config.seed, key),
          imageIds: Array.from({ length: size }, (_, i) => start + i),
          returnAdv: true,
          onStats: count,
        });
        input = res.adv!;
        robust.push(...res.robust);
        brokenBy.push(...res.brokenBy.map((b) => b ?? '-'));
        for (const r of counting ? res.attacks : []) {
          const row = suiteRows.get(r.name) ?? { name: r.name, label: r.label, attacked: 0, broken: 0 };
          row.attacked += r.attacked;
          row.broken += r.broken;
          suiteRows.set(r.name, row);
        }
      }
      probsParts.push(predictProbs(defended.model, input, { samples: config.predictSamples, seed: deriveSeed(cellSeed, 'predict'), batchSize: config.batchSize }));
      if (certified) decisions.push(...predictSmoothed(defended.model as SmoothedModel, input, { n: cs.predictN, alpha: cs.alpha, seed: deriveSeed(cellSeed, 'predict-smoothed') }));
      if (input !== xb) input.dispose();
      tf.dispose([xb, yb]);
      await afterBatch();
    }
    // The shard's own images of the batches computed.
    const offset = range.start - range.first * config.batchSize;
    const keep = range.stop - range.start;
    const all = tf.concat(probsParts, 0) as tf.Tensor2D;
    const probs = all.shape[0] === keep ? all : (tf.slice(all, [offset, 0], [keep, -1]) as tf.Tensor2D);
    if (probs !== all) all.dispose();
    robust.splice(0, offset);
    robust.splice(keep);
    brokenBy.splice(0, offset);
    brokenBy.splice(keep);
    const y = tf.slice(data.y, [range.start], [keep]) as tf.Tensor1D;
    const metrics = cellMetrics(probs, y, config.calibrationBins);
    if (isSuite) {
      // An autoattack cell's accuracy is the suite's per-image worst case; its calibration is that
      // of a fresh prediction on the worst-case inputs.
      Object.assign(metrics, fromCorrect(robust));
    }
    let smoothed: CellResult['smoothed'];
    if (certified) {
      decisions.splice(0, offset);
      decisions.splice(keep);
      const labels = y.dataSync();
      Object.assign(metrics, fromCorrect(decisions.map((p, i) => p === labels[i])));
      smoothed = { predictions: decisions, abstained: decisions.filter((p) => p === ABSTAIN).length, n: cs.predictN, alpha: cs.alpha };
    }
    const kept = shard ? { imageStart: range.start, probs: encodeFloat32(probs.dataSync() as Float32Array) } : {};
    tf.dispose([probs, y]);
    return {
      key,
      defense: defense.name,
      kind: defense.kind,
      sampleFraction: defense.kind === 'dense' ? null : defense.sampleFraction ?? null,
      attack: attack?.name ?? 'clean',
      eps,
      ...metrics,
      ...kept,
      ...(attack && attack.method !== 'square' ? { gradientStats: stats } : {}),
      ...(isSuite ? { suite: { attacks: [...suiteRows.values()], brokenBy: brokenBy.join(',') } } : {}),
      ...(smoothed ? { smoothed } : {}),
      seconds: (Date.now() - tc) / 1000,
    };
  } finally {
    tf.dispose(probsParts);
    defended.dispose();
    source?.dispose();
  }
}

/**
 * The certification cell of a smoothed defense: Cohen et al.'s CERTIFY (`config.certify`: n0, n,
 * alpha) on every image, batch by batch, each batch reseeded from (seed, cell, batch). Its
 * `accuracy` and `correct` are the certified accuracy at radius 0 (abstentions as errors); the
 * per-image classes and radii give the certified accuracy at every radius (`certifiedCurve`).
 */
async function computeCertifyCell(inputs: CellInputs, task: CellTask, afterBatch: () => Promise<void> | void, shard?: Shard): Promise<CellResult> {
  const { config, data } = inputs;
  const { key, defense } = task;
  if (shard) throw new Error('certification cells are not sharded (run the smoothed defenses without --shard)');
  const cs = config.certify ?? CERTIFY_DEFAULTS;
  const tc = Date.now();
  const defended = buildDefense(inputs, defense, config.seed);
  const labels = Array.from(tf.tidy(() => tf.slice(data.y, [0], [config.n]).dataSync()));
  const cert: NonNullable<CellResult['certificate']> = { labels, predictions: [], radii: [], pALower: [], countsA: [], sigma: defense.sigma!, n0: cs.n0, n: cs.n, alpha: cs.alpha };
  try {
    for (let b = 0; b < Math.ceil(config.n / config.batchSize); b++) {
      const start = b * config.batchSize;
      const size = Math.min(config.batchSize, config.n - start);
      const xb = tf.slice(data.x, [start, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D;
      const r = certify(defended.model as SmoothedModel, xb, { n0: cs.n0, n: cs.n, alpha: cs.alpha, seed: deriveSeed(config.seed, key, b) });
      xb.dispose();
      cert.predictions.push(...r.predictions);
      cert.radii.push(...r.radii);
      cert.pALower.push(...r.pALower);
      cert.countsA.push(...r.countsA);
      await afterBatch();
    }
  } finally {
    defended.dispose();
  }
  return {
    key,
    defense: defense.name,
    kind: defense.kind,
    sampleFraction: null,
    attack: task.attack?.name ?? 'certify',
    eps: 0,
    n: config.n,
    ...fromCorrect(cert.predictions.map((p, i) => p === labels[i])),
    ece: NaN,
    mce: NaN,
    nll: NaN,
    brier: NaN,
    bins: [],
    certificate: cert,
    seconds: (Date.now() - tc) / 1000,
  };
}

/**
 * The certified accuracy of a certification cell at each radius, with 95% Wilson intervals and
 * per-image correctness: certified at `r` when CERTIFY returned the label (the cell's `correct`)
 * with radius `>= r`; abstentions count as errors (Cohen et al.).
 */
export function certifiedCurve(cell: CellResult, radii: readonly number[]): { radius: number; accuracy: number; low: number; high: number; correct: string }[] {
  const cert = cell.certificate;
  if (!cert) throw new Error(`certifiedCurve: cell ${cell.key} is not a certification cell`);
  return radii.map((r) => {
    const m = fromCorrect(cert.radii.map((radius, i) => cell.correct[i] === '1' && radius >= r));
    return { radius: r, accuracy: m.accuracy, low: m.accuracyLow, high: m.accuracyHigh, correct: m.correct };
  });
}

/** Accuracy, its 95% Wilson interval and the per-image correctness string of per-image outcomes. */
function fromCorrect(right: boolean[]): Pick<CellResult, 'accuracy' | 'accuracyLow' | 'accuracyHigh' | 'correct'> {
  const k = right.filter((v) => v).length;
  const ci = wilsonInterval(k, right.length);
  return { accuracy: k / right.length, accuracyLow: ci.low, accuracyHigh: ci.high, correct: right.map((v) => (v ? '1' : '0')).join('') };
}

/** What a cell records about its predictions: accuracy, calibration and per-image correctness. */
type CellMetrics = Pick<CellResult, 'n' | 'accuracy' | 'accuracyLow' | 'accuracyHigh' | 'ece' | 'mce' | 'nll' | 'brier' | 'correct' | 'bins'>;

/**
 * The metrics of a cell from its predicted probabilities `[n, classes]` and labels `[n]` (the one
 * computation for a run's cells and for cells merged from shards).
 */
export function cellMetrics(probs: tf.Tensor2D, y: tf.Tensor1D, bins: number): CellMetrics {
  const cal = calibration(probs, y, { bins });
  const acc = accuracy(probs, y);
  const predicted = tf.tidy(() => tf.equal(tf.argMax(probs, 1), y).dataSync());
  return {
    n: probs.shape[0],
    accuracy: acc.accuracy,
    accuracyLow: acc.low,
    accuracyHigh: acc.high,
    ece: cal.ece,
    mce: cal.mce,
    nll: cal.nll,
    brier: cal.brier,
    correct: Array.from(predicted, (v) => (v ? '1' : '0')).join(''),
    bins: cal.bins,
  };
}
