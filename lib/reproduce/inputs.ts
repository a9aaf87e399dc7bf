/**
 * What a reproduce run evaluates, loaded and checked before anything is written: the model (the
 * shipped CNN or the user's, as logits), the test images, the input conventions and the SAP sites.
 * Every problem a user can fix — a model that does not load, no ReLU for SAP, an input shape that
 * does not match the data, labels beyond the model's classes, non-finite outputs, too few images —
 * is a `ModelError` or `DataError` here, so the command exits with 2 and leaves no folder behind.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/fashion_mnist';
import { DataError } from '../data/errors';
import { loadDataset } from '../data/datasets';
import { loadPretrained } from '../models/pretrained';
import { loadModelFrom, ModelError } from '../models/load_model';
import { logitsModel, LogitsModel } from '../models/logits';
import { checkInputConventions, InputConventions, withInputConventions } from '../models/input_conventions';
import { asModel, Model } from '../models/model';
import { endsInRelu } from '../defenses/with_sap';
import type { ModelInputConfig } from './spec';

/** A loaded, checked model and data set. Call `dispose()` when done. */
export interface EvaluationInputs {
  /** The model with logits output (the softmax removed when it ended in one). */
  net: tf.LayersModel;
  /** Test images `[n, h, w, c]` in `[0, 1]` and labels. */
  data: Dataset;
  /** Input conversion applied inside every evaluated function. */
  conventions: InputConventions;
  /** How logits were obtained from the model's output. */
  logits: Omit<LogitsModel, 'net'>;
  /** Names of the layers after whose ReLU SAP acts, in graph order. */
  sites: string[];
  /** Short name of the model for tables (`fashion-cnn`, or the folder name of a user model). */
  modelLabel: string;
  /** Number of classes the model outputs. */
  classes: number;
  /** The evaluated function of a `tf.LayersModel` built on `net` (e.g. `withSap(net)`): adds the
   * input conversion and, for probabilities without a removable softmax, the log. */
  wrap: (model: Model | tf.LayersModel) => Model;
  /** Disposes the data and the model (including a rebuilt output layer). */
  dispose: () => void;
}

/** Short name of a model source: `fashion-cnn`, or the folder name of a path or URL. */
export function modelLabel(model: string): string {
  if (model === 'fashion-cnn') return model;
  const clean = model.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const base = clean.endsWith('.json') ? path.posix.basename(path.posix.dirname(clean.replace(/\\/g, '/'))) : path.posix.basename(clean.replace(/\\/g, '/'));
  return base || 'model';
}

/** Loads the model of a config (shipped name or path/URL); a failure is a `ModelError`. */
async function loadConfiguredModel(model: string): Promise<tf.LayersModel> {
  if (model === 'fashion-cnn') return loadPretrained('fashion-cnn');
  return loadModelFrom(model);
}

/**
 * Loads and checks model and data. `n` is the number of test images; `needsRelu` is true when the
 * protocol applies SAP (or random pruning) and so needs at least one ReLU; with `nIsUpperBound`
 * a test split smaller than `n` is used whole instead of being an error.
 */
