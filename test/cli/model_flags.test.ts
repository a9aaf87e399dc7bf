import { describe, expect, it } from 'vitest';
import { modelInputOverrides, MODEL_INPUT_FLAGS } from '../../lib/cli/model_flags';
import { parseFlags } from '../../lib/cli/args';

const parse = (argv: string[]) => modelInputOverrides(parseFlags(argv, MODEL_INPUT_FLAGS).flags);

describe('model and data flags', () => {
  it('sets only the keys of the flags given', () => {
    expect(parse([])).toEqual({});
    expect(parse(['--model', 'm/', '--outputs', 'probs', '--dataset', 'mnist', '--data', 'd', '--input-range', '0-255', '--mean', '1, 2,3', '--std', '4,5,6'])).toEqual({
      model: 'm/',
      outputs: 'probs',
      dataset: 'mnist',
      dataDir: 'd',
      inputRange: [0, 255],
      mean: [1, 2, 3],
      std: [4, 5, 6],
    });
    expect(parse(['--input-range', '0-1']).inputRange).toEqual([0, 1]);
  });

  it('names the flag of a bad value', () => {
    expect(() => parse(['--outputs', 'softmax'])).toThrow(/--outputs must be logits, probs or auto/);
    expect(() => parse(['--dataset', 'svhn'])).toThrow(/--dataset must be one of fashion-mnist, mnist, cifar10, idx/);
    expect(() => parse(['--input-range', '255'])).toThrow(/--input-range must be 0-1 or 0-255/);
    expect(() => parse(['--mean', '1,x'])).toThrow(/--mean takes comma-separated numbers/);
  });
});
