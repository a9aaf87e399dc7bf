/**
 * The benchmark's workloads, a table (`WORKLOADS`): add an entry `{ description, make }` whose
 * `make(ctx)` returns the function to time (synchronous; it must read its result back, e.g.
 * `dataSync()`, and leave no tensors behind). The first entry is the reference of the ratios.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { withSap } from '../defenses/with_sap';
import { pgd } from '../attacks/pgd';

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
interface WorkloadSpec {
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

