import { describe, expect, it } from 'vitest';
import { linearSchedule } from '../../lib/rl/schedule';

describe('linearSchedule', () => {
  it('falls linearly from start to end over duration, then stays', () => {
    const o = { start: 1, end: 0.05, duration: 1000 };
    expect(linearSchedule(0, o)).toBe(1);
    expect(linearSchedule(500, o)).toBeCloseTo(0.525, 12);
    expect(linearSchedule(1000, o)).toBeCloseTo(0.05, 12);
    expect(linearSchedule(10_000, o)).toBeCloseTo(0.05, 12);
    expect(() => linearSchedule(1, { ...o, duration: 0 })).toThrow(/duration/);
    expect(() => linearSchedule(-1, o)).toThrow(/step/);
  });
});

