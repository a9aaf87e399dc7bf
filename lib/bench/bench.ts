/**
 * `saplab bench`: times named workloads on the active backend, as the median of repeated runs
 * after a warm-up, with ratios to the dense forward pass of the same run. On wasm the workloads
 * that use replaced kernels are also timed with the stock kernels (`WorkloadSpec.compareStock`),
 * alternating run by run, so the speed-up is a ratio measured in one process under the same load.
 * When PyTorch is importable by `/usr/bin/python3`, the same model and workloads run in PyTorch
 * (`torch.ts`). Ratios are taken to PyTorch's faster thread count (on a loaded 2-core machine, 2
 * OpenMP threads can be several times slower than 1).
 *
 * The pieces: the workloads (`workloads.ts`), timing (`timing.ts`), the PyTorch comparison
 * (`torch.ts`, `torch_export.ts`), the worker-thread splits (`thread_split.ts`, `split_worker.ts`),
 * the default protocol's throughput (`throughput.ts`), and the printed
 * table (`format.ts`); this file runs them and assembles the result.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { asModel } from '../models/model';
import { fashionCnn } from '../models/fashion_cnn';
import { loadPretrained } from '../models/pretrained';
import { backendInfo } from '../backend';
import { installWasmKernels, uninstallWasmKernels, wasmKernelsInstalled } from '../backend/wasm_kernels';
import { roundTiming, roundTo, timeInterleaved, timeRuns, Timing } from './timing';
import { BenchContext, WORKLOADS } from './workloads';
import { runTorch, TorchReport } from './torch';
import { measureThreadSplit, ThreadSplitOptions, ThreadSplitReport } from './thread_split';
import { measureThroughput, ThroughputOptions, ThroughputReport } from './throughput';

/** Options of `runBench`. */
interface BenchOptions {
  /** Batch size. Default 128. */
  batch?: number;
  /** Timed runs per workload (the median is reported). Default 7. */
  repeats?: number;
  /** Untimed runs before timing. Default 2. */
  warmup?: number;
  /** Also run PyTorch when available. Default `true`. */
  torch?: boolean;
  /** On wasm, also time the stock kernels. Default `true`. */
  stock?: boolean;
  /** Only these workloads (names in `WORKLOADS`). Default all. */
  workloads?: string[];
  /** The model; default the shipped pretrained `fashion-cnn`, or an untrained `fashionCnn()` without it. */
  net?: tf.LayersModel;
  /** Seed of the inputs. Default 1. */
  seed?: number;
  /** Python interpreter for the PyTorch comparison. Default `/usr/bin/python3`. */
  python?: string;
  /** Progress lines (to stderr). Default none. */
  log?: (line: string) => void;
  /**
   * On wasm, also time the input gradient of `images` examples (default: the bench's `batch`, the
   * batch PyTorch runs) in batches split between the main thread and `workers` worker threads
   * (`thread_split.ts`), against one thread, runs interleaved. Default: not run.
   */
  workerSplit?: ThreadSplitOptions;
  /** Also measure the default protocol's throughput (images/s, one thread and with workers). Default: not run. */
  throughput?: ThroughputOptions;
  /** On wasm, also time SAP-100 prediction (256 images × 20 passes) on one thread and over workers. Default: not run. */
  sapPredictSplit?: ThreadSplitOptions;
}

/** One workload of the benchmark table. */
interface BenchRow extends Timing {
  /** Workload name (`WORKLOADS` key), with ` [stock]` for the stock-kernel variant. */
  name: string;
  description: string;
  /** `saplab` (active backend as installed) or `stock` (wasm without saplab's kernels). */
  variant: 'saplab' | 'stock';
  /** Median divided by the median of the reference (first) workload of the same run. */
  ratioToForward: number;
}

