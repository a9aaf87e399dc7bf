import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { resnet20 } from 'saplab';

describe('resnet20', () => {
  const m = resnet20({ seed: 1 });
  it('has about 0.27M parameters with 16/32/64 filters', () => {
    const params = m.countParams();
    expect(params).toBeGreaterThan(0.26e6);
    expect(params).toBeLessThan(0.28e6);
    const convFilters = m.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.getConfig() as { filters: number }).filters);
    expect(new Set(convFilters)).toEqual(new Set([16, 32, 64]));
    // 1 stem conv + 9 units x 2 convs + 2 projection shortcuts = 21 conv layers, 19 ReLUs, 9 adds.
    expect(convFilters.length).toBe(21);
    expect(m.layers.filter((l) => l.getClassName() === 'ReLU').length).toBe(19);
    expect(m.layers.filter((l) => l.getClassName() === 'Add').length).toBe(9);
  });

  it('maps [n,32,32,3] to [n,10] logits, downsampling 32 -> 16 -> 8', () => {
    const y = m.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor;
    expect(y.shape).toEqual([2, 10]);
    y.dispose();
    expect(m.getLayer('s2b1_relu2').outputShape).toEqual([null, 16, 16, 32]);
    expect(m.getLayer('s3b3_relu2').outputShape).toEqual([null, 8, 8, 64]);
  });
});
