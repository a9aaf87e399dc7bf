/**
 * `saplab reproduce`: the paper's experiment plus the adaptive evaluation, as a grid of cells
 * (defense × attack × eps), each computed, then written atomically to `cells/` as it finishes.
 * Rerunning with the same output folder resumes: finished cells are read back, not recomputed.
 * Every cell reseeds the model and the attack from the user seed and the cell's own name, so a
 * resumed run gives the same numbers as an uninterrupted one.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import type { Dataset } from '../data/fashion_mnist';
import { buildRow, loadExtraModels, matchStrengths, stochasticSections, type MatchedStrength } from './baseline_grid';
import { predictProbs } from '../defenses/predict';
import { attacks } from '../attacks/factory';
import type { Attack, GradientStats } from '../attacks/types';
import { accuracy } from '../metrics/accuracy';
import { calibration, CalibrationResult } from '../metrics/calibration';
import { makeResultRow, ResultRow, writeResults } from '../report/table';
import { deriveSeed } from '../seed';
import { Progress, ProgressOptions } from '../util/progress';
import { attackEps, AttackSpec, cellCost, DefenseSpec, gridPairs, Preset, ReproduceConfig } from './config';
import { compiledWorkerScript } from '../parallel/compiled_worker';
import { writeReport } from './report';
import { backendInfo } from '../backend';
import { TaskPool } from '../parallel/task_pool';
import { workerCount } from '../parallel/worker_count';
import { cellKey, Interrupted, interruptGuard, openRunFolder, readCellFile, runMetadata, writeCellFile, writeRunJson } from './run_folder';

import { describeConventions, EvaluationInputs, loadEvaluationInputs, modelLabel } from './inputs';

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

/** Options of `runReproduce`. */
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
  /** Where messages go (failed cells, interrupts, figure export). Default: stderr. */
  log?: (line: string) => void;
  /**
   * Model and data already loaded and checked by `loadEvaluationInputs(config)` (the command does
   * this before printing its estimate). Default: loaded here. Disposed by `runReproduce` either way.
   */
  inputs?: EvaluationInputs;
  /**
   * Worker threads computing cells beside the main thread (each with its own backend; the
   * numbers are the same as with none). Default: `SAPLAB_WORKERS`, else one per idle core on
   * wasm/cpu (see `workerCount`).
   */
  workers?: number | 'auto';
  /** The compiled worker entry; default `cell_worker.js` next to this module (in `dist/reproduce/`). */
  workerScript?: string;
}

/** What `runReproduce` did: its status, the cells and the table rows. */
export interface ReproduceResult {
  status: 'complete' | 'stopped' | 'interrupted';
  outDir: string;
  cells: CellResult[];
  rows: ResultRow[];
  computed: number;
  reused: number;
  /** Worker threads used besides the main thread. */
  workers: number;
}

/** Model label of the default run (`modelLabel(config.model)` in general). */
export const MODEL_LABEL = 'fashion-cnn';

/** `true` when a protocol applies SAP or random pruning, which need a ReLU in the model. */
export function needsRelu(config: ReproduceConfig): boolean {
  return config.defenses.some((d) => d.kind === 'sap' || d.kind === 'random');
}

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
  /** The model whose gradient BPDA follows (the defense as identity in the backward pass). */
  bpda?: Model;
  /** Frees what the row holds (DWP's pruned kernels). */
  dispose: () => void;
}

/** A row on its pretrained model (`buildRow`: dense, SAP, random, the baselines), with the input conventions. */
function buildDefense(cell: CellInputs, d: DefenseSpec, seed: number): Defended {
  const ev = cell.inputs;
  const net = d.model !== undefined && d.model !== cell.config.model ? cell.extraNets.get(d.model)! : ev.net;
  const row = buildRow(net, d, seed, cell.matched);
  const model = ev.wrap(row.model);
  model.label = d.name;
  return { model, bpda: row.bpda ? ev.wrap(row.bpda) : undefined, dispose: () => (row.model.dispose?.(), row.bpda?.dispose?.()) };
}

const sleep = () => new Promise<void>((resolve) => setImmediate(resolve));

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
}

/** Loads and checks the model and the test images of a protocol (dispose with `inputs.dispose()` and the `extraNets`). */
export async function loadCellInputs(config: ReproduceConfig, loaded?: EvaluationInputs, matched: Record<string, MatchedStrength> = {}): Promise<CellInputs> {
  const inputs = loaded ?? (await loadEvaluationInputs(config, { needsRelu: needsRelu(config) }));
  const extraNets = await loadExtraModels(config);
  return { config, inputs, data: inputs.data, extraNets, matched };
}

