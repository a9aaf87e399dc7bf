import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadEvaluationInputs, MODEL_INPUT_DEFAULTS, PIXEL_MLP_PARAMS, pixelMlp, saveModel, trainPixelMlp } from 'saplab';

describe('pixelMlp', () => {
  it('is a softmax MLP on [0, 255] pixels with two ReLU sites of two kinds', () => {
    const net = pixelMlp({ seed: 3 });
    expect(net.countParams()).toBe(PIXEL_MLP_PARAMS);
    expect(net.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(net.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Rescaling', 'Flatten', 'Dense', 'Dense', 'ReLU', 'Dense']);
    // Same seed, same weights; an image of 255s is an image of 1s after the rescaling.
    const again = pixelMlp({ seed: 3 });
    const x = tf.fill([1, 28, 28, 1], 255);
    expect(Array.from((net.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((again.predict(x) as tf.Tensor).dataSync()));
    tf.dispose(x);
    net.dispose();
    again.dispose();
  });

  it('trains on [0, 1] images fed as [0, 255], seeded, and saplab finds its SAP sites and softmax', async () => {
    // Two separable classes: bright left half against bright right half.
    const n = 256;
    const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 2), 'int32');
    const x = tf.tidy(() => {
      const left = tf.concat([tf.ones([1, 28, 14, 1]), tf.zeros([1, 28, 14, 1])], 2);
      const right = tf.reverse(left, 2);
      return tf.concat(Array.from({ length: n }, (_, i) => (i % 2 ? right : left)), 0) as tf.Tensor4D;
    });
    const before = tf.memory().numTensors;
    const net = pixelMlp({ seed: 1 });
    const acc = await trainPixelMlp(net, x, y, { epochs: 2, batchSize: 32, seed: 1 });
    expect(acc).toHaveLength(2);
    expect(acc[1]).toBeGreaterThan(0.95);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pixel-mlp-'));
    try {
      await saveModel(net, dir);
      const inputs = await loadEvaluationInputs({ ...MODEL_INPUT_DEFAULTS, model: dir, inputRange: [0, 255], n: 8 }, { needsRelu: true });
      expect(inputs.sites).toEqual(['hidden1', 'hidden2_relu']);
      expect(inputs.logits.method).toBe('softmax-removed');
      inputs.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(trainPixelMlp(pixelMlp(), x, tf.tensor1d([1]))).rejects.toThrow(/256 images but 1 labels/);
    tf.dispose([x, y]);
  });
});
