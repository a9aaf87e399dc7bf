import { describe, expect, it } from 'vitest';
import { ConfigError, MODEL_INPUT_DEFAULTS } from '../../lib/reproduce/spec';
import { validateModelInput } from '../../lib/reproduce/validate';

describe('reproduce spec', () => {
  it('ConfigError is an Error named ConfigError carrying the message', () => {
    const e = new ConfigError('n must be a positive integer');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ConfigError');
    expect(e.message).toBe('n must be a positive integer');
  });

  it('the model and data defaults are the shipped CNN on Fashion-MNIST, and valid', () => {
    expect(MODEL_INPUT_DEFAULTS).toEqual({ model: 'fashion-cnn', dataset: 'fashion-mnist', dataDir: null, inputRange: [0, 1], mean: null, std: null, outputs: 'auto' });
    expect(() => validateModelInput(MODEL_INPUT_DEFAULTS)).not.toThrow();
  });
});
