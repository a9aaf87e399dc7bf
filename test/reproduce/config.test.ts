import { describe, expect, it } from 'vitest';
import * as config from '../../lib/reproduce/config';
import * as spec from '../../lib/reproduce/spec';
import * as presets from '../../lib/reproduce/presets';
import * as validate from '../../lib/reproduce/validate';
import * as grid from '../../lib/reproduce/grid';

describe('reproduce protocol module', () => {
  it('gathers the spec, the presets, validation and the grid under one import', () => {
    for (const part of [spec, presets, validate, grid]) {
      for (const [name, value] of Object.entries(part)) expect((config as Record<string, unknown>)[name], name).toBe(value);
    }
    expect(config.buildConfig('quick').n).toBe(64);
  });
});
