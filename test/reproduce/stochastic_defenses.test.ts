import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError, gridPairs, presetConfig, PRESETS, validateConfig } from '../../lib/reproduce/config';
import { baselineStrength, defenseSpecProblem, describeDefense, hasBpda, isCertifiedKind, isStochasticKind } from '../../lib/reproduce/stochastic_defenses';

describe('reproduce config: baseline kinds, matchTo, model', () => {
  it('the two presets are registered and valid', () => {
    expect(Object.keys(PRESETS)).toEqual(expect.arrayContaining(['baselines', 'adversarial-training']));
    const b = presetConfig('baselines');
    expect(b.defenses.map((d) => d.kind)).toEqual(['dense', 'sap', 'dropout', 'activation-noise', 'weight-noise', 'weight-pruning', 'stochastic-weight-pruning']);
    expect(b.defenses.filter((d) => d.matchTo === 'SAP-100').length).toBe(5);
    const at = presetConfig('adversarial-training');
    expect(at.defenses.map((d) => `${d.name}@${d.model}`)).toEqual([
      'dense@fashion-cnn',
      'dense+SAP-100@fashion-cnn',
      'FGSM-AT@fashion-cnn-fgsm-at',
      'FGSM-AT+SAP-100@fashion-cnn-fgsm-at',
      'PGD-AT@fashion-cnn-pgd-at',
      'PGD-AT+SAP-100@fashion-cnn-pgd-at',
    ]);
  });

  it('BPDA runs only where the backward pass differs; DWP is deterministic', () => {
    const pairs = gridPairs(presetConfig('baselines')).filter((p) => p.attack?.bpda).map((p) => p.defense.name);
    expect(pairs).toEqual(['SAP-100', 'dropout', 'weight-noise', 'weight-pruning', 'stochastic-weight-pruning']);
    expect(hasBpda('activation-noise')).toBe(false);
    expect(hasBpda('dense')).toBe(false);
    expect(isStochasticKind('weight-pruning')).toBe(false);
    expect(isStochasticKind('dropout')).toBe(true);
    // A smoothed classifier: stochastic, certified, no BPDA (its noise is outside the model).
    expect([isStochasticKind('smoothed'), isCertifiedKind('smoothed'), hasBpda('smoothed'), isCertifiedKind('sap')]).toEqual([true, true, false, false]);
  });

  it('bad entries name the key', () => {
    const base = presetConfig('baselines');
    const bad = (defenses: unknown[], extra: Record<string, unknown> = {}) => () => validateConfig({ ...base, ...extra, defenses: defenses as never, attacks: [] });
    expect(bad([{ name: 'x', kind: 'dropit', rate: 0.1 }])).toThrow(/defenses\[0\]\.kind must be one of dense, sap, random, dropout/);
    expect(bad([{ name: 'x', kind: 'dropout', rate: 1 }])).toThrow(/defenses\[0\]\.rate: dropout rate must be a number in \[0, 1\)/);
    expect(bad([{ name: 'x', kind: 'dropout', rate: -0.5 }])).toThrow(/defenses\[0\]\.rate/);
    expect(bad([{ name: 'x', kind: 'weight-pruning', fraction: 1 }])).toThrow(/defenses\[0\]\.fraction: pruning fraction must be a number in \[0, 1\)/);
    expect(bad([{ name: 'x', kind: 'weight-noise', sigma: -1 }])).toThrow(/defenses\[0\]\.sigma/);
    expect(bad([{ name: 'x', kind: 'dropout', sigma: 0.1 }])).toThrow(/defenses\[0\]\.sigma does not apply to kind dropout \(its key is rate\)/);
    expect(bad([{ name: 'x', kind: 'dropout' }])).toThrow(/defenses\[0\]\.rate must be a number \(or give matchTo\)/);
    expect(bad([{ name: 'x', kind: 'dropout', matchTo: 'nope' }])).toThrow(/matchTo names an unknown defense "nope"/);
    expect(bad([{ name: 's', kind: 'sap', sampleFraction: 1 }, { name: 'x', kind: 'dropout', rate: 0.1, matchTo: 's' }])).toThrow(/gives both rate and matchTo/);
    expect(bad([{ name: 's', kind: 'sap', sampleFraction: 1, matchTo: 'x' }])).toThrow(/matchTo applies to the baselines/);
    expect(bad([{ name: 'x', kind: 'dense', model: 'resnet-9000' }])).toThrow(/defenses\[0\]\.model must name a shipped model/);
    expect(bad([{ name: 's', kind: 'sap', sampleFraction: 1 }, { name: 'x', kind: 'dropout', matchTo: 's' }], { n: 9600, heldOut: { n: 500 } })).toThrow(/must not overlap/);
    expect(bad([{ name: 'x', kind: 'dense' }], { heldOut: { n: 0 } })).toThrow(/heldOut\.n must be a positive integer/);
    expect(() => buildConfig('baselines', { n: 9900 } as never)).toThrow(ConfigError);
  });

  it('describes rows and their strengths', () => {
    expect(describeDefense({ name: 'd', kind: 'dropout', matchTo: 'SAP-100' })).toBe("d (dropout, rate matched to SAP-100's clean accuracy)");
    expect(describeDefense({ name: 'w', kind: 'weight-pruning', fraction: 0.3, model: 'fashion-cnn-pgd-at' })).toBe('w (weight-pruning, fraction = 0.3, on fashion-cnn-pgd-at)');
    expect(baselineStrength({ name: 'n', kind: 'weight-noise', sigma: 0.2 })).toBe(0.2);
    expect(baselineStrength({ name: 's', kind: 'sap', sampleFraction: 1 })).toBeUndefined();
    expect(describeDefense({ name: 'smoothed-0.25', kind: 'smoothed', sigma: 0.25, model: 'fashion-cnn-noise-0.25' })).toBe('smoothed-0.25 (randomized smoothing, Gaussian input noise σ = 0.25, on fashion-cnn-noise-0.25)');
    expect(defenseSpecProblem({ name: 's', kind: 'smoothed', sigma: 0.25, sampleFraction: 1 }, 0, [])).toBe('defenses[0].sampleFraction does not apply to kind smoothed (its key is sigma)');
    expect(defenseSpecProblem({ name: 's', kind: 'smoothed' }, 0, [])).toBe('defenses[0].sigma must be a number > 0');
  });
});
