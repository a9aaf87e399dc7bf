/**
 * A pool of worker threads that run tasks one at a time each: `run(worker, task)` posts a task and
 * resolves with its result. A worker reports progress with `{ id, progress }` messages and ends a
 * task with `{ id, result }` or `{ id, error }`. A worker that crashes (exits or throws outside a
 * task) rejects its running task with the crash as the error and is not used again; `close()`
 * terminates every worker, so no thread outlives the pool.
 *
 * The worker script must post `{ id: 0 }` when it is ready (or `{ id: 0, error }`), then answer
 * `{ id, task }` messages; see `lib/reproduce/cell_worker.ts`.
 */
import { Worker } from 'worker_threads';

interface Reply<R> {
  id: number;
  result?: R;
  error?: string;
  progress?: unknown;
}

interface Running<R> {
  id: number;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
  onProgress?: (p: unknown) => void;
}

/** One worker thread of a `TaskPool`. */
class PoolWorker<T, R> {
  private next = 1;
  private running: Running<R> | undefined;
  /** Set once the thread has exited or failed. */
  crashed: Error | undefined;

  constructor(readonly thread: Worker) {
    thread.on('message', (r: Reply<R>) => {
      const run = this.running;
      if (!run || r.id !== run.id) return;
      if (r.progress !== undefined) {
        run.onProgress?.(r.progress);
        return;
      }
      this.running = undefined;
      if (r.error !== undefined) run.reject(new Error(r.error));
      else run.resolve(r.result as R);
    });
    const fail = (e: Error) => {
      this.crashed ??= e;
      const run = this.running;
      this.running = undefined;
      run?.reject(e);
    };
    thread.on('error', (e) => fail(new Error(`worker thread crashed: ${e instanceof Error ? e.message : String(e)}`)));
    thread.on('exit', (code) => fail(new Error(`worker thread exited with code ${code}`)));
  }

  /** Runs one task; rejects with the task's error or with the crash of the thread. */
  run(task: T, onProgress?: (p: unknown) => void): Promise<R> {
    if (this.crashed) return Promise.reject(this.crashed);
    if (this.running) return Promise.reject(new Error('worker is busy'));
    const id = this.next++;
    return new Promise<R>((resolve, reject) => {
      this.running = { id, resolve, reject, onProgress };
      this.thread.postMessage({ id, task });
    });
  }
}

function waitReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: Reply<unknown>) => {
      if (r.id !== 0) return;
      done();
      if (r.error) reject(new Error(`worker failed to start: ${r.error}`));
      else resolve();
    };
    const onError = (e: Error) => {
      done();
      reject(new Error(`worker failed to start: ${e.message}`));
    };
    const onExit = (code: number) => {
      done();
      reject(new Error(`worker exited with code ${code} while starting`));
    };
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** Worker threads running `script`, each started with `workerData`. */
export class TaskPool<T, R> {
  private closed = false;
  private constructor(readonly workers: PoolWorker<T, R>[]) {}

  /** Starts `count` workers and waits until each is ready (all are stopped if one fails). */
  static async start<T, R>(script: string, count: number, workerData: unknown): Promise<TaskPool<T, R>> {
    const threads = Array.from({ length: count }, () => new Worker(script, { workerData }));
    try {
      await Promise.all(threads.map(waitReady));
    } catch (e) {
      await Promise.all(threads.map((t) => t.terminate()));
      throw e;
    }
    return new TaskPool<T, R>(threads.map((t) => new PoolWorker<T, R>(t)));
  }

  /** Terminates every worker (running tasks are rejected). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.thread.terminate()));
  }
}
