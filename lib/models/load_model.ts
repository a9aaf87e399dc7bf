/**
 * Loading a user's TF.js layers model from wherever it lives: a folder holding `model.json`, the
 * `model.json` file itself, a `file://` URL, or an `http://`/`https://` URL of the `model.json`
 * (the weight files are fetched from beside it). Any backend; no `@tensorflow/tfjs-node` needed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import * as tf from '@tensorflow/tfjs';
import { fileLoadHandler } from './io';

/** A model that cannot be used as asked (it does not load, has no ReLU, does not fit the data, ...). */
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

/** `true` for `http://` and `https://` sources. */
function isHttpSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The local `model.json` path of a folder, a `model.json` path or a `file://` URL. */
export function localModelJson(source: string): string {
  const p = source.startsWith('file://') ? fileURLToPath(source) : source;
  return p.endsWith('.json') ? path.resolve(p) : path.resolve(p, 'model.json');
}

/**
 * Loads a TF.js layers model from a folder, a `model.json`, a `file://` URL or an HTTP(S) URL.
 * Every failure (missing file, not a layers model, unknown layer class, wrong weights) is a
 * `ModelError` naming the source.
 */
export async function loadModelFrom(source: string): Promise<tf.LayersModel> {
  if (!source) throw new ModelError('no model given');
  try {
    if (isHttpSource(source)) return await tf.loadLayersModel(source);
    const json = localModelJson(source);
    if (!fs.existsSync(json)) throw new Error(`${json} does not exist (expected a TF.js layers model: model.json and its weight files)`);
    const topology = JSON.parse(fs.readFileSync(json, 'utf8'));
    if (topology.format === 'graph-model' || (topology.modelTopology && topology.modelTopology.node)) {
      throw new Error('this is a TF.js graph model; saplab needs a layers model (tensorflowjs_converter --output_format tfjs_layers_model)');
    }
    return await tf.loadLayersModel(fileLoadHandler(json));
  } catch (e) {
    throw new ModelError(`cannot load model from ${source}: ${(e as Error).message}`);
  }
}
