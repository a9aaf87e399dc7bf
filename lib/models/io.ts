/**
 * Saving and loading TF.js layers models (`model.json` + `weights.bin`) on the local file system
 * with any backend. (`file://` URLs need `@tensorflow/tfjs-node`, which may not be installed.)
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../data/download';

const WEIGHTS_FILE = 'weights.bin';

/** An IO handler that saves a model into `dir` (created if needed). */
function fileSaveHandler(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    fs.mkdirSync(dir, { recursive: true });
    const weightData = artifacts.weightData
      ? Buffer.concat((Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]).map((b) => Buffer.from(b)))
      : Buffer.alloc(0);
    writeFileAtomic(path.join(dir, WEIGHTS_FILE), weightData);
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
    };
    writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(modelJson));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightData.byteLength } };
  });
}

/** An IO handler that loads `dir/model.json` and its weight files. */
export function fileLoadHandler(dirOrModelJson: string): tf.io.IOHandler {
  const jsonPath = dirOrModelJson.endsWith('.json') ? dirOrModelJson : path.join(dirOrModelJson, 'model.json');
  return {
    load: async () => {
      if (!fs.existsSync(jsonPath)) throw new Error(`no model at ${jsonPath}`);
      const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(path.dirname(jsonPath), p)));
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

/** Saves a layers model into `dir` as `model.json` + `weights.bin`. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(fileSaveHandler(dir));
}

/** Loads a layers model saved by `saveModel` (or any TF.js layers-format folder). */
export async function loadModel(dirOrModelJson: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileLoadHandler(dirOrModelJson));
}
