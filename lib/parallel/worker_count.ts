/**
 * How many worker threads to use: an explicit number, `SAPLAB_WORKERS`, or automatically one per
 * idle core. Worker threads pay only where each has a core of its own and the backend runs on one
 * thread (wasm and cpu in Node); the native TensorFlow backends use every core already.
 */
import * as os from 'os';

/** Options of `workerCount`. */
export interface WorkerCountOptions {
  /** A number of workers (0: none), or `'auto'`. Default: `SAPLAB_WORKERS`, else `'auto'`. */
  workers?: number | 'auto';
  /** The active backend choice (`wasm`, `cpu`, `tensorflow`, ...); `auto` picks 0 for others. */
  backend?: string;
  /** Cores and 1-minute load (defaults: `os.cpus().length`, `os.loadavg()[0]`), for tests. */
  cpus?: number;
  load?: number;
}

/** Parses `SAPLAB_WORKERS` / `--workers`: a non-negative integer or `auto`. */
export function parseWorkers(value: string | number | undefined, source: string): number | 'auto' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'auto') return 'auto';
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${source} must be a non-negative integer or auto, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The number of worker threads to start besides the main thread. `auto`: one per core left idle
 * by the current load (the 1-minute load average, rounded down), at most `cpus - 1`, and 0 on
 * backends other than wasm and cpu.
 */
export function workerCount(options: WorkerCountOptions = {}): number {
  const requested = options.workers ?? parseWorkers(process.env.SAPLAB_WORKERS, 'SAPLAB_WORKERS') ?? 'auto';
  if (requested !== 'auto') return requested;
  if (options.backend !== undefined && options.backend !== 'wasm' && options.backend !== 'cpu') return 0;
  const cpus = options.cpus ?? os.cpus().length;
  const load = options.load ?? os.loadavg()[0];
  return Math.max(0, Math.min(cpus - 1, Math.floor(cpus - load)));
}
