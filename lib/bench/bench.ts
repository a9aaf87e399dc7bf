/**
 * `saplab bench`: times named workloads on the active backend, as the median of repeated runs
 * after a warm-up, with ratios to the dense forward pass of the same run. On wasm the workloads
 * that use replaced kernels are also timed with the stock kernels (`WorkloadSpec.compareStock`),
 * alternating run by run, so the speed-up is a ratio measured in one process under the same load. When PyTorch is importable by
 * `/usr/bin/python3`, the same model (weights exported from TF.js) and the same workloads run in
 * PyTorch (`scripts/bench_torch.py`, with 1 and 2 threads) in the same invocation, which also
 * checks that both compute the same logits and input gradient. Ratios are taken to PyTorch's
 * faster thread count (on a loaded 2-core machine, 2 OpenMP threads can be several times slower
 * than 1).
 *
 * Workloads are a table, `WORKLOADS`: add an entry `{ description, make }` whose `make(ctx)`
 * returns the function to time (synchronous; it must read its result back, e.g. `dataSync()`,
 * and leave no tensors behind).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { asModel, Model } from '../models/model';
import { fashionCnn } from '../models/fashion_cnn';
import { loadPretrained } from '../models/pretrained';
import { backendInfo } from '../backend';
import { installWasmKernels, uninstallWasmKernels, wasmKernelsInstalled } from '../backend/wasm_kernels';
import { describeSequential, TorchLayer } from './torch_export';
import { BatchWorkers } from '../parallel/batch_workers';
import { withSap } from '../defenses/with_sap';
import { pgd } from '../attacks/pgd';
import { measureThroughput, ThroughputOptions, ThroughputReport } from './throughput';
import { measureSapPredictSplit, SapPredictSplitOptions, SapPredictSplitReport } from './sap_predict_split';

/** What a workload can use. All tensors are owned by the benchmark. */
export interface BenchContext {
  /** The model under test, as a layers model. */
  net: tf.LayersModel;
  /** The same model as a `Model` (logits function). */
  model: Model;
  /** Inputs `[batch, h, w, c]` in [0, 1]. */
  x: tf.Tensor4D;
  /** Integer labels `[batch]`. */
  y: tf.Tensor1D;
  /** Number of classes (logits per example). */
  classes: number;
  /** Batch size. */
  batch: number;
  /** Seed of the inputs and of any randomness a workload needs. */
  seed: number;
}

/** One entry of the workload table. */
export interface WorkloadSpec {
  /** One line for the printed table and the JSON. */
  description: string;
  /** Returns the function to time (synchronous, reads its result back, leaks nothing). A
   * `dispose` property on it, when present, is called once the workload is timed. */
  make: (ctx: BenchContext) => (() => void) & {
    /** Frees what the workload allocated. */
    dispose?: () => void;
  };
  /** On wasm, also time this workload with the stock kernels. Default `false`. */
  compareStock?: boolean;
  /** Name of the same workload in `scripts/bench_torch.py`, when it has one. */
  torch?: string;
  /** Timed runs for this workload instead of the global `repeats` (for long workloads). */
  repeats?: number;
}

/** Gradient of the mean softmax cross-entropy with respect to the input. */
export function meanCrossEntropyInputGradient(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, classes: number): tf.Tensor4D {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.cast(y, 'int32'), classes);
    const loss = (a: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, model(a as tf.Tensor4D)) as tf.Scalar;
    return tf.grad(loss)(x) as tf.Tensor4D;
  });
}

