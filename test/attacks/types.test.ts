import { describe, expect, it } from 'vitest';
import { addGradientStats, zeroGradientStats } from '../../lib/attacks/types';

describe('gradient statistics', () => {
  it('zeroGradientStats is a fresh all-zero record; addGradientStats adds every count in place', () => {
    const a = zeroGradientStats();
    expect(a).toEqual({ gradientCalls: 0, draws: 0, nonFiniteDraws: 0, noFiniteDraw: 0, nonFiniteLogits: 0 });
    expect(zeroGradientStats()).not.toBe(a);
    const out = addGradientStats(a, { gradientCalls: 2, draws: 40, nonFiniteDraws: 3, noFiniteDraw: 1, nonFiniteLogits: 5 });
    expect(out).toBe(a);
    addGradientStats(a, { gradientCalls: 1, draws: 10, nonFiniteDraws: 0, noFiniteDraw: 2, nonFiniteLogits: 1 });
    expect(a).toEqual({ gradientCalls: 3, draws: 50, nonFiniteDraws: 3, noFiniteDraw: 3, nonFiniteLogits: 6 });
  });
});
