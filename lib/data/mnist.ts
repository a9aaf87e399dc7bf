/**
 * MNIST (LeCun, Cortes, Burges) in its IDX files, and any IDX image/label pair (`idx`): the same
 * readers as Fashion-MNIST, with the shared lookup (`--data`, `$SAPLAB_DATA`, `data/`). MNIST
 * falls back to a download from the mirror PyTorch uses (the original site no longer serves the
 * files reliably), checked against the published MD5 of each `.gz` file and written atomically.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { DataError } from './errors';
import { parseIdx } from './idx';
import { download } from './download';
import type { Dataset, Split } from './fashion_mnist';
import { dataSearchPath, digestCheck, downloadDir, notFoundError } from './locate';

/** Default MNIST mirror; `SAPLAB_MNIST_MIRROR` or the `mirror` option replaces it. */
const MNIST_MIRROR = 'https://ossci-datasets.s3.amazonaws.com/mnist/';

/** MNIST file names and the MD5 of each `.gz` file. */
export const MNIST_FILES: Record<Split, { images: { name: string; md5: string }; labels: { name: string; md5: string } }> = {
  train: {
    images: { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
    labels: { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
  },
  test: {
    images: { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
    labels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
  },
};

/** Options of `loadMnist` and `loadIdxPair`. */
export interface LoadIdxOptions {
  /** `'train'` or `'test'`. Default `'test'`. */
  split?: Split;
  /** Keep only the first `limit` examples. Default: all. */
  limit?: number;
  /** Folder searched first (`--data`). */
  dir?: string;
  /** Also search `$SAPLAB_DATA` and the package's `data/`. Default `true`. */
  searchDefaults?: boolean;
  /** Download when no local copy exists (MNIST only). Default `true`. */
  download?: boolean;
  /** Mirror URL (MNIST only). Default `$SAPLAB_MNIST_MIRROR` or `MNIST_MIRROR`. */
  mirror?: string;
}

/**
 * Images and labels from IDX bytes: images `[n, h, w]` (grey) or `[n, h, w, c]`, uint8, scaled to
 * `[0, 1]`; labels `[n]` uint8. Throws `DataError` for anything else or for counts that differ.
 */
export function idxPairToDataset(imageBytes: Uint8Array, labelBytes: Uint8Array, opts: { limit?: number; imageFile?: string; labelFile?: string } = {}): Dataset {
  const images = parseIdx(imageBytes, opts.imageFile);
  const labels = parseIdx(labelBytes, opts.labelFile);
  if (images.dtype !== 'uint8' || (images.shape.length !== 3 && images.shape.length !== 4)) {
    throw new DataError(`expected uint8 images [n, h, w] or [n, h, w, c], got ${images.dtype} [${images.shape}]`, opts.imageFile);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) throw new DataError(`expected uint8 labels [n], got ${labels.dtype} [${labels.shape}]`, opts.labelFile);
  const [n, h, w] = images.shape;
  const c = images.shape[3] ?? 1;
  if (labels.shape[0] !== n) throw new DataError(`label/image count mismatch: ${labels.shape[0]} labels for ${n} images`, opts.labelFile);
  const m = Math.min(opts.limit ?? n, n);
  const per = h * w * c;
  const xs = new Float32Array(m * per);
  const src = images.data as Uint8Array;
  for (let i = 0; i < m * per; i++) xs[i] = src[i] / 255;
  const ys = new Int32Array((labels.data as Uint8Array).subarray(0, m));
  return { x: tf.tensor4d(xs, [m, h, w, c]), y: tf.tensor1d(ys, 'int32') };
}

function existing(dir: string, name: string): string | undefined {
  for (const n of [name, name.replace(/\.gz$/, ''), `${name.replace(/\.gz$/, '')}.gz`]) {
    const f = path.join(dir, n);
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

/** Loads an MNIST split as `{ x: [n,28,28,1] in [0,1], y: int32 [n] }`. */
export async function loadMnist(options: LoadIdxOptions = {}): Promise<Dataset> {
  const split = options.split ?? 'test';
  const spec = MNIST_FILES[split];
  const searched = dataSearchPath('mnist', options.dir, options.searchDefaults ?? true);
  const names = [spec.images.name, spec.labels.name];
  let found = searched.find((s) => names.every((n) => existing(s.dir, n)))?.dir;
  if (!found) {
    const fix = 'put the two files (gzipped or not) in one of those folders, pass --data DIR, or set SAPLAB_DATA';
    if (options.download === false) throw notFoundError(`MNIST ${split} split`, searched, names, fix);
    const target = downloadDir('mnist');
    const mirror = options.mirror ?? process.env.SAPLAB_MNIST_MIRROR ?? MNIST_MIRROR;
    try {
      for (const f of [spec.images, spec.labels]) await download(new URL(f.name, mirror).toString(), path.join(target, f.name), { check: digestCheck('md5', f.md5, f.name) });
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw notFoundError(`MNIST ${split} split`, searched, names, fix, (e as Error).message);
    }
    found = target;
  }
  const imageFile = existing(found, spec.images.name)!;
  const labelFile = existing(found, spec.labels.name)!;
  return idxPairToDataset(fs.readFileSync(imageFile), fs.readFileSync(labelFile), { limit: options.limit, imageFile, labelFile });
}

/** File-name patterns `idx` accepts for a split: `<prefix>-images…` and `<prefix>-labels…`. */
const IDX_PREFIXES: Record<Split, string[]> = { train: ['train'], test: ['t10k', 'test'] };

/**
 * Loads any IDX image/label pair from `dir` (`--dataset idx --data DIR`): for the test split the
 * files `t10k-images*`/`t10k-labels*` or `test-images*`/`test-labels*`, for train `train-images*`/
 * `train-labels*` (raw or `.gz`, e.g. `t10k-images-idx3-ubyte.gz`).
 */
export async function loadIdxPair(options: LoadIdxOptions = {}): Promise<Dataset> {
  const split = options.split ?? 'test';
  const searched = dataSearchPath('idx', options.dir, options.dir ? false : options.searchDefaults ?? true);
  const expected = IDX_PREFIXES[split].flatMap((p) => [`${p}-images*`, `${p}-labels*`]);
  for (const { dir } of searched) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) continue;
    const files = fs.readdirSync(dir).sort();
    for (const p of IDX_PREFIXES[split]) {
      const img = files.find((f) => f.startsWith(`${p}-images`));
      const lab = files.find((f) => f.startsWith(`${p}-labels`));
      if (img && lab) {
        const imageFile = path.join(dir, img);
        const labelFile = path.join(dir, lab);
        return idxPairToDataset(fs.readFileSync(imageFile), fs.readFileSync(labelFile), { limit: options.limit, imageFile, labelFile });
      }
    }
  }
  throw notFoundError(`IDX ${split} split`, searched, expected, 'pass --data DIR with an image file and a label file named like that (IDX format, raw or .gz)');
}
