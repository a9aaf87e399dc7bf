import { describe, it, expect } from 'vitest';
import type { BenchResult } from '../../lib/bench/bench';
import { formatBench } from '../../lib/bench/format';

const t = (medianMs: number, minMs = medianMs) => ({ medianMs, minMs, timesMs: [medianMs] });

function result(over: Partial<BenchResult> = {}): BenchResult {
  return {
    date: '2026-01-01T00:00:00.000Z',
    backend: 'wasm',
    backendDescription: 'wasm (tfjs 4.22.0)',
    tfjsVersion: '4.22.0',
    wasmKernels: true,
    model: 'fashion-cnn (pretrained)',
    batch: 8,
    repeats: 3,
    warmup: 1,
    machine: { cpus: 2, cpuModel: 'cpu', node: 'v20', platform: 'linux-x64', loadAverage: [0.5, 1.25] },
    rows: [
      { name: 'forward', description: 'f', variant: 'saplab', ratioToForward: 1, ...t(10, 9) },
      { name: 'input-gradient', description: 'g', variant: 'saplab', ratioToForward: 3, ...t(30) },
      { name: 'input-gradient [stock]', description: 'g', variant: 'stock', ratioToForward: 6, ...t(60) },
      { name: 'pgd10', description: 'p', variant: 'saplab', ratioToForward: 35, ...t(350) },
    ],
    speedupOverStock: { 'input-gradient': 2 },
    workerSplit: null,
    throughput: null,
    sapPredictSplit: null,
    profile: null,
    torch: { available: false, reason: 'disabled (--no-torch)' },
    ...over,
  };
}

describe('formatBench', () => {
  it('prints the header, one line per row, the stock speed-up and the PGD step cost', () => {
    const lines = formatBench(result()).split('\n');
    expect(lines[0]).toBe('saplab bench · wasm (tfjs 4.22.0) · fashion-cnn (pretrained) · batch 8 · median of 3 runs after 1 warm-up');
    expect(lines[1]).toBe('2 cpus (cpu), node v20, load average 0.50 at start, 1.25 at end');
    expect(lines[3]).toBe(`${'workload'.padEnd(28)}  median ms    min ms  x forward  x PyTorch`);
    expect(lines[4]).toBe(`${'forward'.padEnd(28)}       10.0       9.0       1.00          -`);
    expect(lines).toContain('input-gradient: saplab wasm kernels 2.00x faster than the stock wasm kernels (same run)');
    expect(lines).toContain('pgd10: 35.0 ms a step = 1.17x the input gradient');
    expect(lines[lines.length - 1]).toBe('PyTorch: not run (disabled (--no-torch))');
  });

  it('prints the worker splits, the throughput, PyTorch and the kernel profile when measured', () => {
    const text = formatBench(
      result({
        workerSplit: { workload: 'input-gradient', images: 8, batchSize: 4, samples: 1, workers: 1, startMs: 200, singleThread: t(30, 29), split: t(20, 19), speedup: 1.5, identical: true },
        sapPredictSplit: { workload: 'sap-predict', images: 256, batchSize: 128, samples: 20, workers: 1, startMs: 300, singleThread: t(2000), split: t(1100), speedup: 1.82, identical: false },
        throughput: { preset: 'default', n: 16, cells: 40, oneThread: { threads: 1, seconds: 20, imagesPerSecond: 0.8 }, workers: { threads: 2, seconds: 11, imagesPerSecond: 1.455 }, speedup: 1.82, identical: true },
        torch: { available: true, version: '2.1', rows: [{ name: 'input-gradient', threads: 2, ...t(10, 9) }], ratios: { 'input-gradient': 3 }, check: { logitsMaxAbsDiff: 1e-6, gradientMaxRelDiff: 2e-5 } },
        profile: { workload: 'input-gradient', kernels: [{ name: 'Conv2D', ms: 12.5, calls: 2 }, { name: 'Relu', ms: 1, calls: 1 }] },
      }),
    );
    expect(text).toContain('input gradient of 8 examples in batches of 4: 1 thread 30.0 ms, main thread + 1 worker(s) 20.0 ms (1.50x; min 29.0 vs 19.0 ms; results bit-identical)');
    expect(text).toContain("  = 2.00x PyTorch's input gradient with 2 threads on the same 8 examples in one batch (10.0 ms)");
    expect(text).toContain('SAP-100 prediction, 256 images in batches of 128 × 20 passes: 1 thread 2000 ms, main thread + 1 worker(s) 1100 ms (1.82x; workers started in 300 ms; results DIFFER)');
    expect(text).toContain('default protocol on 16 images (40 cells): 1 thread 0.800 images/s (20.0 s), 2 threads 1.455 images/s (11.0 s): 1.82x; cells identical');
    expect(text).toMatch(/^input-gradient {14} +30\.0 +30\.0 +3\.00 +3\.00$/m);
    expect(text).toContain('PyTorch 2.1, same weights and inputs (x PyTorch uses the faster thread count):');
    expect(text).toContain('  same model check: max |logits diff| 1.0e-6, input gradient max rel diff 2.0e-5');
    expect(text).toContain('input gradient by kernel (ms, one profiled run): Conv2D 12.5 (2x), Relu 1.0');
  });
});
