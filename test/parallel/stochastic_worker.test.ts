import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, withSap, predictProbs } from 'saplab';
import { runStochasticTask, StochasticTask } from '../../lib/parallel/stochastic_worker';
import { streamStates } from '../../lib/parallel/stochastic_ops';
import { useWasm } from '../backend/backend_compare';

describe('stochastic_worker tasks (run here, on the main thread)', () => {
  it('a probs task on rows 3..7 returns those rows of predictProbs; unknown tasks fail', async () => {
    await useWasm();
    const net = fashionCnn({ seed: 1 });
    const x = tf.randomUniform([7, 28, 28, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const ref = predictProbs(withSap(net, { seed: 3 }), x, { samples: 2, seed: 4 });
    const sap = withSap(net, { seed: 3 });
    sap.reseed(4);
    const m = { model: sap, layers: sap.sapLayers };
    const rows = tf.tidy(() => tf.slice(x, [3, 0, 0, 0], [4, -1, -1, -1]).dataSync() as Float32Array);
    const task: StochasticTask = { op: 'probs', x: rows, shape: [4, 28, 28, 1], samples: 2, segments: [{ chunk: 0, offset: 3, rows: 4 }], states: streamStates(sap.sapLayers) };
    const before = tf.memory().numTensors;
    const out = runStochasticTask(m, task);
    expect(Array.from(out.probs!)).toEqual(Array.from(tf.tidy(() => tf.slice(ref, [3, 0], [4, -1]).dataSync())));
    expect(() => runStochasticTask(m, { ...task, op: 'nope' } as unknown as StochasticTask)).toThrow(/unknown task/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, ref]);
    net.dispose();
  });
});
