/**
 * Throughput of the default reproduction protocol: the whole `default` grid (every defense ×
 * attack × eps cell, predictions included) on the first `n` test images, once on the main thread
 * alone and once with worker threads, reported as images of the protocol per second. Both runs
 * must give the same cells (the check that worker threads do not change numbers).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildConfig } from '../reproduce/config';
import { runReproduce, ReproduceResult } from '../reproduce/run';

/** Options of the default-protocol throughput benchmark. */
export interface ThroughputOptions {
  /** Test images (the protocol's batch size is capped at `n`). Default 16. */
  n?: number;
  /** Worker threads for the second run. Default `os.cpus().length - 1` (at least 1). */
  workers?: number;
  /** Compiled cell worker (default: the one in `dist/reproduce/`). */
  workerScript?: string;
  /** Where progress lines go. */
  log?: (line: string) => void;
}

/** One timed run of the throughput benchmark. */
interface ThroughputRun {
  threads: number;
  seconds: number;
  imagesPerSecond: number;
}

/** Images per second of the default protocol, on one thread and with workers. */
export interface ThroughputReport {
  preset: 'default';
  n: number;
  cells: number;
  oneThread: ThroughputRun;
  workers: ThroughputRun;
  /** `workers.imagesPerSecond / oneThread.imagesPerSecond`. */
  speedup: number;
  /** Whether both runs gave the same cells (all but the timings). */
  identical: boolean;
}

/** Runs the default protocol on `n` images with and without worker threads. */
export async function measureThroughput(options: ThroughputOptions = {}): Promise<ThroughputReport> {
  const n = options.n ?? 16;
  if (!Number.isInteger(n) || n < 1) throw new Error(`throughput n must be a positive integer, got ${n}`);
  const workers = options.workers ?? Math.max(1, os.cpus().length - 1);
  const base = buildConfig('default', { n });
  const config = { ...base, batchSize: Math.min(base.batchSize, n) };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-throughput-'));
  const once = async (w: number): Promise<{ result: ReproduceResult; seconds: number }> => {
    options.log?.(`default protocol on ${n} images, main thread${w ? ` + ${w} worker(s)` : ' only'}`);
    const t0 = performance.now();
    const result = await runReproduce({ config, preset: 'default', outDir: path.join(tmp, `w${w}`), workers: w, workerScript: options.workerScript, figures: false, progress: { mode: 'off' }, log: () => undefined });
    return { result, seconds: (performance.now() - t0) / 1000 };
  };
  try {
    const a = await once(0);
    const b = await once(workers);
    const strip = (r: ReproduceResult) => JSON.stringify(r.cells.map(({ seconds: _s, ...c }) => c));
    const run = (threads: number, seconds: number): ThroughputRun => ({ threads, seconds: Math.round(seconds * 100) / 100, imagesPerSecond: Math.round((n / seconds) * 1000) / 1000 });
    const oneThread = run(1, a.seconds);
    const withWorkers = run(1 + b.result.workers, b.seconds);
    return { preset: 'default', n, cells: a.result.cells.length, oneThread, workers: withWorkers, speedup: Math.round((a.seconds / b.seconds) * 100) / 100, identical: strip(a.result) === strip(b.result) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
