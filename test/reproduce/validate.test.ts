import { describe, expect, it } from 'vitest';
import { buildConfig, presetConfig } from '../../lib/reproduce/presets';
import { ConfigError } from '../../lib/reproduce/spec';
import { validateConfig } from '../../lib/reproduce/validate';
import { resolvePgdOptions } from '../../lib/attacks/pgd';
import { resolveApgdOptions } from '../../lib/attacks/apgd';
import { resolveSquareOptions } from '../../lib/attacks/square';

describe('validateConfig', () => {
  it('a hand-written protocol may leave out the model and data keys: they take their defaults', () => {
    const { model: _m, dataset: _d, dataDir: _dd, inputRange: _r, mean: _mean, std: _std, outputs: _o, ...rest } = presetConfig('quick');
    const c = validateConfig(rest);
    expect(c).toMatchObject({ model: 'fashion-cnn', dataset: 'fashion-mnist', dataDir: null, inputRange: [0, 1], mean: null, std: null, outputs: 'auto' });
    expect(validateConfig({ ...rest, model: 'mine', inputRange: [0, 255] })).toMatchObject({ model: 'mine', inputRange: [0, 255], dataset: 'fashion-mnist' });
  });

  it('overrides keys and names the bad key in errors', () => {
    expect(buildConfig('quick', { n: 10, seed: 3 }).n).toBe(10);
    expect(() => presetConfig('nope')).toThrow(/unknown preset "nope" \(known: quick, default, full/);
    expect(() => buildConfig('quick', { bogus: 1 } as never)).toThrow(/unknown config key "bogus"/);
    expect(() => buildConfig('quick', { n: 0 })).toThrow(/n must be a positive integer/);
    expect(() => buildConfig('quick', { model: '' })).toThrow(/model must be/);
    expect(() => buildConfig('quick', { dataset: 'svhn' as never })).toThrow(/dataset must be one of fashion-mnist, mnist, cifar10, idx/);
    expect(() => buildConfig('quick', { dataset: 'idx', model: 'm' })).toThrow(/needs dataDir/);
    expect(() => buildConfig('quick', { inputRange: [0, 2] as never })).toThrow(/inputRange must be/);
    expect(() => buildConfig('quick', { outputs: 'x' as never })).toThrow(/outputs must be/);
    expect(() => buildConfig('quick', { eps: [-1] })).toThrow(/eps/);
    expect(() => buildConfig('quick', { defenses: [{ name: 'a', kind: 'sap' }] })).toThrow(/sampleFraction/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'x', method: 'cw' as never }] })).toThrow(/method/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'x', method: 'pgd', stepz: 3 } as never] })).toThrow(/unknown key "stepz" in attacks\[0\]/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'x', method: 'pgd', only: ['nope'] }] })).toThrow(ConfigError);
  });

  it('rejects bad eps, transferFrom and variantOf keys', () => {
    const pgd = { name: 'x', method: 'pgd' } as const;
    expect(() => buildConfig('quick', { attacks: [{ ...pgd, eps: [0] }] })).toThrow(/attacks\[0\]\.eps/);
    expect(() => buildConfig('quick', { attacks: [{ ...pgd, eps: [] }] })).toThrow(/attacks\[0\]\.eps/);
    expect(() => buildConfig('quick', { attacks: [{ ...pgd, transferFrom: 'nope' }] })).toThrow(/transferFrom names an unknown defense "nope"/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'sq', method: 'square', transferFrom: 'dense' }] })).toThrow(/gradient attack/);
    expect(() => buildConfig('quick', { attacks: [{ ...pgd, variantOf: 'x' }] })).toThrow(/variantOf names an unknown attack "x"/);
    expect(() => buildConfig('quick', { attacks: [{ ...pgd, variantOf: 'y' }] })).toThrow(/variantOf/);
  });

  it('accepts autoattack attacks and rejects bad suite keys', () => {
    const aa = { name: 'AA', method: 'autoattack' } as const;
    expect(buildConfig('quick', { attacks: [{ ...aa, version: 'standard', suite: ['apgd-ce', 'apgd-t'], targetClasses: 3 }] }).attacks[0].suite).toEqual(['apgd-ce', 'apgd-t']);
    expect(() => buildConfig('quick', { attacks: [{ ...aa, version: 'plus' as never }] })).toThrow(/version must be standard or rand/);
    expect(() => buildConfig('quick', { attacks: [{ ...aa, suite: ['fab-t' as never] }] })).toThrow(/suite must be a non-empty list/);
    expect(() => buildConfig('quick', { attacks: [{ ...aa, suite: ['apgd-ce', 'apgd-ce'] }] })).toThrow(/suite must be a non-empty list of distinct/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'p', method: 'pgd', version: 'rand' }] })).toThrow(/version is only used with method autoattack/);
    expect(() => buildConfig('quick', { attacks: [{ ...aa, transferFrom: 'dense' }] })).toThrow(/no transferFrom or bpda/);
    expect(() => buildConfig('quick', { attacks: [{ ...aa, budgetOf: 'nope' }] })).toThrow(/budgetOf names an unknown attack "nope"/);
  });
});

