/**
 * Attacks and SAP's averaged softmax want a model that outputs logits. A model that ends in a
 * softmax (a fused `activation: 'softmax'`, an `Activation('softmax')` or a `Softmax` layer) is
 * turned into its logits model by removing that final softmax; the softmax of what is left is
 * exactly the original output, so nothing about the model changes but where it stops.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from './load_model';

/** What the model's output is: `logits`, `probs`, or `auto` (probs when it ends in a softmax). */
export type OutputKind = 'auto' | 'logits' | 'probs';

interface NodeLike {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

/** How a layer applies a softmax at its output: `fused` (its `activation`), `layer`, or `none`. */
export function softmaxKind(layer: tf.layers.Layer): 'fused' | 'layer' | 'none' {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as { activation?: unknown };
  if (cls === 'Softmax') return 'layer';
  if (cls === 'Activation') return cfg.activation === 'softmax' ? 'layer' : 'none';
  return cfg.activation === 'softmax' ? 'fused' : 'none';
}

/** The layer that produces the model's (single) output. */
function outputLayer(model: tf.LayersModel): tf.layers.Layer {
  if (model.outputs.length !== 1) throw new ModelError(`saplab evaluates single-output classifiers; this model has ${model.outputs.length} outputs`);
  const out = model.outputs[0] as unknown as { sourceLayer: tf.layers.Layer };
  return out.sourceLayer;
}

/** `true` when the model's output comes from a softmax. */
export function endsInSoftmax(model: tf.LayersModel): boolean {
  return softmaxKind(outputLayer(model)) !== 'none';
}

/** The result of `logitsModel`. */
export interface LogitsModel {
  /** A model whose output is logits (the input model itself when nothing had to change). */
  net: tf.LayersModel;
  /** What the original model output: `logits` or `probs`. */
  outputs: 'logits' | 'probs';
  /**
   * How logits were obtained: `as-is` (the model outputs logits), `softmax-removed` (the final
   * softmax was taken off), or `log` (probabilities without a removable softmax: the evaluated
   * function takes their log, which has the same softmax).
   */
  method: 'as-is' | 'softmax-removed' | 'log';
}

/**
 * The logits version of a classifier. `outputs: 'auto'` (default) detects a final softmax.
 * With `'probs'` and no final softmax layer, `method` is `log` and the caller applies `tf.log`.
 * The returned `net` shares every layer (and so every weight) with `model`, except a final layer
 * with a fused softmax, which is rebuilt without it and given a copy of its weights.
 */
export function logitsModel(model: tf.LayersModel, outputs: OutputKind = 'auto'): LogitsModel {
  const last = outputLayer(model);
  const kind = softmaxKind(last);
  if (outputs === 'logits' || (outputs === 'auto' && kind === 'none')) return { net: model, outputs: 'logits', method: 'as-is' };
  if (kind === 'none') return { net: model, outputs: 'probs', method: 'log' };
  const node = (last.inboundNodes as unknown as NodeLike[]).find((n) => n.outputTensors.some((t) => t.id === model.outputs[0].id));
  if (!node) throw new ModelError(`cannot find the input of the output layer ${last.name}`);
  let out: tf.SymbolicTensor;
  if (kind === 'layer') {
    if (node.inputTensors.length !== 1) throw new ModelError(`the softmax layer ${last.name} has ${node.inputTensors.length} inputs`);
    out = node.inputTensors[0];
  } else {
    const cfg = { ...(last.getConfig() as Record<string, unknown>), activation: 'linear', name: `${last.name}_logits` };
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[last.getClassName()];
    if (!entry) throw new ModelError(`cannot rebuild layer ${last.name} (${last.getClassName()}) without its softmax`);
    const clone = entry[1](entry[0], cfg as tf.serialization.ConfigDict) as unknown as tf.layers.Layer;
    out = clone.apply(node.inputTensors.length === 1 ? node.inputTensors[0] : node.inputTensors) as tf.SymbolicTensor;
    clone.setWeights(last.getWeights());
  }
  const net = tf.model({ inputs: model.inputs, outputs: out, name: `${model.name}_logits` });
  return { net, outputs: 'probs', method: 'softmax-removed' };
}
