/**
 * `saplab reproduce`: the paper's experiment plus the adaptive evaluation, as a grid of cells
 * (defense × attack × eps), each computed, then written atomically to `cells/` as it finishes.
 * Rerunning with the same output folder resumes: finished cells are read back, not recomputed.
 * Every cell reseeds the model and the attack from the user seed and the cell's own name, so a
 * resumed run gives the same numbers as an uninterrupted one.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadFashionMnist } from '../data/fashion_mnist';
import { loadPretrained } from '../models/pretrained';
import { asModel, Model } from '../models/model';
import { withSap } from '../defenses/with_sap';
import { predictProbs } from '../defenses/predict';
import { attacks } from '../attacks/factory';
import type { Attack, GradientStats } from '../attacks/types';
import { accuracy } from '../metrics/accuracy';
import { calibration, CalibrationResult } from '../metrics/calibration';
import { makeResultRow, ResultRow, writeResults } from '../report/table';
import { deriveSeed } from '../seed';
import { Progress, ProgressOptions } from '../util/progress';
import { attackEps, AttackSpec, DefenseSpec, gridPairs, Preset, ReproduceConfig } from './config';
import { writeReport } from './report';
import { cellKey, Interrupted, interruptGuard, openRunFolder, readCellFile, runMetadata, writeCellFile, writeRunJson } from './run_folder';

export { cellKey } from './run_folder';

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
  seconds: number;
  /** Set when the cell failed; the run goes on and the summary reports it. */
  error?: string;
}

export interface ReproduceOptions {
  config: ReproduceConfig;
  preset: Preset;
  /** Output folder (`results/<run>`). */
  outDir: string;
  /** Stop after computing this many new cells (for tests of resuming). Default: no limit. */
  stopAfterCells?: number;
  /** Write figures (HTML always; SVG/PNG when Chromium is available). Default `true`. */
  figures?: boolean;
  progress?: ProgressOptions;
  log?: (line: string) => void;
}

export interface ReproduceResult {
  status: 'complete' | 'stopped' | 'interrupted';
  outDir: string;
  cells: CellResult[];
  rows: ResultRow[];
  computed: number;
  reused: number;
}

export const MODEL_LABEL = 'fashion-cnn';

/**
 * The attack function of a spec. EOT only matters for stochastic models; `onStats` receives the
 * gradient statistics of each call (gradient attacks).
 */
export function buildAttack(spec: AttackSpec, stochastic: boolean, onStats?: (s: GradientStats) => void): Attack {
  const eotSamples = stochastic ? spec.eotSamples : undefined;
  switch (spec.method) {
    case 'fgsm':
      return attacks.fgsm({ eotSamples, loss: spec.loss, onStats });
    case 'pgd':
      return attacks.pgd({ steps: spec.steps, relStepsize: spec.relStepsize, eotSamples, loss: spec.loss, restarts: spec.restarts, randomStart: true, onStats });
    case 'apgd':
      return attacks.apgd({ steps: spec.steps, eotSamples, loss: spec.loss === 'margin' ? 'ce' : spec.loss, onStats });
    case 'square':
      return attacks.square({ queries: spec.queries, predictSamples: stochastic ? spec.predictSamples ?? 1 : 1 });
  }
}

function addStats(acc: GradientStats, s: GradientStats): void {
  acc.gradientCalls += s.gradientCalls;
  acc.draws += s.draws;
  acc.nonFiniteDraws += s.nonFiniteDraws;
  acc.noFiniteDraw += s.noFiniteDraw;
  acc.nonFiniteLogits += s.nonFiniteLogits;
}

interface Defended {
  /** The model that is evaluated. */
  model: Model;
  /** The model whose gradient BPDA follows (SAP as identity in the backward pass). */
  bpda?: Model;
}

function buildDefense(net: tf.LayersModel, d: DefenseSpec, seed: number): Defended {
  if (d.kind === 'dense') return { model: asModel(net, d.name) };
  const opts = { sampleFraction: d.sampleFraction, seed: deriveSeed(seed, 'defense', d.name), kind: d.kind } as const;
  return { model: withSap(net, opts), bpda: withSap(net, { ...opts, gradient: 'identity' }) };
}

