import { describe, expect, it } from 'vitest';
import { buildConfig, presetConfig, validateConfig, gridPairs, gridCost, ConfigError } from '../../lib/reproduce/config';

describe('reproduce protocol', () => {
  it('presets are valid and cover every attack family the evaluation needs', () => {
    for (const p of ['quick', 'default', 'full'] as const) {
      const c = validateConfig(presetConfig(p));
      const methods = new Set(c.attacks.map((a) => a.method));
      expect(methods.has('fgsm') && methods.has('pgd') && methods.has('square')).toBe(true);
      expect(c.attacks.some((a) => a.bpda)).toBe(true);
      expect(c.attacks.some((a) => a.method === 'fgsm' && (a.eotSamples ?? 1) > 1)).toBe(true);
      expect(c.defenses.some((d) => d.kind === 'sap' && d.sampleFraction === 1)).toBe(true);
      expect(c.defenses.some((d) => d.kind === 'random')).toBe(true);
      expect(c.eps[0]).toBe(0);
    }
    const full = presetConfig('full');
    expect(full.n).toBe(10000);
    expect(full.predictSamples).toBe(100);
    expect(full.attacks.find((a) => a.name === 'FGSM-MC')?.eotSamples).toBe(100);
    expect(full.attacks.find((a) => a.name === 'PGD-EOT')?.eotSamples).toBe(20);
    expect(gridCost(full)).toBeGreaterThan(100 * gridCost(presetConfig('default')));
  });

  it('overrides keys and names the bad key in errors', () => {
    expect(buildConfig('quick', { n: 10, seed: 3 }).n).toBe(10);
    expect(() => presetConfig('nope')).toThrow(/unknown preset "nope" \(known: quick, default, full/);
    expect(() => buildConfig('quick', { bogus: 1 } as never)).toThrow(/unknown config key "bogus"/);
    expect(() => buildConfig('quick', { n: 0 })).toThrow(/n must be a positive integer/);
    expect(() => buildConfig('quick', { n: 20000 })).toThrow(/at most 10000/);
    expect(() => buildConfig('quick', { eps: [-1] })).toThrow(/eps/);
    expect(() => buildConfig('quick', { defenses: [{ name: 'a', kind: 'sap' }] })).toThrow(/sampleFraction/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'x', method: 'cw' as never }] })).toThrow(/method/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'x', method: 'pgd', stepz: 3 } as never] })).toThrow(/unknown key "stepz" in attacks\[0\]/);
    expect(() => buildConfig('quick', { attacks: [{ name: 'x', method: 'pgd', only: ['nope'] }] })).toThrow(ConfigError);
  });

  it('BPDA is not run against the dense model, and every defense has a clean cell', () => {
    const c = presetConfig('quick');
    const pairs = gridPairs(c);
    expect(pairs.filter((p) => !p.attack).map((p) => p.defense.name)).toEqual(c.defenses.map((d) => d.name));
    expect(pairs.some((p) => p.attack?.bpda && p.defense.kind === 'dense')).toBe(false);
  });
});
