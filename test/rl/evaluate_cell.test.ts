import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadPretrained } from '../../lib/models/pretrained';
import { buildRlAgent, buildRlAttack, disposeAgent, rlEpisodeSeeds } from '../../lib/rl/evaluate_cell';
import { buildRlConfig } from '../../lib/rl/evaluate_config';

describe('rl evaluate cell', () => {
  it('episode seeds depend on the seed and count only; agents are the network as is or with SAP', async () => {
    const config = buildRlConfig('quick', { episodes: 5 });
    const seeds = rlEpisodeSeeds(config);
    expect(seeds).toHaveLength(5);
    expect(rlEpisodeSeeds(config)).toEqual(seeds);
    expect(rlEpisodeSeeds({ ...config, seed: config.seed + 1 })).not.toEqual(seeds);
    const net = await loadPretrained('catch-dqn');
    const before = tf.memory().numTensors;
    const dense = buildRlAgent(net, { name: 'dense', kind: 'dense' }, 1);
    const sap = buildRlAgent(net, { name: 'SAP-100', kind: 'sap', sampleFraction: 1 }, 1);
    expect(dense.stochastic).not.toBe(true);
    expect(sap.stochastic).toBe(true);
    expect(typeof buildRlAttack({ name: 'PGD', method: 'pgd', steps: 2 }, true)).toBe('function');
    disposeAgent(sap);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});
