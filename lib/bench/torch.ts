/**
 * The PyTorch comparison of the benchmark: when PyTorch is importable by `/usr/bin/python3`, the
 * same model (weights exported from TF.js, see `torch_export.ts`) and the same workloads run in
 * PyTorch (`scripts/bench_torch.py`, with 1 and 2 threads) in the same invocation, which also
 * checks that both compute the same logits and input gradient.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { describeSequential, exportForTorch, TorchLayer } from './torch_export';
import { BenchContext, meanCrossEntropyInputGradient } from './workloads';
import type { Timing } from './timing';

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

/**
 * Runs workloads `names` (their PyTorch names) of `ctx`'s model in PyTorch with 1 and 2 threads and
 * checks that PyTorch computes the same logits and input gradient; `available: false` with the
 * reason when it cannot run.
 */
export function runTorch(ctx: BenchContext, names: string[], opts: { repeats: number; warmup: number; python: string }): TorchReport {
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

