import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { sapLayer, SapLayer } from 'saplab';
import { expectNoLeak } from '../helpers';

describe('SapLayer', () => {
  it('round-trips through serialization with its config', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu' }), sapLayer({ sampleFraction: 0.5, mode: 'poisson', gradient: 'identity', seed: 42, name: 'sap1' }), tf.layers.dense({ units: 3 })],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const layer = loaded.getLayer('sap1') as SapLayer;
    expect(layer).toBeInstanceOf(SapLayer);
    expect(layer.getConfig()).toMatchObject({ sampleFraction: 0.5, mode: 'poisson', gradient: 'identity', kind: 'sap', seed: 42, active: true });
    // Same seed, same weights: the loaded model repeats the original's first stochastic pass.
    (model.getLayer('sap1') as SapLayer).reseed(42);
    const x = tf.randomUniform([3, 6], 0, 1, 'float32', 4);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([x, a, b]);
  });

  it('stays active at inference and is the identity when inactive', () => {
    const x = tf.tensor2d([[1, 2, 3, 4, 0, 5]]);
    const on = sapLayer({ seed: 1 });
    const off = sapLayer({ active: false });
    const a = on.apply(x, { training: false }) as tf.Tensor;
    const b = off.apply(x) as tf.Tensor;
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(x.dataSync()));
    expect(Array.from(b.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, a, b]);
  });

  it('validates its arguments and leaks nothing', async () => {
    expect(() => sapLayer({ sampleFraction: 0 })).toThrow(/sampleFraction/);
    const layer = sapLayer({ seed: 3 });
    const x = tf.tensor4d(new Float32Array(2 * 3 * 3 * 2).map((_, i) => (i % 3) * 0.5), [2, 3, 3, 2]);
    await expectNoLeak(() => layer.apply(x) as tf.Tensor, (t) => t.dispose());
    x.dispose();
  });
});
