import { describe, it, expect } from 'vitest';
import { measureThroughput } from '../../lib/bench/throughput';
import { compileCellWorker } from '../parallel/worker_script';
import { slow } from '../helpers';

describe('bench throughput', () => {
  // The whole default grid twice (about a minute a run for 2 images here): SAPLAB_SLOW=1 only.
  it.runIf(slow)('measures the default-protocol throughput with and without a worker, with identical cells (SAPLAB_SLOW=1 only)', async () => {
    const t = await measureThroughput({ n: 2, workers: 1, workerScript: compileCellWorker() });
    expect(t.n).toBe(2);
    expect(t.cells).toBeGreaterThan(10);
    expect(t.identical).toBe(true);
    expect(t.workers.threads).toBe(2);
    expect(t.oneThread.imagesPerSecond).toBeCloseTo(2 / t.oneThread.seconds, 2);
  });
});
