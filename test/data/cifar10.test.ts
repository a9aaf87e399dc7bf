import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCifar10, DataError } from 'saplab';
import { parseCifar10Batch } from '../../lib/data/cifar10';

/** A CIFAR-10 binary batch of `n` records whose pixels encode (record, channel, pixel). */
function batch(n: number, labelOf = (i: number) => i % 10): Buffer {
  const b = Buffer.alloc(n * 3073);
  for (let i = 0; i < n; i++) {
    b[i * 3073] = labelOf(i);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) b[i * 3073 + 1 + c * 1024 + p] = (i * 7 + c * 50 + p) % 256;
  }
  return b;
}

describe('CIFAR-10 binary reader', () => {
  it('converts planar RGB records to channels-last [n,32,32,3] in [0,1]', () => {
    const { x, y } = parseCifar10Batch(batch(3));
    expect(x.shape).toEqual([3, 32, 32, 3]);
    expect(Array.from(y.dataSync())).toEqual([0, 1, 2]);
    const v = x.dataSync();
    // record 1, pixel (row 2, col 5) = p 69, channel 2
    const p = 2 * 32 + 5;
    expect(v[(1 * 1024 + p) * 3 + 2]).toBeCloseTo(((1 * 7 + 2 * 50 + p) % 256) / 255, 6);
    tf.dispose([x, y]);
  });

  it('loads the train split from five files and the test split from one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar-'));
    for (let i = 1; i <= 5; i++) fs.writeFileSync(path.join(dir, `data_batch_${i}.bin`), batch(2));
    fs.writeFileSync(path.join(dir, 'test_batch.bin'), batch(4));
    const train = loadCifar10({ dir, split: 'train' });
    const test = loadCifar10({ dir, limit: 3 });
    expect(train.x.shape[0]).toBe(10);
    expect(test.x.shape[0]).toBe(3);
    tf.dispose([train.x, train.y, test.x, test.y]);
    fs.rmSync(dir, { recursive: true });
  });

  it('rejects truncated files, bad labels and missing files', () => {
    expect(() => parseCifar10Batch(batch(2).subarray(0, 5000))).toThrow(/3073-byte/);
    expect(() => parseCifar10Batch(batch(2, () => 11))).toThrow(/label 11/);
    expect(() => parseCifar10Batch(Buffer.alloc(0))).toThrow(DataError);
    expect(() => loadCifar10({ dir: '/nonexistent' })).toThrow(/not found/);
  });
});
