import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { apgd, fgsm, pgd, square, type Model } from 'saplab';
import { expectNoLeak } from '../helpers';
import { linearModel, randomInputs, randomWeights } from './tiny_models';

const shape: [number, number, number] = [2, 2, 1];
const d = 4;
const model = linearModel(randomWeights(d, 3, 61), [0, 0, 0]);
const two = linearModel(randomWeights(d, 2, 62), [0, 0]);

type Run = (m: Model, x: tf.Tensor4D, y: tf.Tensor1D, o: Record<string, unknown>) => tf.Tensor4D;
const all: [string, Run][] = [
  ['fgsm', (m, x, y, o) => fgsm(m, x, y, o as never)],
  ['pgd', (m, x, y, o) => pgd(m, x, y, o as never)],
  ['apgd', (m, x, y, o) => apgd(m, x, y, o as never)],
  ['square', (m, x, y, o) => square(m, x, y, o as never)],
];

describe.each(all)('%s rejects bad arguments', (name, run) => {
  const x = tf.tensor4d(randomInputs(3, d, 1), [3, ...shape]);
  const y = tf.tensor1d([0, 1, 2], 'int32');
  const cases: [string, () => unknown, RegExp][] = [
    ['negative eps', () => run(model, x, y, { eps: -0.1 }), /eps must be a finite number >= 0/],
    ['NaN eps', () => run(model, x, y, { eps: NaN }), /eps must be a finite number >= 0/],
    ['missing options', () => run(model, x, y, undefined as never), /options with eps are required|eps/],
    ['label count mismatch', () => run(model, x, tf.tensor1d([0, 1], 'int32'), { eps: 0.1 }), /x has 3 examples but y has 2 labels/],
    ['x of rank 3', () => run(model, tf.zeros([3, 2, 2]) as never, y, { eps: 0.1 }), /x must have rank 4/],
    ['y of rank 2', () => run(model, x, tf.zeros([3, 1], 'int32') as never, { eps: 0.1 }), /y must have rank 1/],
    ['NaN in x', () => run(model, tf.tensor4d([0.5, NaN, 0.5, 0.5, 0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0], [3, ...shape]), y, { eps: 0.1 }), /x contains NaN/],
    ['x outside bounds', () => run(model, tf.add(x, 1.5) as tf.Tensor4D, y, { eps: 0.1 }), /x must lie inside bounds \[0, 1\]/],
    ['x outside custom bounds', () => run(model, tf.sub(x, 2) as tf.Tensor4D, y, { eps: 0.1, bounds: [-1, 1] }), /inside bounds \[-1, 1\]/],
    ['bad bounds', () => run(model, x, y, { eps: 0.1, bounds: [1, 0] }), /bounds must be \[lo, hi\]/],
    ['negative label', () => run(model, x, tf.tensor1d([0, -1, 2], 'int32'), { eps: 0.1 }), /non-negative integer labels/],
    ['fractional label', () => run(model, x, tf.tensor1d([0, 1.5, 2]), { eps: 0.1 }), /integer labels/],
    ['label out of range', () => run(model, x, tf.tensor1d([0, 1, 3], 'int32'), { eps: 0.1 }), /label 3 is out of range for a model with 3 classes/],
    ['non-integer seed', () => run(model, x, y, { eps: 0.1, seed: 0.5 }), /seed must be an integer/],
  ];
  if (name !== 'square') {
    cases.push(
      ['unknown loss', () => run(model, x, y, { eps: 0.1, loss: 'hinge' }), /unknown loss "hinge"/],
      ['unknown norm', () => run(model, x, y, { eps: 0.1, norm: 'l1' }), /unknown norm "l1"/],
      ['eotSamples 0', () => run(model, x, y, { eps: 0.1, eotSamples: 0 }), /eotSamples must be an integer >= 1/],
      ['DLR with two classes', () => run(two, x, tf.tensor1d([0, 1, 1], 'int32'), { eps: 0.1, loss: 'dlr' }), /DLR loss needs at least 3 classes/],
    );
  } else {
    cases.push(
      ['unknown loss', () => run(model, x, y, { eps: 0.1, loss: 'dlr' }), /unknown loss "dlr"/],
      ['queries 0', () => run(model, x, y, { eps: 0.1, queries: 0 }), /queries must be an integer >= 1/],
      ['pInit above 1', () => run(model, x, y, { eps: 0.1, pInit: 2 }), /pInit must be in \(0, 1\]/],
      ['predictSamples 0', () => run(model, x, y, { eps: 0.1, predictSamples: 0 }), /predictSamples/],
    );
  }
  if (name === 'pgd' || name === 'apgd') {
    cases.push(
      ['steps 0', () => run(model, x, y, { eps: 0.1, steps: 0 }), /steps must be an integer >= 1/],
      ['restarts 0', () => run(model, x, y, { eps: 0.1, restarts: 0 }), /restarts must be an integer >= 1/],
    );
  }
  if (name === 'pgd') cases.push(['relStepsize 0', () => run(model, x, y, { eps: 0.1, relStepsize: 0 }), /relStepsize must be a finite number > 0/]);
  if (name === 'apgd') {
    cases.push(
      ['targeted DLR', () => run(model, x, y, { eps: 0.1, loss: 'dlr', targeted: true }), /targeted DLR/],
      ['rho 0', () => run(model, x, y, { eps: 0.1, rho: 0 }), /rho must be in \(0, 1\]/],
    );
  }
  it.each(cases)('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });

  it('leaves no tensors behind when it throws after starting', async () => {
    const bad = tf.tensor1d([0, 1, 5], 'int32');
    await expectNoLeak(() => {
      expect(() => run(model, x, bad, { eps: 0.1 })).toThrow(/out of range/);
    });
    bad.dispose();
  });
});

describe('checkEpsList', () => {
  it('takes a non-empty list of eps on the [0, 1] scale; positive leaves out 0', async () => {
    const { checkEpsList } = await import('../../lib/attacks/validate');
    expect(checkEpsList([0, 0.1, 1], 'eps')).toEqual([0, 0.1, 1]);
    expect(checkEpsList([0.5], 'attacks[0].eps', { positive: true })).toEqual([0.5]);
    for (const bad of [[], [-0.1], [1.5], [NaN], ['0.1'], 0.1, null]) expect(() => checkEpsList(bad, 'eps'), JSON.stringify(bad)).toThrow(/^eps must be a non-empty list of numbers in \[0, 1\], got /);
    expect(() => checkEpsList([0], 'attacks[0].eps', { positive: true })).toThrow(/^attacks\[0\]\.eps must be a non-empty list of numbers in \(0, 1\]/);
  });
});
