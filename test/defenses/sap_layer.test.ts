import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { sapLayer, SapLayer } from 'saplab';
import { expectNoLeak } from '../helpers';
import { useWasm } from '../backend/backend_compare';

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

describe('SapLayer on a slice of a batch (rowOffset, skipPasses, stream state)', () => {
  it.each(['sap', 'random'] as const)('gives the rows and passes of a whole-batch run with the wasm sampler (%s)', async (kind) => {
    await useWasm();
    const x = tf.randomUniform([7, 5, 5, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const whole = sapLayer({ seed: 21, sampleFraction: 0.5, kind });
    expect(whole.rowKeyed()).toBe(true);
    const start = whole.streamState();
    const passes = [0, 1, 2].map(() => whole.apply(x) as tf.Tensor);
    // Rows 2..5 of pass 0, then (skipping pass 1) of pass 2, from a layer with another seed.
    const part = sapLayer({ seed: 1, sampleFraction: 0.5, kind });
    part.setStreamState(start);
    part.rowOffset = 2;
    const xs = tf.slice(x, [2, 0, 0, 0], [3, -1, -1, -1]);
    const p0 = part.apply(xs) as tf.Tensor;
    part.skipPasses(1);
    const p2 = part.apply(xs) as tf.Tensor;
    const rows = (t: tf.Tensor) => Array.from(tf.tidy(() => tf.slice(t, [2, 0, 0, 0], [3, -1, -1, -1]).dataSync()));
    expect(Array.from(p0.dataSync())).toEqual(rows(passes[0]));
    expect(Array.from(p2.dataSync())).toEqual(rows(passes[2]));
    expect(Array.from(p0.dataSync())).not.toEqual(rows(passes[1]));
    // The stream ends where the whole batch's did.
    expect(part.streamState()).toEqual(whole.streamState());
    tf.dispose([x, xs, p0, p2, ...passes]);
  });

  it('refuses offsets and skips for samplers that are not row-keyed', async () => {
    await useWasm();
    const x = tf.ones([2, 4]);
    const before = tf.memory().numTensors;
    for (const args of [{ kind: 'random' as const, sampler: 'javascript' as const }, { mode: 'poisson' as const }, { sampler: 'javascript' as const }]) {
      const layer = sapLayer({ seed: 3, ...args });
      expect(layer.rowKeyed()).toBe(false);
      expect(() => layer.skipPasses(1)).toThrow(/skipPasses needs the WebAssembly sampler/);
      layer.rowOffset = 1;
      expect(() => layer.apply(x)).toThrow(/rowOffset 1: .* does not key its masks by row/);
    }
    const off = sapLayer({ kind: 'random', active: false });
    expect(off.rowKeyed()).toBe(true);
    off.skipPasses(3);
    expect(() => sapLayer().skipPasses(-1)).toThrow(/non-negative integer/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
