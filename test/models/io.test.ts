import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fashionCnn, saveModel, loadModel } from 'saplab';
import { maxAbsDiff } from '../helpers';

describe('saveModel / loadModel', () => {
  it('round-trips a model through model.json + weights.bin', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-'));
    const m = fashionCnn({ seed: 4 });
    await saveModel(m, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const back = await loadModel(dir);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
    const a = m.predict(x) as tf.Tensor;
    const b = back.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
    tf.dispose([x, a, b]);
    fs.rmSync(dir, { recursive: true });
    await expect(loadModel(dir)).rejects.toThrow(/no model/);
  });
});
