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
  /** Cores (default `os.cpus().length`), for tests. */
  cpus?: number;
  /** Cores kept busy by other work (default: measured now, `busyCores()`), for tests. */
  load?: number;
}

/**
 * Cores kept busy by other processes, measured over `windowMs` (default 250) from the machine's
 * CPU times while this thread waits. Unlike the load average it does not lag: right after a long
 * job the machine reads idle, and a job that has just started reads busy.
 */
export function busyCores(windowMs = 250): number {
  if (!(Number.isFinite(windowMs) && windowMs > 0)) throw new Error(`busyCores: windowMs must be a positive number of milliseconds, got ${windowMs}`);
  const total = () => {
    const cores = os.cpus();
    let all = 0;
    let idle = 0;
    for (const { times: t } of cores) {
      all += t.user + t.nice + t.sys + t.idle + t.irq;
      idle += t.idle;
    }
    return { all, idle, cpus: cores.length };
  };
  const a = total();
  const own = process.cpuUsage();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, windowMs);
  const b = total();
  const ownUsage = process.cpuUsage(own);
  const ownMs = (ownUsage.user + ownUsage.system) / 1000;
  const all = b.all - a.all;
  if (all <= 0) return os.loadavg()[0];
  const cpus = b.cpus;
  const busyMs = (1 - (b.idle - a.idle) / all) * cpus * windowMs;
  return Math.max(0, (busyMs - ownMs) / windowMs);
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
 * The number of worker threads to start besides the main thread. `auto`: the cores other work
 * leaves idle (`busyCores()`, measured now), less the one the main thread takes, rounded to the
 * nearest core; at most `cpus - 1`, and 0 on backends other than wasm and cpu.
 */
export function workerCount(options: WorkerCountOptions = {}): number {
  const requested = options.workers ?? parseWorkers(process.env.SAPLAB_WORKERS, 'SAPLAB_WORKERS') ?? 'auto';
  if (requested !== 'auto') return requested;
  if (options.backend !== undefined && options.backend !== 'wasm' && options.backend !== 'cpu') return 0;
  const cpus = options.cpus ?? os.cpus().length;
  const load = options.load ?? busyCores();
  return Math.max(0, Math.min(cpus - 1, Math.floor(cpus - load + 0.5) - 1));
}
