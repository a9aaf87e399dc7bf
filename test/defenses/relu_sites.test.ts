import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn } from 'saplab';
import { insertAfterRelu } from '../../lib/defenses/relu_sites';

describe('insertAfterRelu', () => {
  it('inserts one layer after each ReLU and shares the original layers', () => {
    const net = fashionCnn({ seed: 1 });
    const made: string[] = [];
    const { net: rebuilt, layers, sites } = insertAfterRelu(net, (site, i) => (made.push(`${site}:${i}`), tf.layers.activation({ activation: 'linear', name: `probe_${i}` })), 'probe');
    expect(sites).toEqual(['conv1', 'conv2', 'dense1']);
    expect(made).toEqual(['conv1:0', 'conv2:1', 'dense1:2']);
    expect(layers.length).toBe(3);
    const ids = new Set(net.weights.map((w) => w.id));
    expect(rebuilt.weights.map((w) => w.id).every((id) => ids.has(id))).toBe(true);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 3);
    const d = tf.max(tf.abs(tf.sub(rebuilt.predict(x) as tf.Tensor, net.predict(x) as tf.Tensor))).dataSync()[0];
    expect(d).toBeLessThan(1e-6); // identity probes leave the logits unchanged
    const noRelu = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 2 })] });
    expect(() => insertAfterRelu(noRelu, () => tf.layers.activation({ activation: 'linear' }), 'probe')).toThrow(/no ReLU/);
  });
});
