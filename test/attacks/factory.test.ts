import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ATTACK_NAMES, attacks, makeAttack } from '../../lib/attacks/factory';
import { resolveAttackOptions } from '../../lib/attacks/options';
import { smoothAdv } from '../../lib/attacks/smooth_adv';
import { withGaussianSmoothing } from '../../lib/defenses/smoothing';
import { expectNoLeak } from '../helpers';
import { binaryModel, imagesAt } from '../defenses/smoothing_models';

describe('makeAttack: smoothAdv', () => {
  const ts = [0.05, 0.1, -0.12];
  const y = [0, 0, 1];

  it('is in the factory and gives exactly what smoothAdv gives with the same options, eps and seed', async () => {
    expect(ATTACK_NAMES).toContain('smoothAdv');
    const x = imagesAt(ts);
    const yt = tf.tensor1d(y, 'int32');
    const model = withGaussianSmoothing(binaryModel(), { sigma: 0.25 });
    const attack = makeAttack('smoothAdv', { steps: 5, noiseSamples: 4, randomStart: false });
    expect(attack.label).toBe('smoothAdv(steps=5, m=4, rs=false)');
    await expectNoLeak(() => attack(model, x, yt, { eps: 0.3, seed: 7 }), (t) => t.dispose());
    const viaFactory = await attack(model, x, yt, { eps: 0.3, seed: 7 });
    const direct = smoothAdv(model, x, yt, { steps: 5, noiseSamples: 4, randomStart: false, eps: 0.3, seed: 7 });
    expect(Array.from(viaFactory.dataSync())).toEqual(Array.from(direct.dataSync()));
    // An L2 attack: every perturbation within the radius, and the attack moved every image.
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(viaFactory, x)), [1, 2, 3])).arraySync()) as number[];
    for (const n of norms) {
      expect(n).toBeLessThanOrEqual(0.3 + 1e-5);
      expect(n).toBeGreaterThan(0.1);
    }
    tf.dispose([x, yt, viaFactory, direct]);
  });

  it('checks its options once, when it is built, with the resolver every config uses', () => {
    expect(() => attacks.smoothAdv({ noiseSamples: 0 })).toThrow(/attacks.smoothAdv: noiseSamples must be an integer >= 1/);
    expect(() => attacks.smoothAdv({ steps: 0 })).toThrow(/steps must be an integer >= 1/);
    expect(() => attacks.smoothAdv({ norm: 'linf' } as never)).toThrow(/norm is fixed/);
    expect(() => attacks.smoothAdv({ eps: 0.5 } as never)).toThrow(/eps and seed are given per call/);
    expect(resolveAttackOptions('smoothAdv', {})).toEqual({ steps: 40, relStepsize: 2.5 / 40, randomStart: true, restarts: 1, targeted: false, eotSamples: 1, noiseSamples: 8 });
    expect(() => resolveAttackOptions('smoothAdv', { queries: 10 })).toThrow(/smoothAdv: unknown option "queries"/);
  });

  it('refuses a model that is not a smoothed classifier', async () => {
    const x = imagesAt(ts);
    const yt = tf.tensor1d(y, 'int32');
    await expect(async () => makeAttack('smoothAdv', { steps: 1 })(binaryModel(), x, yt, { eps: 0.1 })).rejects.toThrow(/must be a smoothed classifier from withGaussianSmoothing/);
    tf.dispose([x, yt]);
  });
});