/** One cell of the grid to compute. */
export interface CellTask {
  key: string;
  defense: DefenseSpec;
  attack?: AttackSpec;
  eps: number;
}

/** The record of a cell that failed with `error`. */
export function failedCell(task: CellTask, n: number, seconds: number, error: string): CellResult {
  const { key, defense, attack, eps } = task;
  return { key, defense: defense.name, kind: defense.kind, sampleFraction: defense.sampleFraction ?? null, attack: attack?.name ?? 'clean', eps, n, accuracy: NaN, accuracyLow: NaN, accuracyHigh: NaN, ece: NaN, mce: NaN, nll: NaN, brier: NaN, correct: '', bins: [], seconds, error };
}

/**
 * Computes one cell; `afterBatch` runs after each batch (progress, Ctrl-C checks). Every random
 * choice is reseeded from (seed, cell, batch), so any thread computes the same numbers.
 */
export async function computeCell(inputs: CellInputs, task: CellTask, afterBatch: () => Promise<void> | void): Promise<CellResult> {
  const { config, data } = inputs;
  const { key, defense, attack, eps } = task;
  const tc = Date.now();
  const batches = Math.ceil(config.n / config.batchSize);
  const defended = buildDefense(inputs, defense, config.seed);
  const stochastic = defended.model.stochastic === true;
  // A transfer attack crafts on its source defense; the examples are then evaluated on this one.
  const sourceSpec = attack?.transferFrom ? config.defenses.find((d) => d.name === attack.transferFrom) : undefined;
  const source = sourceSpec ? buildDefense(inputs, sourceSpec, config.seed) : undefined;
  const probsParts: tf.Tensor2D[] = [];
  const stats: GradientStats = { gradientCalls: 0, draws: 0, nonFiniteDraws: 0, noFiniteDraw: 0, nonFiniteLogits: 0 };
  const attackFn = attack ? buildAttack(attack, source ? source.model.stochastic === true : stochastic, (st) => addStats(stats, st)) : undefined;
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
      await afterBatch();
    }
    const probs = tf.concat(probsParts, 0) as tf.Tensor2D;
    const cal = calibration(probs, data.y, { bins: config.calibrationBins });
    const acc = accuracy(probs, data.y);
    const predicted = tf.tidy(() => tf.equal(tf.argMax(probs, 1), data.y).dataSync());
    probs.dispose();
    return {
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
    defended.dispose();
    source?.dispose();
  }
}

function defaultCellWorker(): string {
  return compiledWorkerScript(__dirname, 'reproduce', 'cell_worker.js', 'pass workerScript, or use workers: 0');
}

