/**
 * Rebuilds a pretrained `tf.LayersModel` with a new layer inserted after every ReLU, sharing the
 * original layers (and so their weights). The activation-space baselines (dropout, Gaussian
 * activation noise) sit at the same places as SAP (`withSap` does the same walk for `SapLayer`).
 */
import * as tf from '@tensorflow/tfjs';

/** `true` for layers whose output is a ReLU: a ReLU layer, an Activation('relu'), or a layer
 * with `activation: 'relu'` (e.g. conv2d or dense with a fused ReLU). */
export function endsInRelu(layer: tf.layers.Layer): boolean {
  const cls = layer.getClassName();
  if (cls === 'ReLU') {
    const cfg = layer.getConfig() as { maxValue?: number | null };
    return cfg.maxValue == null;
  }
  const cfg = layer.getConfig() as { activation?: unknown };
  return cfg.activation === 'relu';
}

interface NodeLike {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

/** The rebuilt model, the inserted layers in graph order, and the names of the ReLU layers. */
interface AfterRelu<L extends tf.layers.Layer> {
  net: tf.LayersModel;
  layers: L[];
  sites: string[];
}

/**
 * `model` with `make(site, index)` applied after each ReLU output (`site` is the ReLU layer's
 * name, `index` counts inserted layers). The rebuilt model is named `<model>_<name>`. Throws if the
 * model has no ReLU, naming `purpose` (default: the activation baselines).
 */
export function insertAfterRelu<L extends tf.layers.Layer>(
  model: tf.LayersModel,
  make: (site: string, index: number) => L,
  name: string,
  purpose = 'the activation baselines act after ReLUs',
): AfterRelu<L> {
  if (!(model instanceof tf.LayersModel)) throw new Error('expected a tf.LayersModel');
  const map = new Map<number, tf.SymbolicTensor>();
  const inputs = model.inputs.map((t) => tf.input({ shape: t.shape.slice(1) as number[], dtype: t.dtype }));
  model.inputs.forEach((t, i) => map.set(t.id, inputs[i]));
  const layers: L[] = [];
  const sites: string[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    for (const node of [...(layer.inboundNodes as unknown as NodeLike[])]) {
      if (!node.inputTensors.every((t) => map.has(t.id))) continue; // a node of another graph
      const ins = node.inputTensors.map((t) => map.get(t.id)!);
      const out = layer.apply(ins.length === 1 ? ins[0] : ins) as tf.SymbolicTensor | tf.SymbolicTensor[];
      let outs = Array.isArray(out) ? out : [out];
      if (endsInRelu(layer)) {
        outs = outs.map((o) => {
          const l = make(layer.name, layers.length);
          layers.push(l);
          return l.apply(o) as tf.SymbolicTensor;
        });
        sites.push(layer.name);
      }
      node.outputTensors.forEach((t, i) => map.set(t.id, outs[i]));
    }
  }
  const outputs = model.outputs.map((t) => {
    const o = map.get(t.id);
    if (!o) throw new Error(`could not rebuild the graph up to output ${t.name}`);
    return o;
  });
  if (layers.length === 0) throw new Error(`no ReLU in model ${model.name}: ${purpose}`);
  return { net: tf.model({ inputs, outputs, name: `${model.name}_${name}` }), layers, sites };
}
