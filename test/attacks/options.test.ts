import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { apgd, fgsm, pgd, square, type Model } from 'saplab';
import { ATTACK_OPTION_KEYS, resolveAttackOptions } from '../../lib/attacks/options';
import { linearModel, randomInputs, randomWeights } from './tiny_models';

const model = linearModel(randomWeights(4, 3, 71), [0, 0, 0]);

/** The message an attack itself throws for `options` on a tiny input. */
function attackMessage(run: (m: Model, x: tf.Tensor4D, y: tf.Tensor1D, o: never) => tf.Tensor4D, options: Record<string, unknown>): string {
  const x = tf.tensor4d(randomInputs(2, 4, 72), [2, 2, 2, 1]);
  const y = tf.tensor1d([0, 1], 'int32');
  try {
    run(model, x, y, { eps: 0.1, ...options } as never).dispose();
    return '';
  } catch (e) {
    return (e as Error).message;
  } finally {
    tf.dispose([x, y]);
  }
}

describe('resolveAttackOptions', () => {
  it("fills in each attack's own defaults", () => {
    expect(resolveAttackOptions('pgd', {})).toEqual({ norm: 'linf', steps: 40, relStepsize: 2.5 / 40, randomStart: true, restarts: 1, loss: 'ce', targeted: false, eotSamples: 1 });
    expect(resolveAttackOptions('pgd', { steps: 10 }).relStepsize).toBeCloseTo(0.25, 12);
    expect(resolveAttackOptions('fgsm', { eotSamples: 8 })).toEqual({ norm: 'linf', loss: 'ce', targeted: false, eotSamples: 8 });
    expect(resolveAttackOptions('apgd', { loss: 'margin' })).toMatchObject({ steps: 100, restarts: 1, rho: 0.75, loss: 'margin' });
    expect(resolveAttackOptions('square', {})).toMatchObject({ queries: 5000, pInit: 0.8, loss: 'margin', predictSamples: 1 });
    expect(resolveAttackOptions('square', {}, { stochastic: true }).predictSamples).toBe(10);
    expect(Object.keys(resolveAttackOptions('square', {})).sort()).toEqual([...ATTACK_OPTION_KEYS.square].sort());
  });

  it('rejects an unknown attack, a key the attack does not take, and bad values with the attack\'s own message', () => {
    expect(() => resolveAttackOptions('cw' as never, {})).toThrow(/unknown attack "cw"/);
    expect(() => resolveAttackOptions('fgsm', { steps: 3 })).toThrow(/fgsm: unknown option "steps" \(fgsm takes norm, loss, targeted, eotSamples\)/);
    expect(() => resolveAttackOptions('pgd', { queries: 3 })).toThrow(/pgd: unknown option "queries"/);
    const cases: [string, (m: Model, x: tf.Tensor4D, y: tf.Tensor1D, o: never) => tf.Tensor4D, Record<string, unknown>][] = [
      ['pgd', pgd, { steps: 0 }],
      ['pgd', pgd, { relStepsize: -1 }],
      ['fgsm', fgsm, { loss: 'hinge' }],
      ['apgd', apgd, { rho: 2 }],
      ['square', square, { loss: 'dlr' }],
      ['square', square, { queries: 1.5 }],
    ];
    for (const [name, run, options] of cases) {
      const own = attackMessage(run, options);
      expect(own, `${name} ${JSON.stringify(options)}`).not.toBe('');
      expect(() => resolveAttackOptions(name as never, options)).toThrow(own);
    }
  });
});