const sleep = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs (or resumes) the grid and writes the report. */
export async function runReproduce(options: ReproduceOptions): Promise<ReproduceResult> {
  const { config, outDir } = options;
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const cellsDir = openRunFolder(outDir, config);

  const started = new Date();
  const timings: Record<string, number> = {};
  const guard = interruptGuard(log);

  const t0 = Date.now();
  const net = await loadPretrained(config.model);
  const data = await loadFashionMnist({ split: 'test', limit: config.n });
  timings.setup = (Date.now() - t0) / 1000;

  const cells: CellResult[] = [];
  let computed = 0;
  let reused = 0;
  let status: ReproduceResult['status'] = 'complete';
  const batches = Math.ceil(config.n / config.batchSize);
  try {
    grid: for (const { defense, attack } of gridPairs(config)) {
      const stage = `${defense.name} × ${attack?.name ?? 'clean'}`;
      const epsList = attack ? attackEps(config, attack) : [0];
      const pending = epsList.filter((eps) => !readCell(cellsDir, cellKey(defense.name, attack?.name ?? 'clean', eps)));
      for (const eps of epsList.filter((e) => !pending.includes(e))) {
        cells.push(readCell(cellsDir, cellKey(defense.name, attack?.name ?? 'clean', eps))!);
        reused++;
      }
      if (pending.length === 0) continue;
      const ts = Date.now();
      const defended = buildDefense(net, defense, config.seed);
      const stochastic = defense.kind !== 'dense';
      // A transfer attack crafts on its source defense; the examples are then evaluated on this one.
      const sourceSpec = attack?.transferFrom ? config.defenses.find((d) => d.name === attack.transferFrom) : undefined;
      const source = sourceSpec ? buildDefense(net, sourceSpec, config.seed) : undefined;
      const bar = new Progress(stage, pending.length * batches, options.progress);
      for (const eps of pending) {
        const key = cellKey(defense.name, attack?.name ?? 'clean', eps);
        const tc = Date.now();
        let cell: CellResult;
        try {
          const probsParts: tf.Tensor2D[] = [];
          const stats: GradientStats = { gradientCalls: 0, draws: 0, nonFiniteDraws: 0, noFiniteDraw: 0, nonFiniteLogits: 0 };
          const attackFn = attack ? buildAttack(attack, sourceSpec ? sourceSpec.kind !== 'dense' : stochastic, (st) => addStats(stats, st)) : undefined;
          try {
            for (let b = 0; b < batches; b++) {
              const start = b * config.batchSize;
              const size = Math.min(config.batchSize, config.n - start);
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
              probsParts.push(predictProbs(defended.model, input, { samples: config.predictSamples, seed: deriveSeed(cellSeed, 'predict'), batchSize: config.batchSize }));
              if (input !== xb) input.dispose();
              tf.dispose([xb, yb]);
              bar.tick();
              await sleep();
              guard.check();
            }
            const probs = tf.concat(probsParts, 0) as tf.Tensor2D;
            const cal = calibration(probs, data.y, { bins: config.calibrationBins });
            const acc = accuracy(probs, data.y);
            const predicted = tf.tidy(() => tf.equal(tf.argMax(probs, 1), data.y).dataSync());
            probs.dispose();
            cell = {
              key,
              defense: defense.name,
              kind: defense.kind,
              sampleFraction: defense.kind === 'dense' ? null : defense.sampleFraction ?? null,
              attack: attack?.name ?? 'clean',
              eps,
              n: config.n,
              accuracy: acc.accuracy,
              accuracyLow: acc.low,
              accuracyHigh: acc.high,
              ece: cal.ece,
              mce: cal.mce,
              nll: cal.nll,
              brier: cal.brier,
              correct: Array.from(predicted, (v) => (v ? '1' : '0')).join(''),
              bins: cal.bins,
              ...(attack && attack.method !== 'square' ? { gradientStats: stats } : {}),
              seconds: (Date.now() - tc) / 1000,
            };
          } finally {
            tf.dispose(probsParts);
          }
        } catch (e) {
          if (e instanceof Interrupted) throw e;
          cell = { key, defense: defense.name, kind: defense.kind, sampleFraction: defense.sampleFraction ?? null, attack: attack?.name ?? 'clean', eps, n: config.n, accuracy: NaN, accuracyLow: NaN, accuracyHigh: NaN, ece: NaN, mce: NaN, nll: NaN, brier: NaN, correct: '', bins: [], seconds: (Date.now() - tc) / 1000, error: e instanceof Error ? e.message : String(e) };
          log(`cell ${key} failed: ${cell.error}`);
        }
        writeCellFile(cellsDir, key, cell);
        cells.push(cell);
        computed++;
        if (options.stopAfterCells !== undefined && computed >= options.stopAfterCells) {
          status = 'stopped';
          bar.finish();
          break grid;
        }
      }
      bar.finish();
      timings[stage] = (Date.now() - ts) / 1000;
    }
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    status = 'interrupted';
  } finally {
    guard.dispose();
    tf.dispose([data.x, data.y]);
  }

  const rows = cellsToRows(cells, config);
  const run = runMetadata({ status, preset: options.preset, seed: config.seed, started, cellsComputed: computed, cellsReused: reused, timings });
  if (status === 'complete') {
    writeResults(rows, path.join(outDir, 'results'));
    const tr = Date.now();
    await writeReport({ outDir, config, cells, rows, run, figures: options.figures ?? true, log });
    timings.report = (Date.now() - tr) / 1000;
  }
  writeRunJson(outDir, run);
  net.dispose();
  return { status, outDir, cells, rows, computed, reused };
}

/** Reads a finished cell; a missing, unreadable or failed cell counts as not finished. */
export function readCell(cellsDir: string, key: string): CellResult | undefined {
  return readCellFile<CellResult>(cellsDir, key);
}

/** Table rows of the cells: each attack's curve starts at its defense's clean accuracy. */
export function cellsToRows(cells: CellResult[], config: ReproduceConfig): ResultRow[] {
  const rows: ResultRow[] = [];
  const ok = cells.filter((c) => !c.error);
  const clean = new Map(ok.filter((c) => c.attack === 'clean').map((c) => [c.defense, c]));
  const row = (c: CellResult, attack: string) =>
    makeResultRow(
      { model: MODEL_LABEL, defense: c.defense, attack, eps: c.eps, sampleFraction: c.sampleFraction, seed: config.seed, extra: { mce: c.mce, seconds: Math.round(c.seconds * 10) / 10 } },
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
  }
  return rows;
}
