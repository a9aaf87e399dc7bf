/**
 * The unit of parallel work: a range of batches `[first, end)` of a run whose batches are each the
 * unit of randomness (seeded by the batch's index in the whole run, never by what a thread computed
 * before), so a batch gives the same numbers whichever thread, process or machine computes it.
 * `splitBatches` hands a run's batches to the main thread and the workers of a `TaskPool` from one
 * queue and returns their results in batch order: any number of workers gives the numbers of one
 * thread. `saplab reproduce` splits its cells' batches the same way over processes and machines
 * (`--shard`, `lib/reproduce/shard.ts`); `saplab evaluate` and the benchmark over threads.
 */
import type { TaskPool } from './task_pool';

/** Batches `first, first + 1, …, end - 1` of a run. */
export interface BatchRange {
  first: number;
  end: number;
}

/** Options of `splitBatches`. */
export interface SplitBatchesOptions<T, R> {
  /** Batches of the run (indices `0 … batches - 1`). */
  batches: number;
  /** Batches handed out at a time (a task). Default 1. */
  chunk?: number;
  /** Workers taking tasks beside the main thread; none (default): every range on the main thread. */
  pool?: TaskPool<T, R>;
  /** Computes a range on the main thread (the same numbers a worker computes for `task(range)`). */
  main: (range: BatchRange) => R;
  /** The worker task of a range. */
  task: (range: BatchRange) => T;
  /** Called with (batches done, batches total) after each range. */
  onProgress?: (done: number, total: number) => void;
}

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Computes the ranges of `batches` (each `chunk` batches long) on the main thread and the pool's
 * workers, each thread taking the next range when it is free; returns one result per range, in
 * batch order. A failed task (or crashed worker) stops handing out ranges and rejects, after the
 * other threads' running ranges have finished; the caller closes the pool.
 */
export async function splitBatches<T, R>(options: SplitBatchesOptions<T, R>): Promise<{ range: BatchRange; result: R }[]> {
  const { batches, pool } = options;
  const chunk = options.chunk ?? 1;
  if (!Number.isInteger(batches) || batches < 0) throw new Error(`splitBatches: batches must be a non-negative integer, got ${batches}`);
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`splitBatches: chunk must be a positive integer, got ${chunk}`);
  const ranges: BatchRange[] = [];
  for (let first = 0; first < batches; first += chunk) ranges.push({ first, end: Math.min(batches, first + chunk) });
  const results: R[] = new Array(ranges.length);
  let next = 0;
  let done = 0;
  let failure: Error | undefined;
  const finished = (i: number, r: R) => {
    results[i] = r;
    done += ranges[i].end - ranges[i].first;
    options.onProgress?.(done, batches);
  };
  const take = () => (failure === undefined && next < ranges.length ? next++ : undefined);
  const workerLoops = (pool?.workers ?? []).map(async (w, k) => {
    for (let i = take(); i !== undefined; i = take()) {
      try {
        finished(i, await w.run(options.task(ranges[i])));
      } catch (e) {
        failure ??= new Error(`worker ${k + 1} of ${pool!.workers.length} failed on batches ${ranges[i].first}-${ranges[i].end - 1}: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
    }
  });
  try {
    for (let i = take(); i !== undefined; i = take()) {
      finished(i, options.main(ranges[i]));
      // Let the workers' replies in, so that they get their next range while this thread works.
      if (pool) await yieldToEvents();
    }
  } catch (e) {
    failure ??= e instanceof Error ? e : new Error(String(e));
  }
  await Promise.all(workerLoops);
  if (failure) throw failure;
  return ranges.map((range, i) => ({ range, result: results[i] }));
}

/** The ranges' results (rows of values, in batch order) joined into one array. */
export function joinRows(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
