/** Generated data sets in the real file formats, for tests of the readers and the commands. */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { writeTar } from '../../lib/data/tar';
import { Rng } from '../../lib/seed';

/**
 * CIFAR-10 binary records whose class is learnable: class c has a mean colour and a bright
 * c-dependent stripe, plus noise. Labels cycle through 0..9.
 */
export function cifarRecords(n: number, seed = 1): Buffer {
  const rng = new Rng(seed);
  const b = Buffer.alloc(n * 3073);
  for (let i = 0; i < n; i++) {
    const c = (i * 7 + seed) % 10;
    b[i * 3073] = c;
    for (let ch = 0; ch < 3; ch++) {
      const base = 40 + ((c * (ch + 3) * 37) % 160);
      for (let p = 0; p < 1024; p++) {
        const row = p >> 5;
        const stripe = row >= c * 3 && row < c * 3 + 3 ? 80 : 0;
        b[i * 3073 + 1 + ch * 1024 + p] = Math.max(0, Math.min(255, Math.round(base + stripe + (rng.next() - 0.5) * 60)));
      }
    }
  }
  return b;
}

/** Writes `cifar-10-batches-bin/` under `dir` with `perBatch` train records per batch and `test` test records. */
export function writeCifarFolder(dir: string, perBatch: number, test: number): string {
  const d = path.join(dir, 'cifar-10-batches-bin');
  fs.mkdirSync(d, { recursive: true });
  for (let i = 1; i <= 5; i++) fs.writeFileSync(path.join(d, `data_batch_${i}.bin`), cifarRecords(perBatch, i));
  fs.writeFileSync(path.join(d, 'test_batch.bin'), cifarRecords(test, 99));
  return d;
}

/** The same files as `cifar-10-binary.tar.gz` bytes. */
export function cifarArchive(perBatch: number, test: number): Buffer {
  const files = [1, 2, 3, 4, 5].map((i) => ({ name: `cifar-10-batches-bin/data_batch_${i}.bin`, data: cifarRecords(perBatch, i) }));
  files.push({ name: 'cifar-10-batches-bin/test_batch.bin', data: cifarRecords(test, 99) });
  files.push({ name: 'cifar-10-batches-bin/batches.meta.txt', data: Buffer.from('airplane\nautomobile\n') });
  return zlib.gzipSync(writeTar(files));
}

/** IDX bytes of uint8 values with the given shape. */
export function idxBytes(shape: number[], values: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = 0x08;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}