export async function loadEvaluationInputs(config: ModelInputConfig & { n: number }, options: { needsRelu?: boolean; nIsUpperBound?: boolean } = {}): Promise<EvaluationInputs> {
  const original = await loadConfiguredModel(config.model);
  let data: Dataset | undefined;
  let lm: LogitsModel | undefined;
  try {
    lm = logitsModel(original, config.outputs);
    const net = lm.net;
    const sites = net.layers.filter((l) => endsInRelu(l)).map((l) => l.name);
    if (options.needsRelu && sites.length === 0) {
      throw new ModelError(`model ${config.model} has no ReLU (layers: ${net.layers.map((l) => `${l.name}:${l.getClassName()}`).join(', ')}); SAP acts after ReLUs (fused activation 'relu', ReLU layers or Activation('relu'))`);
    }
    data = await loadDataset({ dataset: config.dataset, dir: config.dataDir ?? undefined, split: 'test', limit: config.n });
    if (data.x.shape[0] < config.n && !options.nIsUpperBound) throw new DataError(`n = ${config.n} but the ${config.dataset} test split has only ${data.x.shape[0]} images`);
    const want = net.inputs[0].shape.slice(1);
    const have = data.x.shape.slice(1);
    if (want.length !== have.length || want.some((d, i) => d != null && d !== have[i])) {
      throw new ModelError(`input shape mismatch: model ${config.model} takes [${want.map((d) => d ?? '?').join(', ')}] but the ${config.dataset} images are [${have.join(', ')}]`);
    }
    const outShape = net.outputs[0].shape;
    if (outShape.length !== 2 || typeof outShape[1] !== 'number') throw new ModelError(`model output must be [batch, classes], got [${outShape.join(', ')}]`);
    const classes = outShape[1];
    const maxLabel = Math.max(...Array.from(await data.y.data()));
    if (maxLabel >= classes) throw new ModelError(`the ${config.dataset} labels go up to ${maxLabel} but the model has ${classes} outputs`);
    const conventions: InputConventions = { range: config.inputRange, mean: config.mean, std: config.std };
    try {
      checkInputConventions(conventions, have[2]);
    } catch (e) {
      throw new ModelError((e as Error).message);
    }
    const logOfOutput = lm.method === 'log';
    const wrap = (m: Model | tf.LayersModel) => withInputConventions(asModel(m as tf.LayersModel | Model), conventions, { logOfOutput });
    const probe = wrap(net);
    const k = Math.min(16, data.x.shape[0]);
    const finite = tf.tidy(() => {
      const out = probe(tf.slice(data!.x, [0, 0, 0, 0], [k, -1, -1, -1]) as tf.Tensor4D);
      return tf.all(tf.isFinite(out)).dataSync()[0] === 1;
    });
    if (!finite) throw new ModelError(`model ${config.model} gives non-finite outputs (NaN or infinity) on the first ${k} test images${lm.method === 'log' ? ' (outputs declared as probabilities: a zero probability has no finite log)' : ''}; check --outputs and the input range`);
    const d = data;
    const lmNet = lm.net;
    return {
      net,
      data: d,
      conventions,
      logits: { outputs: lm.outputs, method: lm.method },
      sites,
      modelLabel: modelLabel(config.model),
      classes,
      wrap,
      dispose: () => {
        tf.dispose([d.x, d.y]);
        disposeModels(original, lmNet);
      },
    };
  } catch (e) {
    if (data) tf.dispose([data.x, data.y]);
    disposeModels(original, lm?.net);
    throw e;
  }
}

/** Disposes a model and its logits version (which shares all layers but possibly a rebuilt last one). */
function disposeModels(original: tf.LayersModel, logitsNet?: tf.LayersModel): void {
  if (logitsNet && logitsNet !== original) {
    const last = logitsNet.layers[logitsNet.layers.length - 1];
    if (!original.layers.includes(last)) last.dispose();
  }
  original.dispose();
}

/** One line describing the input conventions, for summaries. */
export function describeConventions(inputs: Pick<EvaluationInputs, 'conventions' | 'logits'>): string {
  const c = inputs.conventions;
  const range = c.range ?? [0, 1];
  const parts = [`pixels scaled to [0, ${range[1]}]`];
  if (c.mean) parts.push(`minus mean [${c.mean.join(', ')}]`);
  if (c.std) parts.push(`divided by std [${c.std.join(', ')}]`);
  const out = inputs.logits.method === 'as-is' ? 'outputs used as logits' : inputs.logits.method === 'softmax-removed' ? 'outputs probabilities: its final softmax is removed and the logits before it are used' : 'outputs probabilities without a removable softmax: their log is used as logits';
  return `${parts.join(', ')} inside the evaluated function (eps stays on the [0, 1] scale); ${out}`;
}
