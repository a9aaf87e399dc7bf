/**
 * Shards of a `saplab reproduce` run: the test images split into `k` contiguous shards, each run
 * on its own (a thread, a process, a machine: `--shard i/k`), then combined by `saplab merge`.
 * A batch is the unit of randomness of a cell (its attack and prediction seeds derive from the
 * user seed, the cell and the batch's index in the whole run), so a shard computes whole batches
 * of the run and every shard gets exactly the numbers the unsplit run computes for its images:
 * any split gives the same merged results. With at most as many shards as batches, shards split at
 * batch boundaries (no work twice); with more, the images are split evenly and a batch that two
 * shards share is computed by both, each keeping its own images (the batch's gradient statistics
 * count in the shard that holds its first image).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../data/download';
import { ConfigError, type ReproduceConfig } from './spec';

/** Shard `index` of `count`, counted from 0 (`--shard i/k` with 0 <= i < k, as Slurm array tasks and Kubernetes Indexed Jobs count). */
export interface Shard {
  index: number;
  count: number;
}

/** `i/k` parsed and checked (integers, 0 <= i < k); throws `ConfigError` otherwise. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index >= 0 && index < count)) throw new ConfigError(`--shard takes i/k with 0 <= i < k, got ${JSON.stringify(text)}`);
  return { index, count };
}

/** The batches `[first, end)` a shard computes and the images `[start, stop)` it keeps (see the file comment). */
export function shardRange(config: ReproduceConfig, shard: Shard): { first: number; end: number; start: number; stop: number } {
  const batches = Math.ceil(config.n / config.batchSize);
  // PREDICT's decisions and the certificates are not kept as probabilities, which merge needs.
  if (config.defenses.some((d) => d.kind === 'smoothed')) throw new ConfigError(`--shard ${shard.index}/${shard.count}: protocols with smoothed defenses cannot be sharded yet (their certificates and PREDICT decisions are not merged)`);
  if (shard.count > config.n) throw new ConfigError(`--shard ${shard.index}/${shard.count}: the protocol has ${config.n} images; use at most ${config.n} shards`);
  if (shard.count > batches) {
    const start = Math.floor((shard.index * config.n) / shard.count);
    const stop = Math.floor(((shard.index + 1) * config.n) / shard.count);
    return { first: Math.floor(start / config.batchSize), end: Math.ceil(stop / config.batchSize), start, stop };
  }
  const first = Math.floor((shard.index * batches) / shard.count);
  const end = Math.floor(((shard.index + 1) * batches) / shard.count);
  return { first, end, start: first * config.batchSize, stop: Math.min(config.n, end * config.batchSize) };
}

/** Float32 values as base64 (how a shard's cells keep their predicted probabilities). */
export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** The inverse of `encodeFloat32`. */
export function decodeFloat32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** The file of a shard's run folder that says which images it holds. */
export const SHARD_FILE = 'shard.json';

/** What `shard.json` records. */
export interface ShardFile extends Shard {
  /** First image of the shard in the run, and one past its last. */
  start: number;
  stop: number;
  /** The labels of the shard's images (merged cells' calibration needs them). */
  labels: number[];
}


/** A JSON file's content, or undefined when it is missing or unreadable. */
export function readJsonFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Checks (and on first use writes) a run folder's `shard.json`: a shard run refuses a folder of
 * another shard, an unsplit run (`shard` undefined) refuses a shard's folder. `y` are the labels
 * of the run's `n` images, `range` the shard's (see `shardRange`).
 */
export function openShardFolder(outDir: string, shard: Shard | undefined, y: tf.Tensor1D, range?: { start: number; stop: number }): void {
  const file = path.join(outDir, SHARD_FILE);
  const existing = fs.existsSync(file) ? readJsonFile<ShardFile>(file) : undefined;
  if (!shard) {
    if (existing) throw new ConfigError(`${outDir} holds shard ${existing.index}/${existing.count} of this protocol; give the whole run its own --out`);
    return;
  }
  if (existing && (existing.index !== shard.index || existing.count !== shard.count)) throw new ConfigError(`${outDir} holds shard ${existing.index}/${existing.count}, not ${shard.index}/${shard.count}; give each shard its own --out`);
  if (existing) return;
  const { start, stop } = range!;
  const labels = Array.from(tf.tidy(() => tf.slice(y, [start], [stop - start]).dataSync()));
  writeFileAtomic(file, JSON.stringify({ index: shard.index, count: shard.count, start, stop, labels }) + '\n');
}