/** The workload table; the first entry is the reference of the ratios. */
export const WORKLOADS: Record<string, WorkloadSpec> = {
  forward: {
    description: 'dense forward pass (logits)',
    make: (ctx) => () => tf.tidy(() => void ctx.model(ctx.x).dataSync()),
    torch: 'forward',
  },
  'input-gradient': {
    description: 'gradient of the mean softmax cross-entropy w.r.t. the input',
    make: (ctx) => () => {
      const g = meanCrossEntropyInputGradient(ctx.model, ctx.x, ctx.y, ctx.classes);
      g.dataSync();
      g.dispose();
    },
    compareStock: true,
    torch: 'input-gradient',
  },
  'sap-forward': {
    description: 'SAP-100 forward pass (exact sampler after every ReLU)',
    make: (ctx) => {
      const sap = withSap(ctx.net, { sampleFraction: 1, seed: ctx.seed });
      return Object.assign(() => tf.tidy(() => void sap(ctx.x).dataSync()), { dispose: () => sap.net.dispose() });
    },
  },
  'sap-input-gradient': {
    description: "input gradient through SAP-100 (the operator's mask backward)",
    make: (ctx) => {
      const sap = withSap(ctx.net, { sampleFraction: 1, seed: ctx.seed });
      const run = () => {
        const g = meanCrossEntropyInputGradient(sap, ctx.x, ctx.y, ctx.classes);
        g.dataSync();
        g.dispose();
      };
      return Object.assign(run, { dispose: () => sap.net.dispose() });
    },
  },
  'sap-forward-tensor-ops': {
    description: 'SAP-100 forward with the tensor-op sampler (multinomial + denseBincount; the default on native backends)',
    make: (ctx) => {
      const sap = withSap(ctx.net, { sampleFraction: 1, seed: ctx.seed, sampler: 'tensor-ops' });
      return Object.assign(() => tf.tidy(() => void sap(ctx.x).dataSync()), { dispose: () => sap.net.dispose() });
    },
    repeats: 3,
  },
  pgd10: {
    description: 'PGD-10 on the dense model, one gradient sample a step (10 input gradients)',
    make: (ctx) => () => pgd(ctx.model, ctx.x, ctx.y, { eps: 0.1, steps: 10, seed: ctx.seed }).dispose(),
    repeats: 3,
  },
  'pgd10-eot8': {
    description: 'PGD-10 with EOT-8 on the dense model (80 input gradients)',
    make: (ctx) => () => pgd(ctx.model, ctx.x, ctx.y, { eps: 0.1, steps: 10, eotSamples: 8, seed: ctx.seed }).dispose(),
    repeats: 3,
  },
  'pgd10-eot8-sap': {
    description: 'PGD-10 with EOT-8 on SAP-100 (80 SAP forward and backward passes)',
    make: (ctx) => {
      const sap = withSap(ctx.net, { sampleFraction: 1, seed: ctx.seed });
      return Object.assign(() => pgd(sap, ctx.x, ctx.y, { eps: 0.1, steps: 10, eotSamples: 8, seed: ctx.seed }).dispose(), { dispose: () => sap.net.dispose() });
    },
    repeats: 3,
  },
};

/** Options of `runBench`. */
export interface BenchOptions {
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
   * On wasm, also time the input gradient of a `batch`-example batch (default: the bench's
   * `batch`, the batch PyTorch runs) split between the main thread and `workers` worker threads
   * (`BatchWorkers`), against one thread, runs interleaved. Default: not run.
   */
  workerSplit?: { workers: number; batch?: number; workerScript?: string };
  /** Also measure the default protocol's throughput (images/s, one thread and with workers). Default: not run. */
  throughput?: ThroughputOptions;
  /** On wasm, also time SAP-100 `predictProbs` (256 images × 20 passes) on one thread and over workers. Default: not run. */
  sapPredictSplit?: SapPredictSplitOptions;
}

/** Timings of one workload. */
export interface Timing {
  /** Median over the timed runs, ms. */
  medianMs: number;
  /** Fastest timed run, ms. */
  minMs: number;
  /** Every timed run, ms. */
  timesMs: number[];
}

/** One workload of the benchmark table. */
export interface BenchRow extends Timing {
  /** Workload name (`WORKLOADS` key), with ` [stock]` for the stock-kernel variant. */
  name: string;
  description: string;
  /** `saplab` (active backend as installed) or `stock` (wasm without saplab's kernels). */
  variant: 'saplab' | 'stock';
  /** Median divided by the median of the reference (first) workload of the same run. */
  ratioToForward: number;
}

/** The PyTorch comparison of the benchmark. */
export interface TorchReport {
  available: boolean;
  /** Why PyTorch did not run, when it did not. */
  reason?: string;
  version?: string;
  /** One row per workload and thread count. */
  rows?: (Timing & { name: string; threads: number })[];
  /** saplab median / PyTorch median (faster thread count) per workload. */
  ratios?: Record<string, number>;
  /** Largest differences between TF.js and PyTorch on the same input (same model check). */
  check?: { logitsMaxAbsDiff: number; gradientMaxRelDiff: number };
}

/** Timing of a batch split between the main thread and workers. */
export interface WorkerSplitReport {
  batch: number;
  workers: number;
  /** The whole batch on the main thread. */
  singleThread: Timing;
  /** The batch split between the main thread and the workers. */
  split: Timing;
  /** singleThread median / split median. */
  speedup: number;
  /** Whether both gave bit-identical gradients. */
  identical: boolean;
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
  /** The worker-thread split of a larger input gradient, when measured. */
  workerSplit: WorkerSplitReport | null;
  /** Images per second of the default protocol, when measured. */
  throughput: ThroughputReport | null;
  /** SAP-100 `predictProbs` on one thread and over worker threads, when measured. */
  sapPredictSplit: SapPredictSplitReport | null;
  /** Where the input gradient spends its time: kernels by total time in one profiled run. */
  profile: { workload: string; kernels: { name: string; ms: number; calls: number }[] } | null;
  torch: TorchReport;
}

