import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, resnet20, withSap, SapLayer, predictLogits } from 'saplab';
import { endsInRelu } from '../../lib/defenses/relu_sites';
import { expectNoLeak, maxAbsDiff } from '../helpers';

function images(n: number, shape: [number, number, number], seed: number): tf.Tensor4D {
  return tf.randomUniform([n, ...shape], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** The layer each SapLayer reads from, via the rebuilt graph's inbound nodes. */
function sapSources(net: tf.LayersModel): tf.layers.Layer[] {
  return net.layers
    .filter((l) => l instanceof SapLayer)
    .map((l) => (l.inboundNodes[0] as unknown as { inboundLayers: tf.layers.Layer[] }).inboundLayers[0]);
}

describe('withSap on the Fashion-MNIST CNN (sequential)', () => {
  const model = fashionCnn({ seed: 1 });
  const x = images(4, [28, 28, 1], 3);

  it('puts SAP after every ReLU and nowhere else, sharing the weights', () => {
    const sm = withSap(model, { seed: 2 });
    const reluLayers = model.layers.filter(endsInRelu).map((l) => l.name);
    expect(reluLayers).toEqual(['conv1', 'conv2', 'dense1']);
    expect(sm.sites).toEqual(reluLayers);
    expect(sapSources(sm.net).map((l) => l.name)).toEqual(reluLayers);
    // Same weight objects, not copies.
    const orig = model.weights.map((w) => w.read().id);
    const shared = sm.net.weights.map((w) => w.read().id);
    expect(shared).toEqual(orig);
    const y = sm(x);
    expect(y.shape).toEqual([4, 10]);
    y.dispose();
  });

  it('draws fresh masks per call; a seed fixes the sequence of masks', () => {
    const a = withSap(model, { seed: 5 });
    const b = withSap(model, { seed: 5 });
    const a1 = a(x);
    const a2 = a(x);
    const b1 = b(x);
    expect(maxAbsDiff(a1, a2)).toBeGreaterThan(0);
    expect(maxAbsDiff(a1, b1)).toBe(0);
    a.reseed(5);
    const a3 = a(x);
    expect(maxAbsDiff(a1, a3)).toBe(0);
    tf.dispose([a1, a2, b1, a3]);
  });

  it('approaches the dense model as sampleFraction grows', () => {
    const dense = predictLogits(model, x);
    const gaps = [0.5, 100].map((f) => {
      const sm = withSap(model, { sampleFraction: f, seed: 1 });
      const y = sm(x);
      const d = maxAbsDiff(y, dense);
      y.dispose();
      return d;
    });
    expect(gaps[1]).toBeLessThan(gaps[0] / 5);
    dense.dispose();
  });

  it('perLayer sets sampleFraction per site and rejects unknown layer names', () => {
    const sm = withSap(model, { perLayer: { conv1: 0.5 }, sampleFraction: 2 });
    expect(sm.sapLayers.map((l) => l.sampleFraction)).toEqual([0.5, 2, 2]);
    expect(() => withSap(model, { perLayer: { nope: 1 } })).toThrow(/nope/);
  });

  it("random pruning sits at the same sites; 'identity' gradient is wired through", () => {
    const rp = withSap(model, { kind: 'random' });
    expect(rp.sites).toEqual(['conv1', 'conv2', 'dense1']);
    expect(rp.sapLayers.every((l) => l.kind === 'random')).toBe(true);
    const bpda = withSap(model, { gradient: 'identity' });
    expect(bpda.sapLayers.every((l) => l.gradient === 'identity')).toBe(true);
  });

  it('leaks no tensors in forward and input-gradient passes', async () => {
    const sm = withSap(model, { seed: 3 });
    await expectNoLeak(() => sm(x), (t) => t.dispose());
    await expectNoLeak(() => tf.grad((xx: tf.Tensor) => tf.sum(sm(xx as tf.Tensor4D)))(x), (t) => t.dispose());
  });
});

describe('withSap on ResNet-20 (functional, residual adds)', () => {
  it('wraps every ReLU of the residual graph and keeps shapes', () => {
    const net = resnet20({ seed: 1 });
    const sm = withSap(net, { seed: 1 });
    // Stem ReLU + two ReLUs in each of 9 residual units.
    expect(sm.sites.length).toBe(19);
    expect(sapSources(sm.net).every(endsInRelu)).toBe(true);
    expect(sm.net.weights.map((w) => w.read().id)).toEqual(net.weights.map((w) => w.read().id));
    const x = images(2, [32, 32, 3], 1);
    const y = sm(x);
    expect(y.shape).toEqual([2, 10]);
    tf.dispose([x, y]);
  });

  it('rejects a model without ReLUs', () => {
    const lin = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3 })] });
    expect(() => withSap(lin)).toThrow(/no ReLU/);
  });
});
