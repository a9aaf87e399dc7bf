import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { qNetwork } from 'saplab';
import { dqnUpdate } from '../../lib/rl/dqn';
import { syncTarget } from '../../lib/rl/q_network';
import { expectNoLeak } from '../helpers';

describe('qNetwork, syncTarget and dqnUpdate', () => {
  it('maps [n, 10, 5, 1] to [n, 3]; syncTarget copies the weights, later training leaves the target alone', () => {
    const online = qNetwork({ seed: 1 });
    const target = qNetwork({ seed: 2 });
    const x = tf.randomUniform([4, 10, 5, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const q1 = online.predict(x) as tf.Tensor;
    const q2 = target.predict(x) as tf.Tensor;
    expect(q1.shape).toEqual([4, 3]);
    expect(tf.max(tf.abs(tf.sub(q1, q2))).dataSync()[0]).toBeGreaterThan(1e-3);
    syncTarget(online, target);
    const q3 = target.predict(x) as tf.Tensor;
    expect(Array.from(q3.dataSync())).toEqual(Array.from(q1.dataSync()));
    // One gradient step on the online net: the target keeps the synced values.
    const opt = tf.train.adam(0.01);
    const batch = { observations: x.dataSync() as Float32Array, actions: new Int32Array([0, 1, 2, 0]), rewards: new Float32Array([1, -1, 0, 1]), nextObservations: x.dataSync() as Float32Array, dones: new Float32Array([1, 1, 0, 0]) };
    const loss = dqnUpdate(online, target, opt, batch, { gamma: 0.99, huberDelta: 1, observationShape: [10, 5, 1] });
    const q4 = target.predict(x) as tf.Tensor;
    const q5 = online.predict(x) as tf.Tensor;
    expect(Array.from(q4.dataSync())).toEqual(Array.from(q1.dataSync()));
    expect(tf.max(tf.abs(tf.sub(q5, q1))).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, q1, q2, q3, q4, q5, loss]);
    opt.dispose();
    online.dispose();
    target.dispose();
  });

  it('dqnUpdate: the loss is the mean Huber TD error, repeated steps shrink it, no tensors leak', async () => {
    const online = qNetwork({ seed: 3 });
    const target = qNetwork({ seed: 3 });
    syncTarget(online, target);
    const x = tf.randomUniform([8, 10, 5, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const obs = x.dataSync() as Float32Array;
    const batch = { observations: obs, actions: new Int32Array([0, 1, 2, 0, 1, 2, 0, 1]), rewards: new Float32Array([1, -1, 1, -1, 1, -1, 1, -1]), nextObservations: obs, dones: new Float32Array(8).fill(1) };
    // Closed form of the first loss: all transitions terminal, so targets are the rewards.
    const q = (online.predict(x) as tf.Tensor2D).arraySync();
    const expected = q.reduce((s, row, i) => {
      const d = Math.abs(row[batch.actions[i]] - batch.rewards[i]);
      return s + (d <= 1 ? 0.5 * d * d : d - 0.5);
    }, 0) / 8;
    const opt = tf.train.sgd(0.05);
    const first = dqnUpdate(online, target, opt, batch, { gamma: 0.9, huberDelta: 1, observationShape: [10, 5, 1] });
    expect(first.dataSync()[0]).toBeCloseTo(expected, 5);
    first.dispose();
    let last = NaN;
    await expectNoLeak(() => {
      for (let i = 0; i < 30; i++) {
        const l = dqnUpdate(online, target, opt, batch, { gamma: 0.9, huberDelta: 1, observationShape: [10, 5, 1] });
        last = l.dataSync()[0];
        l.dispose();
      }
    });
    expect(last).toBeLessThan(expected / 2);
    tf.dispose(x);
    opt.dispose();
    online.dispose();
    target.dispose();
  });
});

