import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { loadCifar10Dataset, loadDataset, DataError } from 'saplab';
import { CIFAR10_ARCHIVE } from '../../lib/data/cifar10_source';
import { cifarArchive, writeCifarFolder } from './generated';

function serve(body: Buffer): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((_req, res) => res.writeHead(200).end(body));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/${CIFAR10_ARCHIVE}`, close: () => server.close() })));
}

async function withDataEnv<T>(value: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.SAPLAB_DATA;
  process.env.SAPLAB_DATA = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.SAPLAB_DATA;
    else process.env.SAPLAB_DATA = saved;
  }
}

describe('CIFAR-10 lookup', () => {
  it('reads the batches folder, its parent, and the .tar.gz to the same tensors', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar-src-'));
    const folder = writeCifarFolder(path.join(tmp, 'a'), 4, 6);
    fs.mkdirSync(path.join(tmp, 'b'));
    fs.writeFileSync(path.join(tmp, 'b', CIFAR10_ARCHIVE), cifarArchive(4, 6));
    const sets = [
      await loadCifar10Dataset({ dir: folder, searchDefaults: false }),
      await loadCifar10Dataset({ dir: path.join(tmp, 'a'), searchDefaults: false }),
      await loadCifar10Dataset({ dir: path.join(tmp, 'b'), searchDefaults: false }),
      await loadCifar10Dataset({ dir: path.join(tmp, 'b', CIFAR10_ARCHIVE), searchDefaults: false }),
      await loadDataset({ dataset: 'cifar10', dir: path.join(tmp, 'b'), download: false }),
    ];
    for (const s of sets) {
      expect(s.x.shape).toEqual([6, 32, 32, 3]);
      expect(tf.max(tf.abs(tf.sub(s.x, sets[0].x))).dataSync()[0]).toBe(0);
      expect(Array.from(s.y.dataSync())).toEqual(Array.from(sets[0].y.dataSync()));
    }
    const train = await loadCifar10Dataset({ dir: path.join(tmp, 'b'), split: 'train', searchDefaults: false });
    expect(train.x.shape[0]).toBe(20);
    tf.dispose([...sets.flatMap((s) => [s.x, s.y]), train.x, train.y]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a truncated batch file or archive is a DataError that says so', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar-trunc-'));
    const folder = writeCifarFolder(tmp, 2, 3);
    const f = path.join(folder, 'test_batch.bin');
    fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 3073 * 2 + 100));
    await expect(loadCifar10Dataset({ dir: folder, searchDefaults: false })).rejects.toThrow(/test_batch\.bin: size 6246 is not a whole number of 3073-byte CIFAR-10 records \(truncated\?\)/);
    const gz = cifarArchive(2, 3);
    fs.writeFileSync(path.join(tmp, CIFAR10_ARCHIVE), gz.subarray(0, gz.length - 200));
    await expect(loadCifar10Dataset({ dir: path.join(tmp, CIFAR10_ARCHIVE), searchDefaults: false })).rejects.toThrow(DataError);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('downloads the archive with an MD5 check (mismatch: nothing written); offline it names folders and files', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar-dl-'));
    const body = cifarArchive(2, 5);
    const server = await serve(body);
    await withDataEnv(path.join(tmp, 'store'), async () => {
      try {
        await expect(loadCifar10Dataset({ url: server.url })).rejects.toThrow(/md5 mismatch: expected c32a1d4ab5d03f1284b67883e8d87530/);
        expect(fs.existsSync(path.join(tmp, 'store', 'cifar10'))).toBe(false);
        const md5 = crypto.createHash('md5').update(body).digest('hex');
        const d = await loadCifar10Dataset({ url: server.url, md5 });
        expect(d.x.shape).toEqual([5, 32, 32, 3]);
        tf.dispose([d.x, d.y]);
        expect(fs.readdirSync(path.join(tmp, 'store', 'cifar10'))).toEqual([CIFAR10_ARCHIVE]);
        // Found locally the next time: no server needed.
        const again = await loadCifar10Dataset({ url: 'http://127.0.0.1:9/x', limit: 2 });
        expect(again.x.shape[0]).toBe(2);
        tf.dispose([again.x, again.y]);
      } finally {
        server.close();
      }
      fs.rmSync(path.join(tmp, 'store'), { recursive: true, force: true });
      const err = await loadCifar10Dataset({ dir: path.join(tmp, 'mine'), url: 'http://127.0.0.1:9/x' }).catch((e) => e);
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toMatch(/CIFAR-10 test split not found\. Looked for test_batch\.bin \(alone or in cifar-10-batches-bin\/\), or cifar-10-binary\.tar\.gz in:/);
      expect(err.message).toContain(path.join(tmp, 'mine'));
      expect(err.message).toContain('$SAPLAB_DATA/cifar10');
      expect(err.message).toMatch(/download failed/);
    });
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