/** Median and minimum of `repeats` timed runs of `run` after `warmup` untimed ones. */
export function timeRuns(run: () => void, repeats: number, warmup: number): Timing {
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats must be a positive integer, got ${repeats}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`warmup must be a non-negative integer, got ${warmup}`);
  const before = tf.memory().numTensors;
  for (let i = 0; i < warmup; i++) run();
  const timesMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    timesMs.push(performance.now() - t0);
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`workload left ${leaked} tensors behind`);
  return summarize(timesMs);
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

/** Like `timeRuns` for several functions, alternating them run by run. */
export function timeInterleaved(runs: (() => void)[], repeats: number, warmup: number): Timing[] {
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats must be a positive integer, got ${repeats}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`warmup must be a non-negative integer, got ${warmup}`);
  const times: number[][] = runs.map(() => []);
  const before = tf.memory().numTensors;
  for (let i = 0; i < warmup + repeats; i++) {
    runs.forEach((run, k) => {
      const t0 = performance.now();
      run();
      if (i >= warmup) times[k].push(performance.now() - t0);
    });
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`workload left ${leaked} tensors behind`);
  return times.map(summarize);
}

/** Median and minimum of timed runs. */
function summarize(timesMs: number[]): Timing {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianMs, minMs: sorted[0], timesMs };
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
  return [...byName.entries()].map(([name, e]) => ({ name, ms: round(e.ms), calls: e.calls })).sort((a, b) => b.ms - a.ms);
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The folder of the saplab package (holding `package.json` and `scripts/`). */
function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'saplab') return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the saplab package folder above ${__dirname}`);
}

/** Whether `python` can import torch (and why not). */
export function torchAvailable(python = '/usr/bin/python3'): { ok: boolean; reason?: string } {
  if (!fs.existsSync(python)) return { ok: false, reason: `${python} not found` };
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    return { ok: true };
  } catch {
    return { ok: false, reason: `${python} cannot import torch` };
  }
}

/** Writes the model, inputs and TF.js results for `scripts/bench_torch.py` into `dir`. */
function exportForTorch(dir: string, layers: TorchLayer[], tensors: Record<string, tf.Tensor>, extra: Record<string, unknown>): void {
  const chunks: Float32Array[] = [];
  let offset = 0;
  const entry = (t: tf.Tensor) => {
    const data = t.dataSync() as Float32Array;
    chunks.push(Float32Array.from(data));
    const e = { offset, shape: t.shape };
    offset += data.length;
    return e;
  };
  const layerSpecs = layers.map((l) => ({ ...l, kernel: l.kernel ? entry(l.kernel) : undefined, bias: l.bias ? entry(l.bias) : undefined }));
  const tensorSpecs = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, entry(t)]));
  const all = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  fs.writeFileSync(path.join(dir, 'data.bin'), Buffer.from(all.buffer));
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ layers: layerSpecs, tensors: tensorSpecs, ...extra }));
}

function runTorch(ctx: BenchContext, names: string[], opts: Required<Pick<BenchOptions, 'repeats' | 'warmup' | 'python'>>): TorchReport {
  const avail = torchAvailable(opts.python);
  if (!avail.ok) return { available: false, reason: avail.reason };
  let layers: TorchLayer[];
  try {
    layers = describeSequential(ctx.net);
  } catch (e) {
    return { available: false, reason: e instanceof Error ? e.message : String(e) };
  }
  const script = path.join(packageRoot(), 'scripts', 'bench_torch.py');
  if (!fs.existsSync(script)) return { available: false, reason: `${script} not found` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-bench-'));
  try {
    const logits = tf.tidy(() => ctx.model(ctx.x));
    const grad = meanCrossEntropyInputGradient(ctx.model, ctx.x, ctx.y, ctx.classes);
    const yf = tf.cast(ctx.y, 'float32');
    try {
      exportForTorch(dir, layers, { x: ctx.x, y: yf, logits, grad }, { workloads: names, repeats: opts.repeats, warmup: opts.warmup, threads: [1, 2] });
    } finally {
      tf.dispose([logits, grad, yf]);
    }
    const out = execFileSync(opts.python, [script, dir], { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 << 20 });
    const parsed = JSON.parse(out) as { version: string; rows: (Timing & { name: string; threads: number })[]; check: TorchReport['check'] };
    return { available: true, version: parsed.version, rows: parsed.rows, check: parsed.check };
  } catch (e) {
    return { available: false, reason: `PyTorch run failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Times `BatchWorkers.inputGradient` with 0 and `workers` worker threads, interleaved. */
