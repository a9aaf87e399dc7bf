import { describe, expect, it } from 'vitest';
import { buildRlConfig, RL_PRESETS, rlGridPairs } from 'saplab';

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
