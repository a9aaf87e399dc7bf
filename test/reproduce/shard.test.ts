import { describe, expect, it } from 'vitest';
import { decodeFloat32, encodeFloat32, parseShard, shardRange } from '../../lib/reproduce/shard';
import { buildConfig } from '../../lib/reproduce/presets';

describe('shards', () => {
  it('parses i/k counted from 0 (as Slurm arrays and Indexed Jobs count) and rejects what is not one', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    for (const bad of ['3/3', '4/3', '0/0', '1', 'a/b', '1.5/3', '-1/2']) expect(() => parseShard(bad), bad).toThrow(/--shard takes i\/k with 0 <= i < k/);
  });

  it('splits the batches into contiguous shards that cover every image once', () => {
    const config = buildConfig('quick', { n: 100, batchSize: 16 }); // 7 batches, the last of 4 images
    for (const k of [1, 2, 3, 7]) {
      const ranges = Array.from({ length: k }, (_, i) => shardRange(config, { index: i, count: k }));
      expect(ranges[0].start).toBe(0);
      expect(ranges[k - 1].stop).toBe(100);
      for (let i = 1; i < k; i++) expect(ranges[i].start).toBe(ranges[i - 1].stop);
      for (const r of ranges) expect(r.end - r.first).toBeGreaterThanOrEqual(Math.floor(7 / k));
    }
    // More shards than batches: the images split evenly, each shard computing the batches it touches.
    const fine = Array.from({ length: 9 }, (_, i) => shardRange(config, { index: i, count: 9 }));
    expect(fine.map((r) => r.stop - r.start)).toEqual([11, 11, 11, 11, 11, 11, 11, 11, 12]);
    for (const r of fine) expect([r.first * 16 <= r.start, r.end * 16 >= r.stop]).toEqual([true, true]);
    expect(() => shardRange(config, { index: 0, count: 101 })).toThrow(/the protocol has 100 images; use at most 100 shards/);
  });

  it('a protocol with smoothed defenses is not sharded (its certificates are not merged): ConfigError', () => {
    expect(() => shardRange(buildConfig('smoothing'), { index: 0, count: 2 })).toThrow(/protocols with smoothed defenses cannot be sharded yet/);
  });

  it('float32 probabilities round-trip through base64 exactly', () => {
    const v = new Float32Array([0, 1, 1 / 3, 1e-30, 0.999999]);
    expect(Array.from(decodeFloat32(encodeFloat32(v)))).toEqual(Array.from(v));
  });
});
