import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { joinRows, splitBatches, BatchRange } from '../../lib/parallel/batch_ranges';
import { TaskPool } from '../../lib/parallel/task_pool';

// A worker computing a range like `rangeValues`, tagging its rows with thread 1; fails from batch 13 on.
const SCRIPT = `
const { parentPort } = require('worker_threads');
parentPort.on('message', ({ id, task }) => {
  if (task.end > 13) return parentPort.postMessage({ id, error: 'batch ' + task.first });
  const out = new Float32Array(task.end - task.first);
  for (let b = task.first; b < task.end; b++) out[b - task.first] = b * b;
  parentPort.postMessage({ id, result: { values: out, thread: 1 } });
});
parentPort.postMessage({ id: 0 });
`;

interface Part {
  values: Float32Array;
  thread: number;
}

function rangeValues(r: BatchRange): Part {
  const out = new Float32Array(r.end - r.first);
  for (let b = r.first; b < r.end; b++) out[b - r.first] = b * b;
  return { values: out, thread: 0 };
}

function script(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ranges-')), 'worker.js');
  fs.writeFileSync(file, SCRIPT);
  return file;
}

describe('splitBatches', () => {
  it('covers every batch once, in order, on the main thread alone', async () => {
    const seen: number[][] = [];
    const parts = await splitBatches<BatchRange, Part>({ batches: 7, chunk: 3, main: rangeValues, task: (r) => r, onProgress: (d, t) => seen.push([d, t]) });
    expect(parts.map((p) => [p.range.first, p.range.end])).toEqual([[0, 3], [3, 6], [6, 7]]);
    expect(Array.from(joinRows(parts.map((p) => p.result.values)))).toEqual([0, 1, 4, 9, 16, 25, 36]);
    expect(seen).toEqual([[3, 7], [6, 7], [7, 7]]);
    expect(await splitBatches({ batches: 0, main: rangeValues, task: (r) => r })).toEqual([]);
  });

  it('gives the same results with workers, which take ranges from the same queue', async () => {
    const one = await splitBatches<BatchRange, Part>({ batches: 12, main: rangeValues, task: (r) => r });
    for (const count of [1, 2]) {
      const pool = await TaskPool.start<BatchRange, Part>(script(), count, null);
      try {
        const parts = await splitBatches<BatchRange, Part>({ batches: 12, pool, main: rangeValues, task: (r) => r });
        expect(parts.map((p) => p.range)).toEqual(one.map((p) => p.range));
        expect(Array.from(joinRows(parts.map((p) => p.result.values)))).toEqual(Array.from(joinRows(one.map((p) => p.result.values))));
        // The workers did part of the work (the main thread yields after each range).
        expect(parts.some((p) => p.result.thread === 1)).toBe(true);
      } finally {
        await pool.close();
      }
    }
  });

  it('rejects with the failing range after the other threads finish, and checks its arguments', async () => {
    const pool = await TaskPool.start<BatchRange, Part>(script(), 1, null);
    try {
      // The main thread is slow on its ranges, so the worker gets some batch from 13 on.
      const slow = (r: BatchRange) => {
        const t = Date.now() + 20;
        while (Date.now() < t);
        return rangeValues(r);
      };
      await expect(splitBatches<BatchRange, Part>({ batches: 20, pool, main: slow, task: (r) => r })).rejects.toThrow(/worker 1 of 1 failed on batches (1[3-9])-\1: batch \1$/);
      expect(await pool.workers[0].run({ first: 2, end: 3 })).toMatchObject({ thread: 1 }); // still usable
      await expect(splitBatches<BatchRange, Part>({ batches: 4, pool, main: () => { throw new Error('main failed'); }, task: (r) => r })).rejects.toThrow('main failed');
    } finally {
      await pool.close();
    }
    await expect(splitBatches({ batches: -1, main: rangeValues, task: (r) => r })).rejects.toThrow(/batches must be a non-negative integer/);
    await expect(splitBatches({ batches: 3, chunk: 0, main: rangeValues, task: (r) => r })).rejects.toThrow(/chunk must be a positive integer/);
  });
});

describe('joinRows', () => {
  it('joins arrays in order', () => {
    expect(Array.from(joinRows([new Float32Array([1, 2]), new Float32Array([]), new Float32Array([3])]))).toEqual([1, 2, 3]);
  });
});