/** Runs (or resumes) the grid and writes the report. */
export async function runReproduce(options: ReproduceOptions): Promise<ReproduceResult> {
  const { config, outDir } = options;
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const t0 = Date.now();
  // Load and check model and data first: a bad input fails before anything is written.
  const inputs = await loadCellInputs(config, options.inputs);
  const ev = inputs.inputs;
  const setupSeconds = (Date.now() - t0) / 1000;
  let cellsDir: string;
  try {
    cellsDir = openRunFolder(outDir, config);
  } catch (e) {
    ev.dispose();
    inputs.extraNets.forEach((n) => n.dispose());
    throw e;
  }
  inputs.matched = await matchStrengths(config, inputs, outDir, log);

  const started = new Date();
  const timings: Record<string, number> = {};
  const guard = interruptGuard(log);
  timings.setup = setupSeconds;

  // The grid in order; finished cells are read back, the others computed.
  const done = new Map<string, CellResult>();
  const order: string[] = [];
  const tasks: CellTask[] = [];
  const stageOf = new Map<string, string>();
  let reused = 0;
  for (const { defense, attack } of gridPairs(config)) {
    for (const eps of attack ? attackEps(config, attack) : [0]) {
      const key = cellKey(defense.name, attack?.name ?? 'clean', eps);
      order.push(key);
      stageOf.set(key, `${defense.name} × ${attack?.name ?? 'clean'}`);
      const old = readCell(cellsDir, key);
      if (old) {
        done.set(key, old);
        reused++;
      } else tasks.push({ key, defense, attack, eps });
    }
  }
  const limit = Math.min(tasks.length, options.stopAfterCells ?? Infinity);
  const batches = Math.ceil(config.n / config.batchSize);
  const workers = tasks.length > 1 ? Math.max(0, Math.min(workerCount({ workers: options.workers, backend: backendInfo()?.choice }), limit - 1)) : 0;

  let computed = 0;
  let dispatched = 0;
  let status: ReproduceResult['status'] = 'complete';
  let stopping = false;
  const finish = (cell: CellResult) => {
    if (stopping) return; // interrupted: a cell cut short is not recorded
    if (cell.error) log(`cell ${cell.key} failed: ${cell.error}`);
    writeCellFile(cellsDir, cell.key, cell);
    done.set(cell.key, cell);
    computed++;
    const stage = stageOf.get(cell.key)!;
    timings[stage] = (timings[stage] ?? 0) + cell.seconds;
  };
  // With worker threads, the costliest cells go first (longest-processing-time order), so that no
  // thread is left with a long cell at the end while the others idle. Results stay in grid order.
  const queue = tasks.slice(0, limit);
  const cost = new Map(queue.map((t) => [t.key, cellCost(config, t.defense, t.attack)]));
  if (workers > 0) queue.sort((a, b) => cost.get(b.key)! - cost.get(a.key)!);
  // Progress counts the cells' work (cellCost), so the ETA holds whatever the order of the cells.
  const bar = new Progress(`${tasks.length} cells${workers ? ` (main thread + ${workers} worker${workers > 1 ? 's' : ''})` : ''}`, queue.reduce((a, t) => a + cost.get(t.key)!, 0), { ...options.progress, show: 'share' });
  const tick = (task: CellTask) => bar.tick(cost.get(task.key)! / batches, `(${computed}/${limit} cells done)`);
  const next = (): CellTask | undefined => (dispatched < limit ? queue[dispatched++] : undefined);
  let pool: TaskPool<CellTask, CellResult> | undefined;
  try {
    if (workers > 0) {
      pool = await TaskPool.start<CellTask, CellResult>(options.workerScript ?? defaultCellWorker(), workers, { config, backend: backendInfo()?.choice ?? 'auto', matched: inputs.matched });
    }
    // Workers take cells from the same queue as the main thread; a crashed worker fails its cell.
    const workerLoops = (pool?.workers ?? []).map(async (w) => {
      for (let task = next(); task && !stopping; task = next()) {
        const tc = Date.now();
        let cell: CellResult;
        try {
          const current = task;
          cell = await w.run(current, () => tick(current));
        } catch (e) {
          cell = failedCell(task, config.n, (Date.now() - tc) / 1000, e instanceof Error ? e.message : String(e));
        }
        finish(cell);
        if (w.crashed) return;
      }
    });
    for (let task = next(); task; task = next()) {
      const tc = Date.now();
      let cell: CellResult;
      try {
        const current = task;
        cell = await computeCell(inputs, current, async () => {
          tick(current);
          await sleep();
          guard.check();
        });
      } catch (e) {
        if (e instanceof Interrupted) throw e;
        cell = failedCell(task, config.n, (Date.now() - tc) / 1000, e instanceof Error ? e.message : String(e));
      }
      finish(cell);
    }
    await Promise.all(workerLoops);
    bar.finish();
    if (computed < tasks.length) status = 'stopped';
  } catch (e) {
    stopping = true;
    if (!(e instanceof Interrupted)) throw e;
    status = 'interrupted';
  } finally {
    stopping = true;
    await pool?.close();
    guard.dispose();
  }

  const cells = order.filter((k) => done.has(k)).map((k) => done.get(k)!);
  const rows = cellsToRows(cells, config);
  const run = {
    ...runMetadata({ status, preset: options.preset, seed: config.seed, started, cellsComputed: computed, cellsReused: reused, timings }),
    model: config.model,
    dataset: config.dataset,
    dataDir: config.dataDir,
    input: describeConventions(ev),
    sapSites: needsRelu(config) ? ev.sites : [],
  };
  if (status === 'complete') {
    writeResults(rows, path.join(outDir, 'results'));
    const tr = Date.now();
    await writeReport({ outDir, config, cells, rows, run, figures: options.figures ?? true, log });
    const extra = stochasticSections(config, cells, inputs.matched);
    if (extra) fs.appendFileSync(path.join(outDir, 'summary.md'), '\n' + extra + '\n');
    timings.report = (Date.now() - tr) / 1000;
  }
  writeRunJson(outDir, run);
  ev.dispose();
  inputs.extraNets.forEach((n) => n.dispose());
  return { status, outDir, cells, rows, computed, reused, workers };
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
  }
  return rows;
}
