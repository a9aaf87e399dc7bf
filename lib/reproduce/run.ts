/**
 * `saplab reproduce`: the paper's experiment plus the adaptive evaluation, as a grid of cells
 * (defense × attack × eps), each computed (`cell.ts`) on the grid engine (`engine.ts`), which
 * writes it atomically to `cells/` as it finishes. Rerunning with the same output folder resumes:
 * finished cells are read back, not recomputed. Every cell reseeds the model and the attack from the user seed and the cell's own
 * name, so a resumed run gives the same numbers as an uninterrupted one.
 */
import type { Preset, ReproduceConfig } from './spec';
import { matchStrengths } from './baseline_grid';
import type { ResultRow } from '../report/table';
import type { ProgressOptions } from '../util/progress';
import { cellCost, gridCells } from './grid';
import { runGrid, type GridPlanEntry } from './engine';
import { compiledWorkerScript } from '../parallel/compiled_worker';
import { cellsToRows, writeRunReport } from './report';
import { backendInfo } from '../backend';
import { TaskPool } from '../parallel/task_pool';
import { workerCount } from '../parallel/worker_count';
import { openRunFolder, runMetadata, writeRunJson } from './run_folder';
import { CellResult, CellTask, computeCell, failedCell, loadCellInputs, needsRelu } from './cell';
import { describeConventions, EvaluationInputs } from './inputs';
import { openShardFolder, shardRange, type Shard } from './shard';

export { cellKey } from './run_folder';
export { buildAttack, certifiedCurve, computeCell, failedCell, loadCellInputs, needsRelu } from './cell';
export type { CellInputs, CellResult, CellTask } from './cell';
export { cellsToRows } from './report';

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
  /**
   * Compute only this shard of the images (`shard.ts`): the cells hold its images and their
   * probabilities, `shard.json` says which, and no report is written (`saplab merge` writes it
   * from all shards). Default: the whole run.
   */
  shard?: Shard;
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
    const range = options.shard ? shardRange(config, options.shard) : undefined; // a shard the protocol cannot have fails here
    cellsDir = openRunFolder(outDir, config);
    openShardFolder(outDir, options.shard, inputs.data.y, range);
  } catch (e) {
    ev.dispose();
    inputs.extraNets.forEach((n) => n.dispose());
    throw e;
  }
  inputs.matched = await matchStrengths(config, inputs, outDir, log);

  const started = new Date();
  const range = options.shard ? shardRange(config, options.shard) : { first: 0, end: Math.ceil(config.n / config.batchSize) };
  const share = (range.end - range.first) / Math.ceil(config.n / config.batchSize);
  const plan: GridPlanEntry<CellTask>[] = gridCells(config).map((task) => ({
    key: task.key,
    task,
    stage: `${task.defense.name} × ${task.certify ? 'certify' : task.attack?.name ?? 'clean'}`,
    cost: cellCost(config, task.defense, task.attack) * share,
    steps: range.end - range.first,
  }));
  const grid = await runGrid<CellTask, CellResult>({
    cellsDir,
    plan,
    compute: (task, step) => computeCell(inputs, task, step, options.shard),
    failed: (entry, seconds, error) => failedCell(entry.task, config.n, seconds, error),
    stopAfterCells: options.stopAfterCells,
    workerCount: () => workerCount({ workers: options.workers, backend: backendInfo()?.choice }),
    startWorkers: (count) => TaskPool.start<CellTask, CellResult>(options.workerScript ?? defaultCellWorker(), count, { config, backend: backendInfo()?.choice ?? 'auto', matched: inputs.matched, shard: options.shard }),
    progress: options.progress,
    log,
  });
  const { status, cells, computed, reused, workers } = grid;
  const timings: Record<string, number> = { setup: setupSeconds, ...grid.timings };
  const rows = cellsToRows(cells, config);
  const run = {
    ...runMetadata({ status, preset: options.preset, seed: config.seed, started, cellsComputed: computed, cellsReused: reused, timings }),
    model: config.model,
    dataset: config.dataset,
    dataDir: config.dataDir,
    input: describeConventions(ev),
    sapSites: needsRelu(config) ? ev.sites : [],
    ...(options.shard ? { shard: options.shard } : {}),
  };
  if (status === 'complete' && !options.shard) {
    const tr = Date.now();
    await writeRunReport({ outDir, config, cells, rows, run, figures: options.figures ?? true, log, matched: inputs.matched });
    timings.report = (Date.now() - tr) / 1000;
  }
  writeRunJson(outDir, run);
  ev.dispose();
  inputs.extraNets.forEach((n) => n.dispose());
  return { status, outDir, cells, rows, computed, reused, workers };
}
