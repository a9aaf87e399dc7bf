import { describe, expect, it } from 'vitest';
import { Rng } from 'saplab';
import { ReplayBuffer } from '../../lib/rl/replay_buffer';

describe('ReplayBuffer', () => {
  it('keeps the last `capacity` transitions, overwriting the oldest', () => {
    const buf = new ReplayBuffer(3, 2);
    for (let i = 0; i < 5; i++) buf.add([i, i], i % 3, i, [i + 1, i + 1], i === 4);
    expect(buf.size).toBe(3);
    const seen = new Set<number>();
    const b = buf.sample(200, new Rng(1));
    for (let k = 0; k < 200; k++) {
      seen.add(b.rewards[k]);
      // Fields of one transition stay together.
      expect(b.observations[2 * k]).toBe(b.rewards[k]);
      expect(b.nextObservations[2 * k]).toBe(b.rewards[k] + 1);
      expect(b.actions[k]).toBe(b.rewards[k] % 3);
      expect(b.dones[k]).toBe(b.rewards[k] === 4 ? 1 : 0);
    }
    expect([...seen].sort()).toEqual([2, 3, 4]);
  });

  it('samples uniformly with replacement (counts within 5 binomial SEs), seeded', () => {
    const buf = new ReplayBuffer(10, 1);
    for (let i = 0; i < 10; i++) buf.add([i], 0, i, [i], false);
    const b = buf.sample(20_000, new Rng(7));
    const counts = new Array(10).fill(0);
    b.indices.forEach((i) => counts[i]++);
    const se = Math.sqrt(20_000 * 0.1 * 0.9);
    counts.forEach((c) => expect(Math.abs(c - 2000)).toBeLessThan(5 * se));
    expect(Array.from(buf.sample(50, new Rng(3)).indices)).toEqual(Array.from(buf.sample(50, new Rng(3)).indices));
    expect(Array.from(buf.sample(50, new Rng(3)).indices)).not.toEqual(Array.from(buf.sample(50, new Rng(4)).indices));
  });

  it('rejects bad sizes and empty sampling', () => {
    expect(() => new ReplayBuffer(0, 2)).toThrow(/capacity/);
    expect(() => new ReplayBuffer(2, 0)).toThrow(/observationSize/);
    const buf = new ReplayBuffer(2, 2);
    expect(() => buf.sample(1, new Rng(1))).toThrow(/empty/);
    expect(() => buf.add([1], 0, 0, [1, 2], false)).toThrow(/2 numbers/);
  });
});