async function measureWorkerSplit(net: tf.LayersModel, opts: NonNullable<BenchOptions['workerSplit']>, repeats: number, warmup: number, seed: number): Promise<WorkerSplitReport> {
  const batch = opts.batch ?? 128;
  const [h, w, c] = net.inputs[0].shape.slice(1) as number[];
  const x = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D;
  const y = tf.randomUniform([batch], 0, net.outputs[0].shape[1] as number, 'int32', seed + 1) as tf.Tensor1D;
  const single = await BatchWorkers.start(net, { workers: 0 });
  const split = await BatchWorkers.start(net, { workers: opts.workers, workerScript: opts.workerScript });
  try {
    const once = async (pool: BatchWorkers) => {
      const t0 = performance.now();
      const g = await pool.inputGradient(x, y);
      const ms = performance.now() - t0;
      return { g, ms };
    };
    const a = await once(single);
    const b = await once(split);
    const identical = tf.tidy(() => tf.all(tf.equal(a.g, b.g)).dataSync()[0] === 1);
    tf.dispose([a.g, b.g]);
    const times: [number[], number[]] = [[], []];
    for (let i = 0; i < warmup + repeats; i++) {
      for (const [k, pool] of [single, split].entries()) {
        const r = await once(pool);
        r.g.dispose();
        if (i >= warmup) times[k].push(r.ms);
      }
    }
    const summary = (t: number[]): Timing => {
      const r = summarize(t);
      return { medianMs: round(r.medianMs), minMs: round(r.minMs), timesMs: t.map((v) => round(v)) };
    };
    const singleThread = summary(times[0]);
    const splitTiming = summary(times[1]);
    return { batch, workers: opts.workers, singleThread, split: splitTiming, speedup: round(singleThread.medianMs / splitTiming.medianMs, 2), identical };
  } finally {
    await Promise.all([single.close(), split.close()]);
    tf.dispose([x, y]);
  }
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
    for (const r of rows) r.ratioToForward = round(r.medianMs / ref, 3);
    const speedupOverStock: Record<string, number> = {};
    for (const n of stockNames) {
      const a = rows.find((r) => r.name === n)!;
      const b = rows.find((r) => r.name === `${n} [stock]`)!;
      speedupOverStock[n] = round(b.medianMs / a.medianMs, 2);
    }
    const profile = names.includes('input-gradient')
      ? { workload: 'input-gradient', kernels: await kernelProfile(WORKLOADS['input-gradient'].make(ctx)) }
      : null;
    let workerSplit: WorkerSplitReport | null = null;
    if (options.workerSplit && options.workerSplit.workers > 0 && onWasm) {
      log(`timing a ${options.workerSplit.batch ?? batch}-example input gradient on 1 thread and split over the main thread + ${options.workerSplit.workers} worker(s)`);
      workerSplit = await measureWorkerSplit(net, { batch, ...options.workerSplit }, repeats, warmup, seed);
    }
    let sapPredictSplit: SapPredictSplitReport | null = null;
    if (options.sapPredictSplit && options.sapPredictSplit.workers > 0 && onWasm) {
      const o = options.sapPredictSplit;
      log(`timing SAP-100 predictProbs of ${o.images ?? 256} images × ${o.samples ?? 20} passes on 1 thread and over the main thread + ${o.workers} worker(s)`);
      sapPredictSplit = await measureSapPredictSplit(net, { seed, ...o });
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
          if (tr.length && sr) torch.ratios[n] = round(sr.medianMs / Math.min(...tr.map((r) => r.medianMs)), 2);
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
        loadAverage: [round(loadAtStart), round(os.loadavg()[0])],
      },
      rows: rows.map((r) => ({ ...r, medianMs: round(r.medianMs), minMs: round(r.minMs), timesMs: r.timesMs.map((t) => round(t)) })),
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

/** The result as a printable table. */
export function formatBench(r: BenchResult): string {
  const lines = [
    `saplab bench · ${r.backendDescription} · ${r.model} · batch ${r.batch} · median of ${r.repeats} runs after ${r.warmup} warm-up`,
    `${r.machine.cpus} cpus (${r.machine.cpuModel}), node ${r.machine.node}, load average ${r.machine.loadAverage[0].toFixed(2)} at start, ${r.machine.loadAverage[1].toFixed(2)} at end`,
    '',
    `${'workload'.padEnd(28)}${'median ms'.padStart(11)}${'min ms'.padStart(10)}${'x forward'.padStart(11)}${'x PyTorch'.padStart(11)}`,
  ];
  for (const row of r.rows) {
    const ratio = row.variant === 'saplab' ? r.torch.ratios?.[row.name] : undefined;
    lines.push(
      `${row.name.padEnd(28)}${row.medianMs.toFixed(1).padStart(11)}${row.minMs.toFixed(1).padStart(10)}${row.ratioToForward.toFixed(2).padStart(11)}${(ratio !== undefined ? ratio.toFixed(2) : '-').padStart(11)}`,
    );
  }
  for (const [n, s] of Object.entries(r.speedupOverStock)) lines.push(`\n${n}: saplab wasm kernels ${s.toFixed(2)}x faster than the stock wasm kernels (same run)`);
  if (r.workerSplit) {
    const w = r.workerSplit;
    lines.push(
      '',
      `input gradient of ${w.batch} examples: 1 thread ${w.singleThread.medianMs.toFixed(1)} ms, main thread + ${w.workers} worker(s) ${w.split.medianMs.toFixed(1)} ms ` +
        `(${w.speedup.toFixed(2)}x; min ${w.singleThread.minMs.toFixed(1)} vs ${w.split.minMs.toFixed(1)} ms; results ${w.identical ? 'bit-identical' : 'DIFFER'})`,
    );
    const torch2 = r.torch.rows?.find((t) => t.name === 'input-gradient' && t.threads === 2);
    if (torch2 && w.batch === r.batch) lines.push(`  = ${(w.split.medianMs / torch2.medianMs).toFixed(2)}x PyTorch's input gradient with 2 threads on the same batch (${torch2.medianMs.toFixed(1)} ms)`);
  }
  if (r.sapPredictSplit) {
    const s = r.sapPredictSplit;
    lines.push(
      '',
      `SAP-100 predictProbs, ${s.images} images × ${s.samples} passes: 1 thread ${s.singleThread.medianMs.toFixed(0)} ms, main thread + ${s.workers} worker(s) ${s.split.medianMs.toFixed(0)} ms ` +
        `(${s.speedup.toFixed(2)}x; workers started in ${s.startMs} ms; results ${s.identical ? 'bit-identical' : 'DIFFER'})`,
    );
  }
  const pgd10 = r.rows.find((x) => x.name === 'pgd10');
  const grad = r.rows.find((x) => x.name === 'input-gradient');
  if (pgd10 && grad) lines.push('', `pgd10: ${(pgd10.medianMs / 10).toFixed(1)} ms a step = ${(pgd10.medianMs / 10 / grad.medianMs).toFixed(2)}x the input gradient`);
  if (r.throughput) {
    const t = r.throughput;
    lines.push(
      '',
      `default protocol on ${t.n} images (${t.cells} cells): 1 thread ${t.oneThread.imagesPerSecond.toFixed(3)} images/s (${t.oneThread.seconds.toFixed(1)} s), ` +
        `${t.workers.threads} threads ${t.workers.imagesPerSecond.toFixed(3)} images/s (${t.workers.seconds.toFixed(1)} s): ${t.speedup.toFixed(2)}x; cells ${t.identical ? 'identical' : 'DIFFER'}`,
    );
  }
  if (r.torch.available && r.torch.rows) {
    lines.push('', `PyTorch ${r.torch.version}, same weights and inputs (x PyTorch uses the faster thread count):`);
    for (const t of r.torch.rows) lines.push(`  ${`${t.name}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`.padEnd(26)}${t.medianMs.toFixed(1).padStart(11)}${t.minMs.toFixed(1).padStart(10)}`);
    if (r.torch.check) lines.push(`  same model check: max |logits diff| ${r.torch.check.logitsMaxAbsDiff.toExponential(1)}, input gradient max rel diff ${r.torch.check.gradientMaxRelDiff.toExponential(1)}`);
  } else lines.push('', `PyTorch: not run (${r.torch.reason})`);
  if (r.profile) {
    const top = r.profile.kernels.slice(0, 8).map((k) => `${k.name} ${k.ms.toFixed(1)}${k.calls > 1 ? ` (${k.calls}x)` : ''}`);
    lines.push('', `input gradient by kernel (ms, one profiled run): ${top.join(', ')}`);
  }
  return lines.join('\n');
}
