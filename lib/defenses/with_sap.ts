/**
 * `withSap`: turns a pretrained `tf.LayersModel` (sequential or functional, e.g. with the residual
 * adds of ResNet-20) into a stochastic model with SAP after every ReLU, sharing — not copying —
 * the weights. No fine-tuning: SAP is added at evaluation time, as in the paper.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED, deriveSeed } from '../seed';
import type { Model } from '../models/model';
import { SapLayer } from './sap_layer';
import { insertAfterRelu } from './relu_sites';
import type { SapGradient, SapSampler } from './sap';
import type { SapMode } from './sampler';

/** Options of `withSap`. */
export interface WithSapOptions {
  /** r / N at every SAP site (SAP-100 is 1). Default 1. Ignored for sites named in `perLayer`. */
  sampleFraction?: number;
  /** Per-site sampleFraction by the name of the ReLU layer it follows (e.g. `{ conv1: 0.5 }`). */
  perLayer?: Record<string, number>;
  /** Seed of the sequence of masks (each site gets its own derived stream). Default `DEFAULT_SEED`. */
  seed?: number;
  /** Backward pass: `'mask'` (default, the operator's own) or `'identity'` (BPDA). */
  gradient?: SapGradient;
  /** `'exact'` (default) or `'poisson'`. */
  mode?: SapMode;
  /** Exact sampler of every SAP layer (`SapOptions.sampler`). Default `'auto'`. */
  sampler?: SapSampler;
  /** `'sap'` (default) or `'random'`: the uniform random-pruning baseline at the same sites. */
  kind?: 'sap' | 'random';
}

/** A stochastic model returned by `withSap`: `(x) => logits` plus what it was built from. */
export type SapModel = Model & {
  /** The functional model with `SapLayer`s inserted (weights shared with the original). */
  net: tf.LayersModel;
  /** The SAP layers, in graph order. */
  sapLayers: SapLayer[];
  /** Names of the layers after whose ReLU SAP acts. */
  sites: string[];
  /** Restarts every SAP layer's stream of masks from `seed`. */
  reseed: (seed: number) => void;
};

export { endsInRelu } from './relu_sites';

/** Wraps a pretrained model with SAP after every ReLU. */
export function withSap(model: tf.LayersModel, options: WithSapOptions = {}): SapModel {
  if (!(model instanceof tf.LayersModel)) throw new Error('withSap expects a tf.LayersModel');
  const seed = options.seed ?? DEFAULT_SEED;
  const kind = options.kind ?? 'sap';
  const perLayer = options.perLayer ?? {};
  const layerNames = new Set(model.layers.map((l) => l.name));
  for (const name of Object.keys(perLayer)) {
    if (!layerNames.has(name)) throw new Error(`perLayer names a layer the model does not have: ${name}`);
  }
  const prefix = kind === 'sap' ? 'sap' : 'random_prune';
  const { net, layers: sapLayers, sites } = insertAfterRelu(
    model,
    (site, index) =>
      new SapLayer({
        sampleFraction: perLayer[site] ?? options.sampleFraction ?? 1,
        gradient: options.gradient ?? 'mask',
        mode: options.mode ?? 'exact',
        ...(options.sampler ? { sampler: options.sampler } : {}),
        kind,
        seed: deriveSeed(seed, 'sap', index),
        name: `${prefix}_after_${site}_${index}`,
      }),
    prefix,
    'SAP acts after ReLUs',
  );
  const fn = ((x: tf.Tensor4D) => net.apply(x, { training: false }) as tf.Tensor2D) as SapModel;
  fn.stochastic = true;
  fn.independentRows = true;
  fn.label = kind === 'sap' ? `SAP-${Math.round((options.sampleFraction ?? 1) * 100)}` : `random-prune-${Math.round((options.sampleFraction ?? 1) * 100)}`;
  fn.net = net;
  fn.sapLayers = sapLayers;
  fn.sites = sites;
  fn.reseed = (s: number) => sapLayers.forEach((l, i) => l.reseed(deriveSeed(s, 'sap', i)));
  return fn;
}
