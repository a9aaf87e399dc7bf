import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { asModel, resnet20 } from 'saplab';
import { runTorch, torchAvailable } from '../../lib/bench/torch';

// The comparison with PyTorch itself runs in test/bench/bench.test.ts (when PyTorch is here).
describe('bench PyTorch comparison', () => {
  it('reports why PyTorch cannot run, without running anything', () => {
    expect(torchAvailable('/nonexistent/python3')).toEqual({ ok: false, reason: '/nonexistent/python3 not found' });
    const net = resnet20();
    const x = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    const y = tf.zeros([1], 'int32') as tf.Tensor1D;
    const ctx = { net, model: asModel(net), x, y, classes: 10, batch: 1, seed: 1 };
    const r = runTorch(ctx, ['forward'], { repeats: 1, warmup: 0, python: '/nonexistent/python3' });
    expect(r).toEqual({ available: false, reason: '/nonexistent/python3 not found' });
    tf.dispose([x, y]);
    net.dispose();
  });
});
