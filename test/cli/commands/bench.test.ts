import { describe, expect, it, beforeAll } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as run } from '../run_cli';
import { useWasm } from '../../backend/backend_compare';
import type { BenchResult } from '../../../lib/bench/bench';

describe('saplab bench', () => {
  beforeAll(useWasm);

  it('writes the JSON file of a tiny run and prints its table', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-bench-test-'));
    const file = path.join(dir, 'sub', 'bench.json');
    const r = await run(['bench', '--batch=2', '--repeats=1', '--warmup=0', '--no-torch', '--no-stock', '--workers=0', '--throughput-n=0', '--json', file]);
    expect(r.code).toBe(0);
    const result = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult;
    expect(result.batch).toBe(2);
    expect(result.rows.length).toBeGreaterThan(0);
    for (const row of result.rows) expect(row.timesMs.length).toBe(1);
    expect(result.workerSplit).toBeNull();
    expect(result.throughput).toBeNull();
    expect(r.out).toMatch(/input-gradient/);
    expect(r.out).toMatch(/wrote .*bench\.json/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
