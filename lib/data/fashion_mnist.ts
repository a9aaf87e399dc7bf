/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; Zalando, MIT licence): 28x28 grey images of
 * clothing in 10 classes, 60k train / 10k test.
 *
 * Files are looked up in this order: the `dir` option, `$SAPLAB_DATA`, the package's
 * `data/fashion-mnist/` (which ships the test split), `/usr/share/datasets/fashion-mnist/`
 * (Debian package `dataset-fashion-mnist`); if none has them, they are downloaded from the
 * official mirror into `$SAPLAB_DATA` (or the package's `data/fashion-mnist/`), each checked
 * against a sha256 of its decompressed contents and written atomically (temp file + rename).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { DataError } from './errors';
import { maybeGunzip, parseIdx } from './idx';
import { download } from './download';

/** Fashion-MNIST class names by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Official mirror of the Fashion-MNIST files. */
const FASHION_MNIST_MIRROR = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** A data set split. */
export type Split = 'train' | 'test';

interface FileSpec {
  name: string;
  /** sha256 of the decompressed IDX bytes (independent of how the file was gzipped). */
  sha256: string;
}

/** Fashion-MNIST file names, sha256 of their decompressed contents, and example counts. */
export const FASHION_MNIST_FILES: Record<Split, { images: FileSpec; labels: FileSpec; count: number }> = {
  train: {
    images: { name: 'train-images-idx3-ubyte.gz', sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888' },
    labels: { name: 'train-labels-idx1-ubyte.gz', sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9' },
    count: 60000,
  },
  test: {
    images: { name: 't10k-images-idx3-ubyte.gz', sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b' },
    labels: { name: 't10k-labels-idx1-ubyte.gz', sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34' },
    count: 10000,
  },
};

/** The package's own `data/` folder (shipped files). */
export const PACKAGE_DATA_DIR = path.resolve(__dirname, '..', '..', 'data');
/** Where the Debian package `dataset-fashion-mnist` puts the files. */
const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Options of `loadFashionMnist`. */
export interface LoadFashionMnistOptions {
  /** `'train'` or `'test'`. Default `'test'`. */
  split?: Split;
  /** Keep only the first `limit` examples (in file order). Default: all. */
  limit?: number;
  /** Folder to read from first. Default: none (see the lookup order above). */
  dir?: string;
  /** Download from the mirror when no local copy exists. Default `true`. */
  download?: boolean;
  /** Mirror URL (for tests and private mirrors). Default `FASHION_MNIST_MIRROR`. */
  mirror?: string;
  /** Check the sha256 of local files too (downloads are always checked). Default `false`. */
  verify?: boolean;
  /** Also search `$SAPLAB_DATA`, the package's `data/` and the Debian folder (after `dir`).
   * Default `true`; `false` looks in `dir` only before downloading. */
  searchDefaults?: boolean;
}

/** Images and labels of a data set split; the caller owns (and disposes) the tensors. */
export interface Dataset {
  /** Images `[n, h, w, c]`, float32 in `[0, 1]`. */
  x: tf.Tensor4D;
  /** Integer labels `[n]`, int32. */
  y: tf.Tensor1D;
}

/** Folders searched for the files, in order, with where each came from. */
function fashionMnistSearchPath(dir?: string, searchDefaults = true): { dir: string; source: string }[] {
  const out: { dir: string; source: string }[] = [];
  if (dir) out.push({ dir, source: 'dir option' });
  if (!searchDefaults) return out;
  if (process.env.SAPLAB_DATA) out.push({ dir: path.join(process.env.SAPLAB_DATA, 'fashion-mnist'), source: '$SAPLAB_DATA/fashion-mnist' }, { dir: process.env.SAPLAB_DATA, source: '$SAPLAB_DATA' });
  out.push({ dir: path.join(PACKAGE_DATA_DIR, 'fashion-mnist'), source: 'package data/fashion-mnist' });
  out.push({ dir: DEBIAN_FASHION_MNIST_DIR, source: 'Debian dataset-fashion-mnist' });
  return out;
}

function findLocal(split: Split, dir?: string, searchDefaults = true): string | undefined {
  const spec = FASHION_MNIST_FILES[split];
  for (const { dir: d } of fashionMnistSearchPath(dir, searchDefaults)) {
    const both = [spec.images.name, spec.labels.name].every(
      (n) => fs.existsSync(path.join(d, n)) || fs.existsSync(path.join(d, n.replace(/\.gz$/, ''))),
    );
    if (both) return d;
  }
  return undefined;
}

function fileIn(dir: string, name: string): string {
  const gz = path.join(dir, name);
  return fs.existsSync(gz) ? gz : path.join(dir, name.replace(/\.gz$/, ''));
}

/** sha256 (hex) of the decompressed contents of IDX bytes. */
export function idxSha256(bytes: Uint8Array, file?: string): string {
  return crypto.createHash('sha256').update(maybeGunzip(bytes, file)).digest('hex');
}

function readChecked(file: string, spec: FileSpec, verify: boolean): Uint8Array {
  const bytes = fs.readFileSync(file);
  if (verify) {
    const got = idxSha256(bytes, file);
    if (got !== spec.sha256) throw new DataError(`sha256 mismatch: expected ${spec.sha256}, got ${got}`, file);
  }
  return bytes;
}

/**
 * Reads images and labels IDX bytes into tensors; checks shapes and that the counts agree.
 * Throws `DataError` for any inconsistency.
 */
export function idxToDataset(imageBytes: Uint8Array, labelBytes: Uint8Array, opts: { limit?: number; imageFile?: string; labelFile?: string } = {}): Dataset {
  const images = parseIdx(imageBytes, opts.imageFile);
  const labels = parseIdx(labelBytes, opts.labelFile);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new DataError(`expected uint8 images [n, rows, cols], got ${images.dtype} [${images.shape}]`, opts.imageFile);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new DataError(`expected uint8 labels [n], got ${labels.dtype} [${labels.shape}]`, opts.labelFile);
  }
  const [n, rows, cols] = images.shape;
  if (labels.shape[0] !== n) {
    throw new DataError(`label/image count mismatch: ${labels.shape[0]} labels for ${n} images`, opts.labelFile);
  }
  const limit = opts.limit ?? n;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${opts.limit}`);
  const m = Math.min(limit, n);
  const px = rows * cols;
  const xs = new Float32Array(m * px);
  const src = images.data as Uint8Array;
  for (let i = 0; i < m * px; i++) xs[i] = src[i] / 255;
  const ys = new Int32Array(m);
  const lab = labels.data as Uint8Array;
  for (let i = 0; i < m; i++) {
    if (lab[i] > 9) throw new DataError(`label ${lab[i]} at index ${i} is not a class in 0..9`, opts.labelFile);
    ys[i] = lab[i];
  }
  return { x: tf.tensor4d(xs, [m, rows, cols, 1], 'float32'), y: tf.tensor1d(ys, 'int32') };
}

/**
 * Loads a Fashion-MNIST split as `{ x: [n,28,28,1] float32 in [0,1], y: int32 [n] }`.
 * The caller owns (and disposes) the tensors.
 */
export async function loadFashionMnist(options: LoadFashionMnistOptions = {}): Promise<Dataset> {
  const split = options.split ?? 'test';
  if (split !== 'train' && split !== 'test') throw new Error(`split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  const spec = FASHION_MNIST_FILES[split];
  let dir = findLocal(split, options.dir, options.searchDefaults ?? true);
  let verify = options.verify ?? false;
  if (!dir) {
    const target = process.env.SAPLAB_DATA ? path.join(process.env.SAPLAB_DATA, 'fashion-mnist') : path.join(PACKAGE_DATA_DIR, 'fashion-mnist');
    if (options.download === false) throw notFound(split, options.dir, undefined, options.searchDefaults);
    const mirror = options.mirror ?? process.env.SAPLAB_MIRROR ?? FASHION_MNIST_MIRROR;
    try {
      for (const f of [spec.images, spec.labels]) {
        await download(new URL(f.name, mirror).toString(), path.join(target, f.name), {
          check: (bytes) => {
            const got = idxSha256(bytes);
            if (got !== f.sha256) throw new DataError(`sha256 mismatch: expected ${f.sha256}, got ${got}`, f.name);
          },
        });
      }
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw notFound(split, options.dir, (e as Error).message, options.searchDefaults);
    }
    dir = target;
    verify = false;
  }
  const imageFile = fileIn(dir, spec.images.name);
  const labelFile = fileIn(dir, spec.labels.name);
  return idxToDataset(readChecked(imageFile, spec.images, verify), readChecked(labelFile, spec.labels, verify), {
    limit: options.limit,
    imageFile,
    labelFile,
  });
}

function notFound(split: Split, dir?: string, downloadError?: string, searchDefaults = true): DataError {
  const spec = FASHION_MNIST_FILES[split];
  const where = fashionMnistSearchPath(dir, searchDefaults).map((s) => `  ${s.dir} (${s.source})`).join('\n');
  return new DataError(
    `Fashion-MNIST ${split} split not found. Looked for ${spec.images.name} and ${spec.labels.name} in:\n${where}\n` +
      (downloadError ? `and the download failed: ${downloadError}\n` : '') +
      `Fix: put the two files in one of those folders (or set SAPLAB_DATA to a folder that has them), ` +
      `or install the Debian package: sudo apt-get install dataset-fashion-mnist`,
  );
}
