import { describe, expect, it, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as http from 'http';
import * as zlib from 'zlib';
import { loadFashionMnist, DataError } from 'saplab';
import { idxToDataset, PACKAGE_DATA_DIR, FASHION_MNIST_FILES, idxSha256 } from '../../lib/data/fashion_mnist';
import { encodeIdx } from '../../lib/data/idx';

const shipped = path.join(PACKAGE_DATA_DIR, 'fashion-mnist');

describe('loadFashionMnist (shipped test split)', () => {
  it('returns [n,28,28,1] float32 in [0,1] and int32 labels, 1000 per class', async () => {
    const { x, y } = await loadFashionMnist({ split: 'test', verify: true });
    expect(x.shape).toEqual([10000, 28, 28, 1]);
    expect(x.dtype).toBe('float32');
    expect(y.shape).toEqual([10000]);
    expect(y.dtype).toBe('int32');
    const [lo, hi] = tf.tidy(() => [tf.min(x).dataSync()[0], tf.max(x).dataSync()[0]]);
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    const counts = tf.tidy(() => Array.from(tf.sum(tf.oneHot(y, 10), 0).dataSync()));
    expect(counts).toEqual(Array(10).fill(1000));
    tf.dispose([x, y]);
  });

  it('honours limit and rejects bad options', async () => {
    const { x, y } = await loadFashionMnist({ limit: 7 });
    expect(x.shape[0]).toBe(7);
    expect(y.shape[0]).toBe(7);
    tf.dispose([x, y]);
    await expect(loadFashionMnist({ split: 'validation' as never })).rejects.toThrow(/split/);
    await expect(loadFashionMnist({ limit: 0 })).rejects.toThrow(/limit/);
  });

  it('the shipped files match the sha256 listed in data/README.md', () => {
    const readme = fs.readFileSync(path.join(PACKAGE_DATA_DIR, 'README.md'), 'utf8');
    for (const f of [FASHION_MNIST_FILES.test.images, FASHION_MNIST_FILES.test.labels]) {
      const bytes = fs.readFileSync(path.join(shipped, f.name));
      expect(idxSha256(bytes)).toBe(f.sha256);
      const fileSha = require('crypto').createHash('sha256').update(bytes).digest('hex');
      expect(readme).toContain(fileSha);
    }
  });
});

describe('idxToDataset checks', () => {
  const imgs = encodeIdx({ dtype: 'uint8', shape: [3, 2, 2], data: new Uint8Array(12).fill(255) });
  it('rejects a label/image count mismatch', () => {
    const labels = encodeIdx({ dtype: 'uint8', shape: [2], data: new Uint8Array([1, 2]) });
    expect(() => idxToDataset(imgs, labels)).toThrow(/count mismatch/);
  });
  it('rejects labels outside 0..9 and wrong ranks', () => {
    const labels = encodeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array([1, 2, 12]) });
    expect(() => idxToDataset(imgs, labels)).toThrow(/label 12/);
    expect(() => idxToDataset(labels, labels)).toThrow(/images/);
  });
});

describe('finding and downloading the files', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fmnist-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function serve(files: Record<string, Buffer>): Promise<{ url: string; close: () => void; hits: string[] }> {
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      const name = (req.url ?? '').slice(1);
      hits.push(name);
      if (files[name]) res.end(files[name]);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    return new Promise((resolve) =>
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as { port: number }).port;
        resolve({ url: `http://127.0.0.1:${port}/`, close: () => server.close(), hits });
      }),
    );
  }

  const realFiles = () => ({
    [FASHION_MNIST_FILES.test.images.name]: fs.readFileSync(path.join(shipped, FASHION_MNIST_FILES.test.images.name)),
    [FASHION_MNIST_FILES.test.labels.name]: fs.readFileSync(path.join(shipped, FASHION_MNIST_FILES.test.labels.name)),
  });

  it('the dir option comes first, and raw (uncompressed) files work', async () => {
    const dir = path.join(tmp, 'raw');
    fs.mkdirSync(dir);
    for (const [name, bytes] of Object.entries(realFiles())) fs.writeFileSync(path.join(dir, name.replace(/\.gz$/, '')), zlib.gunzipSync(bytes));
    const { x } = await loadFashionMnist({ dir, limit: 3, searchDefaults: false });
    expect(x.shape).toEqual([3, 28, 28, 1]);
    x.dispose();
  });

  it('downloads, verifies and writes atomically when no copy exists', async () => {
    const server = await serve(realFiles());
    const target = path.join(tmp, 'dl');
    const old = process.env.SAPLAB_DATA;
    process.env.SAPLAB_DATA = target;
    try {
      const { x, y } = await loadFashionMnist({ dir: path.join(tmp, 'empty'), searchDefaults: false, mirror: server.url, limit: 5 });
      expect(x.shape).toEqual([5, 28, 28, 1]);
      tf.dispose([x, y]);
      expect(fs.readdirSync(path.join(target, 'fashion-mnist')).sort()).toEqual(Object.keys(realFiles()).sort());
    } finally {
      process.env.SAPLAB_DATA = old;
      if (old === undefined) delete process.env.SAPLAB_DATA;
      server.close();
    }
  });

  it('a checksum mismatch is an error and leaves nothing written', async () => {
    const files = realFiles();
    const name = FASHION_MNIST_FILES.test.images.name;
    const raw = zlib.gunzipSync(files[name]);
    raw[100] ^= 1;
    files[name] = zlib.gzipSync(raw);
    const server = await serve(files);
    const target = path.join(tmp, 'bad');
    const old = process.env.SAPLAB_DATA;
    process.env.SAPLAB_DATA = target;
    try {
      await expect(loadFashionMnist({ dir: path.join(tmp, 'empty'), searchDefaults: false, mirror: server.url })).rejects.toThrow(/sha256 mismatch/);
      expect(fs.existsSync(path.join(target, 'fashion-mnist', name))).toBe(false);
      const left = fs.existsSync(path.join(target, 'fashion-mnist')) ? fs.readdirSync(path.join(target, 'fashion-mnist')) : [];
      expect(left.filter((f) => f.includes('.tmp-'))).toEqual([]);
    } finally {
      process.env.SAPLAB_DATA = old;
      if (old === undefined) delete process.env.SAPLAB_DATA;
      server.close();
    }
  });

  it('offline with no copy: one error that says where to put the files and what to install', async () => {
    const server = await serve({});
    try {
      const err = await loadFashionMnist({ split: 'train', dir: path.join(tmp, 'none'), searchDefaults: false, mirror: server.url }).catch((e) => e);
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toMatch(/not found/);
      expect(err.message).toMatch(/apt-get install dataset-fashion-mnist/);
      expect(err.message).toMatch(/SAPLAB_DATA/);
      expect(err.message).toMatch(/HTTP 404/);
    } finally {
      server.close();
    }
    await expect(loadFashionMnist({ dir: path.join(tmp, 'none'), searchDefaults: false, download: false })).rejects.toThrow(/not found/);
  });
});
