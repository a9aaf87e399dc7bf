import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runGrid, type GridCell, type GridPlanEntry, type GridWorkerPool } from '../../lib/reproduce/engine';
import { openRunFolder } from '../../lib/reproduce/run_folder';

interface Task {
  x: number;
}
interface Cell extends GridCell {
  y: number;
}

const quiet = { progress: { mode: 'off' as const }, log: () => {} };
const plan = (n: number): GridPlanEntry<Task>[] => Array.from({ length: n }, (_, i) => ({ key: `c${i}`, task: { x: i }, stage: i % 2 ? 'odd' : 'even', cost: i + 1, steps: 2 }));
/** A cell: y = x², two steps. */
const compute = async (t: Task, step: () => Promise<void>): Promise<Cell> => {
  await step();
  await step();
  return { key: `c${t.x}`, y: t.x * t.x, seconds: 0.5 };
};
const failed = (e: GridPlanEntry<Task>, seconds: number, error: string): Cell => ({ key: e.key, y: NaN, seconds, error });
const folder = () => openRunFolder(fs.mkdtempSync(path.join(os.tmpdir(), 'engine-')), { protocol: 'test' });

describe('runGrid', () => {
  it('computes every cell in plan order, writes each to cells/, resumes after a stop with the same cells', async () => {
    const whole = await runGrid<Task, Cell>({ cellsDir: folder(), plan: plan(5), compute, failed, ...quiet });
    expect(whole.status).toBe('complete');
    expect(whole.cells.map((c) => c.y)).toEqual([0, 1, 4, 9, 16]);
    expect(whole.timings).toEqual({ even: 1.5, odd: 1 });
    const dir = folder();
    const stopped = await runGrid<Task, Cell>({ cellsDir: dir, plan: plan(5), compute, failed, stopAfterCells: 2, ...quiet });
    expect(stopped).toMatchObject({ status: 'stopped', computed: 2, reused: 0 });
    expect(fs.readdirSync(dir).sort()).toEqual(['c0.json', 'c1.json']);
    const resumed = await runGrid<Task, Cell>({ cellsDir: dir, plan: plan(5), compute, failed, ...quiet });
    expect(resumed).toMatchObject({ status: 'complete', computed: 3, reused: 2 });
    expect(resumed.cells).toEqual(whole.cells);
  });

  it('records a cell that throws as failed, goes on, and recomputes it on resume', async () => {
    const dir = folder();
    const lines: string[] = [];
    let fail = true;
    const flaky = async (t: Task, step: () => Promise<void>) => {
      if (t.x === 1 && fail) throw new Error('boom');
      return compute(t, step);
    };
    const first = await runGrid<Task, Cell>({ cellsDir: dir, plan: plan(3), compute: flaky, failed, ...quiet, log: (l) => lines.push(l) });
    expect(first.status).toBe('complete');
    expect(first.cells.map((c) => c.error ?? c.y)).toEqual([0, 'boom', 4]);
    expect(lines).toEqual(['cell c1 failed: boom']);
    fail = false;
    const again = await runGrid<Task, Cell>({ cellsDir: dir, plan: plan(3), compute: flaky, failed, ...quiet });
    expect(again).toMatchObject({ computed: 1, reused: 2 });
    expect(again.cells.map((c) => c.y)).toEqual([0, 1, 4]);
  });

  it('Ctrl-C stops after the current step: the finished cells are kept, the cut one is not, and a rerun completes', async () => {
    const dir = folder();
    let steps = 0;
    const interrupting = async (t: Task, step: () => Promise<void>) => {
      if (++steps === 3) process.emit('SIGINT', 'SIGINT'); // as the third cell starts
      return compute(t, step);
    };
    const cut = await runGrid<Task, Cell>({ cellsDir: dir, plan: plan(4), compute: interrupting, failed, ...quiet });
    expect(cut.status).toBe('interrupted');
    expect(cut.cells.map((c) => c.key)).toEqual(['c0', 'c1']);
    expect(fs.readdirSync(dir).sort()).toEqual(['c0.json', 'c1.json']);
    const rest = await runGrid<Task, Cell>({ cellsDir: dir, plan: plan(4), compute, failed, ...quiet });
    expect(rest).toMatchObject({ status: 'complete', computed: 2, reused: 2 });
  });

  it('workers take the costliest cells first from the shared queue; a crashed worker fails its cell', async () => {
    const dir = folder();
    const seen: number[] = [];
    let crashed: Error | undefined;
    const pool: GridWorkerPool<Task, Cell> = {
      workers: [
        {
          get crashed() {
            return crashed;
          },
          async run(t: Task, onStep: () => void) {
            seen.push(t.x);
            onStep();
            if (t.x === 2) {
              crashed = new Error('worker thread crashed: gone');
              throw crashed;
            }
            return { key: `c${t.x}`, y: t.x * t.x, seconds: 0 };
          },
        },
      ],
      close: async () => {},
    };
    const r = await runGrid<Task, Cell>({ cellsDir: dir, plan: plan(6), compute, failed, workerCount: () => 1, startWorkers: async () => pool, ...quiet });
    expect(r.workers).toBe(1);
    expect(seen[0]).toBe(5); // the costliest cell goes first
    expect(r.cells.map((c) => c.key)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
    const c2 = r.cells[2];
    if (seen.includes(2)) expect(c2.error).toMatch(/crashed/);
    else expect(c2.y).toBe(4);
    expect(r.cells.filter((c) => !c.error).every((c) => c.y === Number(c.key.slice(1)) ** 2)).toBe(true);
  });
});
