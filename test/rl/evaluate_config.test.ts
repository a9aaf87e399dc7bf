import { describe, expect, it } from 'vitest';
import { buildRlConfig, RL_PRESETS } from 'saplab';
import { rlGridPairs } from '../../lib/rl/evaluate_config';

describe('rl evaluate config', () => {
  it('presets are valid; overrides are checked and errors name the key', () => {
    for (const p of Object.keys(RL_PRESETS) as ('quick' | 'default')[]) expect(() => buildRlConfig(p)).not.toThrow();
    expect(buildRlConfig('quick', { eps: [0.4, 0, 0.2, 0.2] }).eps).toEqual([0, 0.2, 0.4]);
    expect(() => buildRlConfig('quick', { epz: [1] } as never)).toThrow(/unknown config key "epz"/);
    expect(() => buildRlConfig('quick', { episodes: 0 })).toThrow(/episodes must be a positive integer/);
    expect(() => buildRlConfig('quick', { eps: [2] })).toThrow(/eps must be/);
    expect(() => buildRlConfig('quick', { attacks: [{ name: 'X', method: 'square' as never }] })).toThrow(/attacks\[0\]\.method/);
    expect(() => buildRlConfig('quick', { attacks: [{ name: 'X', method: 'fgsm', stepz: 1 } as never] })).toThrow(/unknown key "stepz" in attacks\[0\]/);
    expect(() => buildRlConfig('quick', { attacks: [{ name: 'X', method: 'fgsm', only: ['nobody'] }] })).toThrow(/unknown agent "nobody"/);
    expect(() => buildRlConfig('nope' as never)).toThrow(/unknown preset/);
    // Clean first for every agent; FGSM-MC only against the stochastic agents.
    const pairs = rlGridPairs(buildRlConfig('default')).map((p) => `${p.agent.name}/${p.attack?.name ?? 'clean'}`);
    expect(pairs).toEqual(['dense/clean', 'dense/FGSM', 'dense/PGD-EOT', 'SAP-100/clean', 'SAP-100/FGSM', 'SAP-100/FGSM-MC', 'SAP-100/PGD-EOT', 'random-100/clean', 'random-100/FGSM', 'random-100/FGSM-MC', 'random-100/PGD-EOT']);
  });
});

describe('rl attack entries', () => {
  it("take the attack's own options and defaults; a bad one fails with the attack's message", async () => {
    const { resolvedRlAttack } = await import('../../lib/rl/evaluate_config');
    expect(resolvedRlAttack({ name: 'P', method: 'pgd' })).toMatchObject({ steps: 40, eotSamples: 1, randomStart: true });
    expect(resolvedRlAttack({ name: 'P', method: 'pgd', steps: 5, relStepsize: 0.5 })).toMatchObject({ steps: 5, relStepsize: 0.5 });
    expect(() => buildRlConfig('quick', { attacks: [{ name: 'X', method: 'fgsm', steps: 3 }] })).toThrow(/unknown key "steps" in attacks\[0\] \(fgsm takes/);
    expect(() => buildRlConfig('quick', { attacks: [{ name: 'X', method: 'pgd', steps: 0 }] })).toThrow('attacks[0] (X): pgd: steps must be an integer >= 1, got 0');
    expect(() => buildRlConfig('quick', { agents: [{ name: 'S', kind: 'sap', sampleFraction: -1 }] })).toThrow(/agents\[0\]\.sampleFraction: sampleFraction must be a finite number > 0, got -1/);
    expect(() => buildRlConfig('quick', { seed: 0.5 })).toThrow(/^seed must be an integer, got 0.5$/);
  });
});
