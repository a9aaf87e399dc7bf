import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { loadMnist, DataError } from 'saplab';
import { loadIdxPair, idxPairToDataset, MNIST_FILES } from '../../lib/data/mnist';
import { idxBytes } from './generated';

function serve(files: Record<string, Buffer>): Promise<{ url: string; close: () => void; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    hits.push(name);
    if (files[name]) res.writeHead(200).end(files[name]);
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close(), hits })));
}

const images = (n: number, h = 28, w = 28) => idxBytes([n, h, w], Uint8Array.from({ length: n * h * w }, (_, i) => (i * 13) % 256));
const labels = (n: number) => idxBytes([n], Uint8Array.from({ length: n }, (_, i) => i % 10));

describe('MNIST and IDX pairs', () => {
  it('reads grey [n,h,w] and colour [n,h,w,c] IDX images', () => {
    const grey = idxPairToDataset(images(3), labels(3));
    expect(grey.x.shape).toEqual([3, 28, 28, 1]);
    const colour = idxPairToDataset(idxBytes([2, 4, 4, 3], new Uint8Array(96).fill(255)), labels(2));
    expect(colour.x.shape).toEqual([2, 4, 4, 3]);
    expect(colour.x.max().dataSync()[0]).toBe(1);
    expect(() => idxPairToDataset(images(3), labels(2))).toThrow(/count mismatch/);
    tf.dispose([grey.x, grey.y, colour.x, colour.y]);
  });

  it('idx: finds t10k-/test-/train- pairs in --data and names what it expects', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idx-'));
    fs.writeFileSync(path.join(dir, 'test-images.idx'), images(5, 8, 8));
    fs.writeFileSync(path.join(dir, 'test-labels.idx'), labels(5));
    const d = await loadIdxPair({ dir, limit: 4 });
    expect(d.x.shape).toEqual([4, 8, 8, 1]);
    tf.dispose([d.x, d.y]);
    await expect(loadIdxPair({ dir, split: 'train' })).rejects.toThrow(/Looked for train-images\*, train-labels\* in:\n.*idx-/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('downloads from a mirror with an MD5 check; a mismatch writes nothing; offline names folders and files', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-'));
    const saved = process.env.SAPLAB_DATA;
    process.env.SAPLAB_DATA = path.join(tmp, 'store');
    const gzImages = zlib.gzipSync(images(6));
    const gzLabels = zlib.gzipSync(labels(6));
    const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest('hex');
    // The published checksums do not match generated files: a mismatch, nothing written.
    const server = await serve({ [MNIST_FILES.test.images.name]: gzImages, [MNIST_FILES.test.labels.name]: gzLabels });
    try {
      await expect(loadMnist({ searchDefaults: true, mirror: server.url })).rejects.toThrow(/md5 mismatch: expected 9fb629c4189551a2d022fa330f9573f3, got/);
      expect(fs.existsSync(path.join(tmp, 'store', 'mnist'))).toBe(false);
      // With the generated files' checksums in place, the download succeeds and is read.
      const spec = MNIST_FILES.test;
      const keep = { ...spec };
      spec.images = { ...spec.images, md5: md5(gzImages) };
      spec.labels = { ...spec.labels, md5: md5(gzLabels) };
      try {
        const d = await loadMnist({ mirror: server.url });
        expect(d.x.shape).toEqual([6, 28, 28, 1]);
        tf.dispose([d.x, d.y]);
        expect(fs.readdirSync(path.join(tmp, 'store', 'mnist')).sort()).toEqual([spec.images.name, spec.labels.name].sort());
      } finally {
        Object.assign(spec, keep);
      }
    } finally {
      server.close();
    }
    // Offline: a closed port.
    fs.rmSync(path.join(tmp, 'store'), { recursive: true, force: true });
    const err = await loadMnist({ dir: path.join(tmp, 'nowhere'), mirror: 'http://127.0.0.1:9/' }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/MNIST test split not found\. Looked for t10k-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz in:/);
    expect(err.message).toContain(path.join(tmp, 'nowhere'));
    expect(err.message).toContain('$SAPLAB_DATA/mnist');
    expect(err.message).toMatch(/download failed/);
    if (saved === undefined) delete process.env.SAPLAB_DATA;
    else process.env.SAPLAB_DATA = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
