import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED } from 'saplab';
import { pickTie, resolveDynamicsOptions, TraceRecorder } from '../../lib/game/trace';

describe('resolveDynamicsOptions', () => {
  it('fills defaults', () => {
    expect(resolveDynamicsOptions({}, 'f')).toEqual({ iterations: 1000, seed: DEFAULT_SEED, recordEvery: 1 });
    expect(resolveDynamicsOptions({ iterations: 5, seed: 3, recordEvery: 2 }, 'f')).toEqual({ iterations: 5, seed: 3, recordEvery: 2 });
  });

  it('rejects negative, zero, fractional and NaN iterations, bad seeds and bad recordEvery', () => {
    for (const iterations of [-1, 0, 2.5, NaN, Infinity]) {
      expect(() => resolveDynamicsOptions({ iterations }, 'f')).toThrow(/f: iterations must be a positive integer/);
    }
    expect(() => resolveDynamicsOptions({ seed: 0.5 }, 'f')).toThrow(/f: seed must be an integer/);
    expect(() => resolveDynamicsOptions({ recordEvery: 0 }, 'f')).toThrow(/f: recordEvery must be a positive integer/);
  });
});

describe('TraceRecorder', () => {
  it('turns running sums into averages and value bounds', () => {
    // Matching pennies after 2 rounds: the defender played (H, T), the attacker (H, H).
    // rowSum = counts (1, 1), colSum = (2, 0); rowPayoffSum_i = sum_s A[i][j_s] = (2, -2);
    // colPayoffSum_j = sum_s A[i_s][j] = (1 - 1, -1 + 1) = (0, 0).
    const rec = new TraceRecorder(2, 1);
    rec.record(2, [1, 1], [2, 0], [2, -2], [0, 0]);
    const tr = rec.result();
    expect(tr.iterations).toEqual([2]);
    expect(tr.rowAverage).toEqual([[0.5, 0.5]]);
    expect(tr.colAverage).toEqual([[1, 0]]);
    expect(tr.upperBound).toEqual([1]); // max_i (A q̄)_i = max(1, -1)
    expect(tr.lowerBound).toEqual([0]); // min_j (p̄ᵀA)_j
    expect(tr.exploitability).toEqual([1]);
    expect(tr.valueEstimate).toEqual([0]); // p̄ᵀ A q̄ = 0.5 * 1 + 0.5 * -1
    expect(tr.rowStrategy).toEqual([0.5, 0.5]);
    expect(tr.colStrategy).toEqual([1, 0]);
  });

  it('records every recordEvery-th iteration and always the last', () => {
    const rec = new TraceRecorder(10, 4);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((t) => rec.wants(t))).toEqual([4, 8, 10]);
  });
});

describe('pickTie', () => {
  it('draws among candidates only when there is a tie', () => {
    let calls = 0;
    const draw = (n: number) => {
      calls++;
      return n - 1;
    };
    expect(pickTie([3], draw)).toBe(3);
    expect(calls).toBe(0);
    expect(pickTie([1, 4, 6], draw)).toBe(6);
    expect(calls).toBe(1);
  });
});