describe('attack entries: the attack declares its options', () => {
  const attack = (a: Record<string, unknown>) => () => buildConfig('quick', { attacks: [{ name: 'A', ...a } as never] });

  it("a key the attack does not take, a wrong loss, a bad value: ConfigError with the attack's own message", () => {
    expect(attack({ method: 'pgd', queries: 10 })).toThrow(/unknown key "queries" in attacks\[0\] \(pgd takes steps, relStepsize, randomStart, restarts, loss, eotSamples; every attack: name, method, bpda, only, eps, transferFrom, variantOf, budgetOf\)/);
    expect(attack({ method: 'fgsm', steps: 3 })).toThrow(/unknown key "steps" in attacks\[0\] \(fgsm takes/);
    // The grid is untargeted and L-inf: those options are not the protocol's to set.
    expect(attack({ method: 'pgd', norm: 'l2' })).toThrow(/unknown key "norm" in attacks\[0\]/);
    expect(attack({ method: 'pgd', targeted: true })).toThrow(/unknown key "targeted"/);
    for (const [a, own] of [
      [{ method: 'square', loss: 'dlr' }, () => resolveSquareOptions({ loss: 'dlr' as never }, true)],
      [{ method: 'pgd', steps: 0 }, () => resolvePgdOptions({ steps: 0 })],
      [{ method: 'apgd', rho: 1.5 }, () => resolveApgdOptions({ rho: 1.5 })],
      [{ method: 'pgd', relStepsize: 0 }, () => resolvePgdOptions({ relStepsize: 0 })],
    ] as const) {
      let message = '';
      try {
        own();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      expect(attack(a)).toThrow(ConfigError);
      expect(attack(a)).toThrow(`attacks[0] (A): ${message}`);
    }
  });

  it('the options of every attack and the eps rules are checked once, by their owners', () => {
    expect(buildConfig('quick', { attacks: [{ name: 'A', method: 'apgd', loss: 'margin', rho: 0.5 }] }).attacks[0]).toEqual({ name: 'A', method: 'apgd', loss: 'margin', rho: 0.5 });
    expect(buildConfig('quick', { attacks: [{ name: 'S', method: 'square', pInit: 0.3 }] }).attacks[0].pInit).toBe(0.3);
    expect(() => buildConfig('quick', { eps: [0, 1.5] })).toThrow(/^eps must be a non-empty list of numbers in \[0, 1\], got \[0,1.5\]$/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'A', method: 'pgd', eps: [0] }] })).toThrow(/attacks\[0\]\.eps must be a non-empty list of numbers in \(0, 1\]/);
    expect(() => buildConfig('quick', { seed: 1.5 })).toThrow(/^seed must be an integer, got 1.5$/);
    expect(() => buildConfig('quick', { defenses: [{ name: 'S', kind: 'sap', sampleFraction: 0 }] })).toThrow(/defenses\[0\]\.sampleFraction: sampleFraction must be a finite number > 0, got 0/);
  });

  it('smoothed defenses and certification: sigma > 0, n0 <= n, alpha in (0, 1), SmoothAdv on smoothed defenses in L2', () => {
    const c = buildConfig('smoothing');
    expect(c.norm).toBe('l2');
    expect(c.certify).toEqual({ n0: 100, n: 10000, alpha: 0.001, predictN: 1000 });
    // A smoothed defense without certify gets the defaults.
    const { certify: _c, ...rest } = c;
    expect(validateConfig(rest).certify).toEqual({ n0: 100, n: 10000, alpha: 0.001, predictN: 1000 });
    const smoothed = (sigma: unknown) => [{ name: 'dense', kind: 'dense' }, { name: 's', kind: 'smoothed', sigma, model: 'fashion-cnn-noise-0.25' }] as never;
    const attacks = [{ name: 'SA', method: 'smoothAdv', steps: 2, only: ['s'] }] as never;
    for (const sigma of [0, -0.25, Number.NaN, '0.25']) expect(() => buildConfig('smoothing', { defenses: smoothed(sigma), attacks }), String(sigma)).toThrow(ConfigError);
    expect(() => buildConfig('smoothing', { defenses: smoothed(0), attacks })).toThrow(/defenses\[1\]\.sigma: sigma must be a finite number > 0, got 0/);
    expect(() => buildConfig('smoothing', { certify: { n0: 200, n: 100, alpha: 0.001, predictN: 10 } })).toThrow(/certify.n0 \(200\) must not exceed certify.n \(100\)/);
    for (const alpha of [0, 1, -0.1, 2]) expect(() => buildConfig('smoothing', { certify: { n0: 10, n: 100, alpha, predictN: 10 } })).toThrow(/certify.alpha must be in \(0, 1\)/);
    expect(() => buildConfig('smoothing', { certify: { n0: 10, n: 100.5, alpha: 0.01, predictN: 10 } })).toThrow(/certify.n must be a positive integer/);
    expect(() => buildConfig('smoothing', { certify: { n0: 10, n: 100, alpha: 0.01, predictN: 10, m: 1 } as never })).toThrow(/unknown key "m" in certify/);
    // SmoothAdv: L2 only, on a smoothed defense, its options checked by its own resolver.
    expect(() => buildConfig('smoothing', { norm: 'linf', eps: [0, 0.1], attacks })).toThrow(/smoothAdv is an L2 attack/);
    expect(() => buildConfig('smoothing', { attacks: [{ name: 'SA', method: 'smoothAdv', only: ['dense'] }] })).toThrow(/smoothAdv runs on smoothed defenses, and none is among its only/);
    expect(() => buildConfig('smoothing', { attacks: [{ name: 'SA', method: 'smoothAdv', noiseSamples: 0 }] })).toThrow(/attacks\[0\] \(SA\): smoothAdv: noiseSamples must be an integer >= 1/);
    expect(() => buildConfig('smoothing', { attacks: [{ name: 'Sq', method: 'square' }] })).toThrow(/square is L-inf only, but the config's norm is l2/);
    expect(() => buildConfig('smoothing', { attacks: [{ name: 'certified', method: 'pgd' }] })).toThrow(/reserved or used twice/);
    expect(() => buildConfig('smoothing', { norm: 'l1' as never })).toThrow(/norm must be linf or l2/);
    // L2 radii may exceed 1; L-inf eps may not.
    expect(buildConfig('smoothing', { eps: [0, 2] }).eps).toEqual([0, 2]);
    expect(() => buildConfig('quick', { eps: [0, 2] })).toThrow(/eps must be a non-empty list of numbers in \[0, 1\]/);
  });
});
