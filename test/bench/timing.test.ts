import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { roundTiming, roundTo, summarizeTimes, timeInterleaved, timeRuns } from '../../lib/bench/timing';

describe('bench timing', () => {
  it('timeRuns and timeInterleaved reject bad counts and leaking workloads', () => {
    expect(() => timeRuns(() => undefined, 0, 0)).toThrow(/repeats/);
    expect(() => timeRuns(() => undefined, 1, -1)).toThrow(/warmup/);
    expect(() => timeInterleaved([() => undefined], 0, 0)).toThrow(/repeats/);
    const leaked: tf.Tensor[] = [];
    expect(() => timeRuns(() => void leaked.push(tf.zeros([1])), 1, 0)).toThrow(/left 1 tensors/);
    expect(() => timeInterleaved([() => undefined, () => void leaked.push(tf.zeros([1]))], 2, 1)).toThrow(/left 3 tensors/);
    tf.dispose(leaked);
  });

  it('timeRuns runs warmup + repeats times and times the repeats', () => {
    let calls = 0;
    const t = timeRuns(() => void calls++, 3, 2);
    expect(calls).toBe(5);
    expect(t.timesMs.length).toBe(3);
    expect(t.minMs).toBe(Math.min(...t.timesMs));
  });

  it('timeInterleaved alternates the functions and times each one', () => {
    const order: string[] = [];
    const [a, b] = timeInterleaved([() => void order.push('a'), () => void order.push('b')], 2, 1);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(a.timesMs.length).toBe(2);
    expect(b.timesMs.length).toBe(2);
    expect(a.minMs).toBeLessThanOrEqual(a.medianMs);
  });

  it('summarizeTimes: median of odd and even counts, minimum, order kept', () => {
    expect(summarizeTimes([3, 1, 2])).toEqual({ medianMs: 2, minMs: 1, timesMs: [3, 1, 2] });
    expect(summarizeTimes([4, 1, 3, 2])).toEqual({ medianMs: 2.5, minMs: 1, timesMs: [4, 1, 3, 2] });
  });

  it('roundTo and roundTiming round to the reported precision', () => {
    expect(roundTo(1.23456)).toBe(1.23);
    expect(roundTo(1.23456, 3)).toBe(1.235);
    expect(roundTiming({ medianMs: 2.346, minMs: 1.004, timesMs: [2.346, 1.004, 9.999] })).toEqual({ medianMs: 2.35, minMs: 1, timesMs: [2.35, 1, 10] });
  });
});
