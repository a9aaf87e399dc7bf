/**
 * CIFAR-10 binary format (https://www.cs.toronto.edu/~kriz/cifar.html), the data set of the
 * paper's experiments: files `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`, each a
 * sequence of 3073-byte records (1 label byte, then 1024 red, 1024 green, 1024 blue bytes of a
 * 32x32 image, row-major). saplab does not ship CIFAR-10; bring the files and point `dir` at them.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { DataError } from './errors';
import type { Dataset } from './fashion_mnist';

/** CIFAR-10 class names by label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
const RECORD = 3073;

/** Parses the bytes of one CIFAR-10 binary batch into `{x: [n,32,32,3] in [0,1], y: [n]}`. */
export function parseCifar10Batch(bytes: Uint8Array, file?: string, limit?: number): Dataset {
  if (bytes.length === 0) throw new DataError('empty CIFAR-10 batch', file);
  if (bytes.length % RECORD !== 0) {
    throw new DataError(`size ${bytes.length} is not a whole number of 3073-byte CIFAR-10 records (truncated?)`, file);
  }
  const total = bytes.length / RECORD;
  const n = Math.min(limit ?? total, total);
  const xs = new Float32Array(n * 32 * 32 * 3);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * RECORD;
    const label = bytes[base];
    if (label > 9) throw new DataError(`record ${i} has label ${label}, not a class in 0..9`, file);
    ys[i] = label;
    // Planar RGB to channels-last.
    for (let p = 0; p < 1024; p++) {
      const o = (i * 1024 + p) * 3;
      xs[o] = bytes[base + 1 + p] / 255;
      xs[o + 1] = bytes[base + 1 + 1024 + p] / 255;
      xs[o + 2] = bytes[base + 1 + 2048 + p] / 255;
    }
  }
  return { x: tf.tensor4d(xs, [n, 32, 32, 3]), y: tf.tensor1d(ys, 'int32') };
}

/** Options of `loadCifar10`. */
export interface LoadCifar10Options {
  /** Folder holding the `.bin` files (e.g. `cifar-10-batches-bin/`). Required. */
  dir: string;
  /** `'train'` (the five data batches) or `'test'`. Default `'test'`. */
  split?: 'train' | 'test';
  /** Keep only the first `limit` examples. Default: all. */
  limit?: number;
}

/** Loads CIFAR-10 from the binary files in `dir`. */
export function loadCifar10(options: LoadCifar10Options): Dataset {
  const split = options.split ?? 'test';
  const names = split === 'test' ? ['test_batch.bin'] : [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
  const parts: Buffer[] = [];
  for (const name of names) {
    const file = path.join(options.dir, name);
    if (!fs.existsSync(file)) {
      throw new DataError(`CIFAR-10 file not found. Download the binary version from https://www.cs.toronto.edu/~kriz/cifar.html and point dir at cifar-10-batches-bin/`, file);
    }
    const b = fs.readFileSync(file);
    if (b.length % RECORD !== 0) throw new DataError(`size ${b.length} is not a whole number of 3073-byte records (truncated?)`, file);
    parts.push(b);
  }
  return parseCifar10Batch(Buffer.concat(parts), options.dir, options.limit);
}
