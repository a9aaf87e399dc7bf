import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TaskPool } from '../../lib/parallel/task_pool';
import { busyCores, parseWorkers, workerCount } from '../../lib/parallel/worker_count';

// A worker that doubles numbers, reports progress, fails on negative input and exits on 13.
const SCRIPT = `
const { parentPort } = require('worker_threads');
parentPort.on('message', ({ id, task }) => {
  if (task === 13) process.exit(7);
  if (task === 99) return; // never answers
  parentPort.postMessage({ id, progress: task });
  if (task < 0) parentPort.postMessage({ id, error: 'negative ' + task });
  else parentPort.postMessage({ id, result: 2 * task });
});
parentPort.postMessage({ id: 0 });
`;

function script(text = SCRIPT): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-'));
  const file = path.join(dir, 'worker.js');
  fs.writeFileSync(file, text);
  return file;
}

describe('TaskPool', () => {
  it('runs tasks with progress, rejects with a task error and keeps the worker', async () => {
    const pool = await TaskPool.start<number, number>(script(), 2, null);
    const seen: unknown[] = [];
    expect(await pool.workers[0].run(4, (p) => seen.push(p))).toBe(8);
    expect(seen).toEqual([4]);
    await expect(pool.workers[1].run(-1)).rejects.toThrow('negative -1');
    expect(await pool.workers[1].run(5)).toBe(10);
    await pool.close();
  });

  it('fails the running task of a crashed worker with the crash, and close() ends every thread', async () => {
    const pool = await TaskPool.start<number, number>(script(), 2, null);
    const exits = pool.workers.map((w) => new Promise<number>((resolve) => w.thread.once('exit', resolve)));
    await expect(pool.workers[0].run(13)).rejects.toThrow(/exited with code 7/);
    expect(pool.workers[0].crashed).toBeDefined();
    await expect(pool.workers[0].run(1)).rejects.toThrow(/exited with code 7/);
    const hanging = pool.workers[1].run(99);
    await pool.close();
    await expect(hanging).rejects.toThrow(/exited/);
    expect((await Promise.all(exits)).length).toBe(2);
  });

  it('reports a worker that fails to start and stops the others', async () => {
    await expect(TaskPool.start(script(`throw new Error('boom')`), 2, null)).rejects.toThrow(/failed to start: boom/);
  });
});

describe('workerCount', () => {
  it('uses an explicit number, SAPLAB_WORKERS, or one per idle core on wasm/cpu', () => {
    expect(workerCount({ workers: 3 })).toBe(3);
    expect(workerCount({ workers: 0, cpus: 8, load: 0 })).toBe(0);
    expect(workerCount({ workers: 'auto', cpus: 2, load: 0.3, backend: 'wasm' })).toBe(1);
    expect(workerCount({ workers: 'auto', cpus: 2, load: 1.2, backend: 'wasm' })).toBe(0);
    expect(workerCount({ workers: 'auto', cpus: 8, load: 2.5, backend: 'cpu' })).toBe(5);
    expect(workerCount({ workers: 'auto', cpus: 8, load: 0, backend: 'tensorflow' })).toBe(0);
    // Another process on most of one core of two: the main thread takes the other, no worker.
    expect(workerCount({ workers: 'auto', cpus: 2, load: 0.6, backend: 'wasm' })).toBe(0);
    const old = process.env.SAPLAB_WORKERS;
    try {
      process.env.SAPLAB_WORKERS = '0';
      expect(workerCount({ cpus: 8, load: 0, backend: 'wasm' })).toBe(0);
      process.env.SAPLAB_WORKERS = '2';
      expect(workerCount({ cpus: 1, load: 5 })).toBe(2);
    } finally {
      if (old === undefined) delete process.env.SAPLAB_WORKERS;
      else process.env.SAPLAB_WORKERS = old;
    }
    expect(parseWorkers('auto', 'x')).toBe('auto');
    expect(() => parseWorkers('-1', '--workers')).toThrow(/--workers must be a non-negative integer/);
    expect(() => parseWorkers('two', 'SAPLAB_WORKERS')).toThrow(/SAPLAB_WORKERS/);
  });
});

describe('busyCores', () => {
  it('counts a core kept busy by another process (and not this one while it waits)', async () => {
    const { spawn } = await import('child_process');
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 3000; while (Date.now() < end);'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const busy = busyCores(400);
      expect(busy).toBeGreaterThan(0.4);
      expect(busy).toBeLessThanOrEqual(os.cpus().length + 1e-9);
      expect(() => busyCores(0)).toThrow(/windowMs must be a positive number/);
    } finally {
      child.kill();
    }
  });
});
