/**
 * `saplab reproduce`: the paper's experiment plus the adaptive evaluation, as a grid of cells
 * (defense × attack × eps), each computed (`cell.ts`), then written atomically to `cells/` as it
 * finishes. Rerunning with the same output folder resumes: finished cells are read back, not
 * recomputed. Every cell reseeds the model and the attack from the user seed and the cell's own
 * name, so a resumed run gives the same numbers as an uninterrupted one.
 */
import type { Preset, ReproduceConfig } from './spec';
import { matchStrengths } from './baseline_grid';
import type { ResultRow } from '../report/table';
import { Progress, ProgressOptions } from '../util/progress';
import { attackEps, cellCost, gridPairs } from './grid';
import { compiledWorkerScript } from '../parallel/compiled_worker';
import { cellsToRows, writeRunReport } from './report';
import { backendInfo } from '../backend';
import { TaskPool } from '../parallel/task_pool';
import { workerCount } from '../parallel/worker_count';
import { cellKey, Interrupted, interruptGuard, openRunFolder, readCellFile, runMetadata, writeRunJson, writeCellFile } from './run_folder';
import { CellResult, CellTask, computeCell, failedCell, loadCellInputs, needsRelu } from './cell';
import { describeConventions, EvaluationInputs } from './inputs';

export { cellKey } from './run_folder';
export { buildAttack, computeCell, failedCell, loadCellInputs, needsRelu } from './cell';
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

const sleep = () => new Promise<void>((resolve) => setImmediate(resolve));
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
    const tr = Date.now();
    await writeRunReport({ outDir, config, cells, rows, run, figures: options.figures ?? true, log, matched: inputs.matched });
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