/** Everything `runBench` measured, as written to the JSON file. */
export interface BenchResult {
  date: string;
  backend: string;
  backendDescription: string;
  tfjsVersion: string;
  wasmKernels: boolean;
  model: string;
  batch: number;
  repeats: number;
  warmup: number;
  /** `loadAverage`: 1-minute load average at the start and at the end (other processes skew timings). */
  machine: { cpus: number; cpuModel: string; node: string; platform: string; loadAverage: [number, number] };
  rows: BenchRow[];
  /** saplab kernels vs stock kernels (stock median / saplab median) per workload. */
  speedupOverStock: Record<string, number>;
  /** The worker-thread split of the input gradient, when measured. */
  workerSplit: ThreadSplitReport | null;
  /** Images per second of the default protocol, when measured. */
  throughput: ThroughputReport | null;
  /** SAP-100 prediction on one thread and over worker threads, when measured. */
  sapPredictSplit: ThreadSplitReport | null;
  /** Where the input gradient spends its time: kernels by total time in one profiled run. */
  profile: { workload: string; kernels: { name: string; ms: number; calls: number }[] } | null;
  torch: TorchReport;
}

/** `run` with saplab's wasm kernels removed for its duration. */
function withStockKernels(run: () => void): () => void {
  return () => {
    uninstallWasmKernels();
    try {
      run();
    } finally {
      installWasmKernels();
    }
  };
}

async function defaultNet(): Promise<{ net: tf.LayersModel; label: string }> {
  try {
    return { net: await loadPretrained('fashion-cnn'), label: 'fashion-cnn (pretrained)' };
  } catch {
    return { net: fashionCnn(), label: 'fashion-cnn (untrained: no shipped weights)' };
  }
}

async function kernelProfile(run: () => void): Promise<{ name: string; ms: number; calls: number }[]> {
  const info = await tf.profile(run);
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    byName.set(k.name, e);
  }
  return [...byName.entries()].map(([name, e]) => ({ name, ms: roundTo(e.ms), calls: e.calls })).sort((a, b) => b.ms - a.ms);
}

