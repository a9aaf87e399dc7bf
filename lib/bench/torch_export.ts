/**
 * Describes a sequential TF.js model (conv2d, max-pooling, flatten, dense; ReLU or linear) as a
 * list of layers with their weights, in TF.js layouts, and writes it with the inputs and TF.js's
 * results for `scripts/bench_torch.py` to rebuild the same function in PyTorch.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

export interface TorchLayer {
  type: 'conv2d' | 'maxpool' | 'flatten' | 'dense';
  /** Activation after the layer. */
  activation?: 'relu' | 'linear';
  /** conv2d `[kh, kw, ci, co]` or dense `[in, out]`. */
  kernel?: tf.Tensor;
  bias?: tf.Tensor;
  strides?: [number, number];
  /** TF.js padding, `valid` or `same`. */
  padding?: 'valid' | 'same';
  poolSize?: [number, number];
}

function pair(v: unknown, name: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  throw new Error(`unsupported ${name} ${JSON.stringify(v)}`);
}

function activation(cfg: tf.serialization.ConfigDict, layer: string): 'relu' | 'linear' {
  const a = (cfg.activation as string | undefined) ?? 'linear';
  if (a !== 'relu' && a !== 'linear') throw new Error(`layer ${layer}: activation ${a} is not supported for the PyTorch comparison`);
  return a;
}

/** The layers of `net`, or an error naming the first layer PyTorch cannot be given. */
export function describeSequential(net: tf.LayersModel): TorchLayer[] {
  const out: TorchLayer[] = [];
  for (const layer of net.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig();
    const w = layer.getWeights();
    if (cls === 'InputLayer') continue;
    // The first inbound node is the model's own (wrappers such as withSap add more, sharing the layer).
    if (layer.inboundNodes.length < 1 || layer.inboundNodes[0].inboundLayers.length > 1) throw new Error(`layer ${layer.name}: only sequential models are supported`);
    if (cls === 'Conv2D') {
      if (cfg.dataFormat === 'channelsFirst') throw new Error(`layer ${layer.name}: channelsFirst is not supported`);
      const dil = pair(cfg.dilationRate ?? 1, 'dilation');
      if (dil[0] !== 1 || dil[1] !== 1) throw new Error(`layer ${layer.name}: dilation is not supported`);
      out.push({ type: 'conv2d', kernel: w[0], bias: cfg.useBias ? w[1] : undefined, strides: pair(cfg.strides, 'strides'), padding: cfg.padding as 'valid' | 'same', activation: activation(cfg, layer.name) });
    } else if (cls === 'MaxPooling2D') {
      out.push({ type: 'maxpool', poolSize: pair(cfg.poolSize, 'poolSize'), strides: pair(cfg.strides ?? cfg.poolSize, 'strides'), padding: cfg.padding as 'valid' | 'same' });
    } else if (cls === 'Flatten') {
      out.push({ type: 'flatten' });
    } else if (cls === 'Dense') {
      out.push({ type: 'dense', kernel: w[0], bias: cfg.useBias ? w[1] : undefined, activation: activation(cfg, layer.name) });
    } else if (cls === 'ReLU' || (cls === 'Activation' && cfg.activation === 'relu')) {
      const last = out[out.length - 1];
      if (!last || last.activation === 'relu') throw new Error(`layer ${layer.name}: a ReLU layer must follow a conv2d or dense layer`);
      last.activation = 'relu';
    } else throw new Error(`layer ${layer.name}: ${cls} is not supported for the PyTorch comparison`);
  }
  return out;
}

/** Writes the model, inputs and TF.js results for `scripts/bench_torch.py` into `dir`. */
export function exportForTorch(dir: string, layers: TorchLayer[], tensors: Record<string, tf.Tensor>, extra: Record<string, unknown>): void {
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
