/** The flags that choose model, data and input conventions, shared by `evaluate` and `reproduce`. */
import { FlagSpec, Flags, UsageError } from './args';
import { DATASETS, isDatasetName } from '../data/datasets';
import type { ModelInputConfig } from '../reproduce/config';

/** `--model`, `--outputs`, `--dataset`, `--data`, `--input-range`, `--mean`, `--std`. */
export const MODEL_INPUT_FLAGS: FlagSpec = {
  model: { type: 'string', help: 'fashion-cnn (shipped) or a TF.js layers model: folder, model.json, file:// or http(s):// URL' },
  outputs: { type: 'string', help: 'logits | probs | auto (auto: probs when the model ends in a softmax)' },
  dataset: { type: 'string', help: Object.keys(DATASETS).join(' | ') },
  data: { type: 'string', help: 'folder searched first for the data set (then $SAPLAB_DATA, data/, download)' },
  'input-range': { type: 'string', help: 'pixel range the model expects: 0-1 or 0-255 (eps stays on [0, 1])' },
  mean: { type: 'string', help: 'comma-separated per-channel mean subtracted inside the model (on its pixel range)' },
  std: { type: 'string', help: 'comma-separated per-channel std divided by inside the model (on its pixel range)' },
};

function numberList(v: string, flag: string): number[] {
  const out = v.split(',').map((e) => Number(e.trim()));
  if (out.length === 0 || out.some((e) => !Number.isFinite(e))) throw new UsageError(`--${flag} takes comma-separated numbers, got ${JSON.stringify(v)}`);
  return out;
}

/** The config keys set by the flags that were given (absent flags leave keys out). */
export function modelInputOverrides(f: Flags): Partial<ModelInputConfig> {
  const o: Partial<ModelInputConfig> = {};
  if (f.model !== undefined) o.model = String(f.model);
  if (f.outputs !== undefined) {
    if (!['logits', 'probs', 'auto'].includes(String(f.outputs))) throw new UsageError(`--outputs must be logits, probs or auto, got ${JSON.stringify(f.outputs)}`);
    o.outputs = f.outputs as ModelInputConfig['outputs'];
  }
  if (f.dataset !== undefined) {
    if (!isDatasetName(f.dataset)) throw new UsageError(`--dataset must be one of ${Object.keys(DATASETS).join(', ')}, got ${JSON.stringify(f.dataset)}`);
    o.dataset = f.dataset;
  }
  if (f.data !== undefined) o.dataDir = String(f.data);
  if (f['input-range'] !== undefined) {
    const r = String(f['input-range']);
    if (r !== '0-1' && r !== '0-255') throw new UsageError(`--input-range must be 0-1 or 0-255, got ${JSON.stringify(r)}`);
    o.inputRange = r === '0-1' ? [0, 1] : [0, 255];
  }
  if (f.mean !== undefined) o.mean = numberList(String(f.mean), 'mean');
  if (f.std !== undefined) o.std = numberList(String(f.std), 'std');
  return o;
}