/** Runs the benchmark on the active backend (call `initBackend` first). */
export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const batch = options.batch ?? 128;
  const repeats = options.repeats ?? 7;
  const warmup = options.warmup ?? 2;
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => undefined);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);
  const names = options.workloads ?? Object.keys(WORKLOADS);
  for (const n of names) if (!WORKLOADS[n]) throw new Error(`unknown workload ${JSON.stringify(n)}; known: ${Object.keys(WORKLOADS).join(', ')}`);
  if (names.length === 0) throw new Error('no workloads selected');

  const own = options.net ? undefined : await defaultNet();
  const net = options.net ?? own!.net;
  if (net.inputs[0].shape.length !== 4) throw new Error(`the model must take images [n, h, w, c], not ${JSON.stringify(net.inputs[0].shape)}`);
  const [h, w, c] = net.inputs[0].shape.slice(1) as number[];
  const x = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D;
  const classes = net.outputs[0].shape[1] as number;
  const y = tf.randomUniform([batch], 0, classes, 'int32', seed + 1) as tf.Tensor1D;
  const ctx: BenchContext = { net, model: asModel(net), x, y, classes, batch, seed };
  const backend = tf.getBackend();
  const loadAtStart = os.loadavg()[0];
  const onWasm = backend === 'wasm';
  const kernelsWereInstalled = onWasm && wasmKernelsInstalled();
  try {
    const rows: BenchRow[] = [];
    const stockNames = onWasm && kernelsWereInstalled && options.stock !== false ? names.filter((n) => WORKLOADS[n].compareStock) : [];
    const row = (name: string, variant: BenchRow['variant'], t: Timing): BenchRow => ({
      name: variant === 'stock' ? `${name} [stock]` : name,
      description: WORKLOADS[name].description,
      variant,
      ratioToForward: NaN,
      ...t,
    });
    for (const n of names) {
      const run = WORKLOADS[n].make(ctx);
      if (!stockNames.includes(n)) {
        const r = Math.min(repeats, WORKLOADS[n].repeats ?? repeats);
        const w = WORKLOADS[n].repeats !== undefined ? Math.min(warmup, 1) : warmup;
        log(`timing ${n} (${w} + ${r} runs)`);
        rows.push(row(n, 'saplab', timeRuns(run, r, w)));
        run.dispose?.();
        continue;
      }
      // Interleaved with the stock kernels, run by run, so that both see the same machine load.
      log(`timing ${n} with saplab's and with the stock wasm kernels, interleaved (${warmup} + ${repeats} runs each)`);
      const [ours, theirs] = timeInterleaved([run, withStockKernels(run)], repeats, warmup);
      rows.push(row(n, 'saplab', ours), row(n, 'stock', theirs));
      run.dispose?.();
    }
    const ref = rows[0].medianMs;
    for (const r of rows) r.ratioToForward = roundTo(r.medianMs / ref, 3);
    const speedupOverStock: Record<string, number> = {};
    for (const n of stockNames) {
      const a = rows.find((r) => r.name === n)!;
      const b = rows.find((r) => r.name === `${n} [stock]`)!;
      speedupOverStock[n] = roundTo(b.medianMs / a.medianMs, 2);
    }
    const profile = names.includes('input-gradient')
      ? { workload: 'input-gradient', kernels: await kernelProfile(WORKLOADS['input-gradient'].make(ctx)) }
      : null;
    let workerSplit: ThreadSplitReport | null = null;
    if (options.workerSplit && options.workerSplit.workers > 0 && onWasm) {
      log(`timing the input gradient of ${options.workerSplit.images ?? batch} examples on 1 thread and split over the main thread + ${options.workerSplit.workers} worker(s)`);
      workerSplit = await measureThreadSplit(net, 'input-gradient', { images: batch, repeats, warmup, seed, ...options.workerSplit });
    }
    let sapPredictSplit: ThreadSplitReport | null = null;
    if (options.sapPredictSplit && options.sapPredictSplit.workers > 0 && onWasm) {
      const o = options.sapPredictSplit;
      log(`timing SAP-100 prediction of ${o.images ?? 256} images × ${o.samples ?? 20} passes on 1 thread and over the main thread + ${o.workers} worker(s)`);
      sapPredictSplit = await measureThreadSplit(net, 'sap-predict', { seed, ...o });
    }
    let throughput: ThroughputReport | null = null;
    if (options.throughput) throughput = await measureThroughput({ log, ...options.throughput });
    let torch: TorchReport = { available: false, reason: 'disabled (--no-torch)' };
    if (options.torch !== false) {
      log('running the same model in PyTorch');
      const torchNames = names.filter((n) => WORKLOADS[n].torch).map((n) => WORKLOADS[n].torch!);
      torch = runTorch(ctx, torchNames, { repeats, warmup, python: options.python ?? '/usr/bin/python3' });
      if (torch.available && torch.rows) {
        torch.ratios = {};
        for (const n of names) {
          const tr = torch.rows.filter((r) => r.name === WORKLOADS[n].torch);
          const sr = rows.find((r) => r.name === n);
          if (tr.length && sr) torch.ratios[n] = roundTo(sr.medianMs / Math.min(...tr.map((r) => r.medianMs)), 2);
        }
      }
    }
    const info = backendInfo();
    const cpus = os.cpus();
    return {
      date: new Date().toISOString(),
      backend,
      backendDescription: info?.description ?? backend,
      tfjsVersion: tf.version_core,
      wasmKernels: onWasm && wasmKernelsInstalled(),
      model: own?.label ?? net.name,
      batch,
      repeats,
      warmup,
      machine: {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model ?? 'unknown',
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        loadAverage: [roundTo(loadAtStart), roundTo(os.loadavg()[0])],
      },
      rows: rows.map((r) => ({ ...r, ...roundTiming(r) })),
      speedupOverStock,
      workerSplit,
      throughput,
      sapPredictSplit,
      profile,
      torch,
    };
  } finally {
    tf.dispose([x, y]);
    if (own) own.net.dispose();
  }
}
