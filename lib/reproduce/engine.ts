/**
 * The grid engine every experiment runs on (`saplab reproduce`, its presets, `saplab rl
 * evaluate`): a plan of cells in grid order → cells already in `cells/` read back, the others
 * computed (on the main thread and, when given, on worker threads taking cells from the same
 * queue) → each written atomically to `cells/<key>.json` as it finishes → Ctrl-C stops after the
 * current step, keeping the finished cells; a rerun into the same folder resumes. A cell that
 * throws is recorded as failed and the run goes on. The caller opens the run folder, computes a
 * cell from its task, and writes the report from the cells the engine returns.
 */
import { Progress, type ProgressOptions } from '../util/progress';
import { Interrupted, interruptGuard, readCellFile, writeCellFile } from './run_folder';

/** A cell's record as the engine stores it: its key, its time, and an error if it failed. */
export interface GridCell {
  /** File name in `cells/` (see `cellKey`). */
  key: string;
  /** Seconds spent computing the cell. */
  seconds: number;
  /** Set when the cell failed; a failed cell counts as not finished and is recomputed on resume. */
  error?: string;
}

/** One cell of the plan: the task to compute and how it is accounted for. */
export interface GridPlanEntry<T> {
  /** File name in `cells/`. */
  key: string;
  /** What the caller's `compute` receives. */
  task: T;
  /** The cell's stage in `run.json`'s timings, e.g. `SAP-100 × PGD-EOT`. */
  stage: string;
  /** The cell's work in any unit shared by the plan (the progress bar and the order of workers use it). Default 1. */
  cost?: number;
  /** How many times `compute` calls its `step` callback (batches, game steps). Default 1. */
  steps?: number;
}

/** One worker thread of a `GridWorkerPool`. */
interface GridWorker<T, C> {
  /** Computes a task on the worker, calling `onStep` as the worker reports steps. */
  run(task: T, onStep: () => void): Promise<C>;
  /** Set once the worker is gone (its loop then stops taking cells). */
  readonly crashed?: unknown;
}

/** Worker threads computing cells beside the main thread. */
export interface GridWorkerPool<T, C> {
  /** One entry per worker. */
  workers: GridWorker<T, C>[];
  /** Ends the workers. */
  close(): Promise<void>;
}

/** Options of `runGrid`. */
interface RunGridOptions<T, C extends GridCell> {
  /** The run folder's `cells/` (from `openRunFolder`). */
  cellsDir: string;
  /** Every cell of the grid, in the order of the report. */
  plan: GridPlanEntry<T>[];
  /**
   * Computes one cell on the main thread; `step` is awaited after each step (progress, a chance
   * for Ctrl-C, which makes it throw `Interrupted`).
   */
  compute: (task: T, step: () => Promise<void>) => Promise<C>;
  /** The record of a cell that threw `error` after `seconds`. */
  failed: (entry: GridPlanEntry<T>, seconds: number, error: string) => C;
  /** Stop after computing this many new cells (tests of resuming). Default: no limit. */
  stopAfterCells?: number;
  /** How many worker threads to use for `pending` cells. Default: none. */
  workerCount?: (pending: number) => number;
  /** Starts `count` workers (called only when `workerCount` gives more than 0). */
  startWorkers?: (count: number) => Promise<GridWorkerPool<T, C>>;
  progress?: ProgressOptions;
  /** Where messages go (failed cells, interrupts). */
  log: (line: string) => void;
}

/** What `runGrid` did. */
interface GridRun<C> {
  /** `complete`: every cell finished; `stopped`: `stopAfterCells` reached; `interrupted`: Ctrl-C. */
  status: 'complete' | 'stopped' | 'interrupted';
  /** The finished cells (failed ones included), in plan order. */
  cells: C[];
  /** Cells computed by this call. */
  computed: number;
  /** Cells read back from `cells/`. */
  reused: number;
  /** Worker threads used besides the main thread. */
  workers: number;
  /** Seconds per stage (summed over its computed cells). */
  timings: Record<string, number>;
}

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs (or resumes) the cells of a plan in a run folder; see the file comment. */
export async function runGrid<T, C extends GridCell>(options: RunGridOptions<T, C>): Promise<GridRun<C>> {
  const { cellsDir, plan, log } = options;
  const guard = interruptGuard(log);
  const timings: Record<string, number> = {};
  const done = new Map<string, C>();
  const tasks: GridPlanEntry<T>[] = [];
  let reused = 0;
  for (const entry of plan) {
    const old = readCellFile<C>(cellsDir, entry.key);
    if (old) {
      done.set(entry.key, old);
      reused++;
    } else tasks.push(entry);
  }
  const limit = Math.min(tasks.length, options.stopAfterCells ?? Infinity);
  const workers = tasks.length > 1 && options.startWorkers ? Math.max(0, Math.min(options.workerCount?.(tasks.length) ?? 0, limit - 1)) : 0;

  let computed = 0;
  let dispatched = 0;
  let status: GridRun<C>['status'] = 'complete';
  let stopping = false;
  const finish = (entry: GridPlanEntry<T>, cell: C) => {
    if (stopping) return; // interrupted: a cell cut short is not recorded
    if (cell.error) log(`cell ${cell.key} failed: ${cell.error}`);
    writeCellFile(cellsDir, cell.key, cell);
    done.set(cell.key, cell);
    computed++;
    timings[entry.stage] = (timings[entry.stage] ?? 0) + cell.seconds;
  };
  const errorOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
  // With worker threads, the costliest cells go first (longest-processing-time order), so that no
  // thread is left with a long cell at the end while the others idle. Results stay in plan order.
  const queue = tasks.slice(0, limit);
  const cost = (e: GridPlanEntry<T>) => e.cost ?? 1;
  if (workers > 0) queue.sort((a, b) => cost(b) - cost(a));
  // Progress counts the cells' work, so the ETA holds whatever the order of the cells.
  const bar = new Progress(`${tasks.length} cells${workers ? ` (main thread + ${workers} worker${workers > 1 ? 's' : ''})` : ''}`, queue.reduce((a, e) => a + cost(e), 0), { ...options.progress, show: 'share' });
  const tick = (e: GridPlanEntry<T>) => bar.tick(cost(e) / (e.steps ?? 1), `(${computed}/${limit} cells done)`);
  const next = (): GridPlanEntry<T> | undefined => (dispatched < limit ? queue[dispatched++] : undefined);
  let pool: GridWorkerPool<T, C> | undefined;
  try {
    if (workers > 0) pool = await options.startWorkers!(workers);
    // Workers take cells from the same queue as the main thread; a crashed worker fails its cell.
    const workerLoops = (pool?.workers ?? []).map(async (w) => {
      for (let entry = next(); entry && !stopping; entry = next()) {
        const tc = Date.now();
        const current = entry;
        let cell: C;
        try {
          cell = await w.run(current.task, () => tick(current));
        } catch (e) {
          cell = options.failed(current, (Date.now() - tc) / 1000, errorOf(e));
        }
        finish(current, cell);
        if (w.crashed) return;
      }
    });
    for (let entry = next(); entry; entry = next()) {
      const tc = Date.now();
      const current = entry;
      let cell: C;
      try {
        cell = await options.compute(current.task, async () => {
          tick(current);
          await yieldToEvents();
          guard.check();
        });
      } catch (e) {
        if (e instanceof Interrupted) throw e;
        cell = options.failed(current, (Date.now() - tc) / 1000, errorOf(e));
      }
      finish(current, cell);
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
  const cells = plan.filter((e) => done.has(e.key)).map((e) => done.get(e.key)!);
  return { status, cells, computed, reused, workers, timings };
}
