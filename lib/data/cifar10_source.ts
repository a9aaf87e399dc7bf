/**
 * Finding CIFAR-10 wherever it is: the folder of `.bin` batches (`cifar-10-batches-bin/`), a folder
 * holding that folder, or the `cifar-10-binary.tar.gz` archive as downloaded (read in memory, not
 * unpacked), in the shared lookup order (`--data`, `$SAPLAB_DATA`, `data/`), and otherwise
 * downloaded from the data set's page, checked against its published MD5 and written atomically.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DataError } from './errors';
import { download } from './download';
import { parseCifar10Batch } from './cifar10';
import { readTar } from './tar';
import type { Dataset, Split } from './fashion_mnist';
import { dataSearchPath, digestCheck, downloadDir, notFoundError, SearchDir } from './locate';

/** The official archive of the binary version. */
const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/** MD5 of `cifar-10-binary.tar.gz` as published on the CIFAR-10 page. */
const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
/** File name of the archive. */
export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';
/** Folder name inside the archive. */
const CIFAR10_FOLDER = 'cifar-10-batches-bin';

/** The batch files of a split. */
function cifar10BatchNames(split: Split): string[] {
  return split === 'test' ? ['test_batch.bin'] : [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
}

/** Options of `loadCifar10Dataset`. */
export interface LoadCifar10DatasetOptions {
  /** `'train'` or `'test'`. Default `'test'`. */
  split?: Split;
  /** Keep only the first `limit` examples. Default: all. */
  limit?: number;
  /** Folder (or `.tar.gz` file) searched first (`--data`). */
  dir?: string;
  /** Also search `$SAPLAB_DATA` and the package's `data/`. Default `true`. */
  searchDefaults?: boolean;
  /** Download when no local copy exists. Default `true`. */
  download?: boolean;
  /** Archive URL. Default `$SAPLAB_CIFAR10_URL` or `CIFAR10_URL`. */
  url?: string;
  /** Expected MD5 of the downloaded archive. Default `CIFAR10_MD5`. */
  md5?: string;
}

type Located = { kind: 'folder'; dir: string } | { kind: 'archive'; file: string };

function locateIn(dir: string, split: Split): Located | undefined {
  if (dir.endsWith('.tar.gz') || dir.endsWith('.tgz')) return fs.existsSync(dir) ? { kind: 'archive', file: dir } : undefined;
  const names = cifar10BatchNames(split);
  for (const d of [dir, path.join(dir, CIFAR10_FOLDER)]) if (names.every((n) => fs.existsSync(path.join(d, n)))) return { kind: 'folder', dir: d };
  const archive = path.join(dir, CIFAR10_ARCHIVE);
  return fs.existsSync(archive) ? { kind: 'archive', file: archive } : undefined;
}

function readBatches(found: Located, split: Split, limit?: number): Dataset {
  const names = cifar10BatchNames(split);
  const parts: Uint8Array[] = [];
  if (found.kind === 'folder') {
    for (const n of names) {
      const file = path.join(found.dir, n);
      const b = fs.readFileSync(file);
      if (b.length % 3073 !== 0) throw new DataError(`size ${b.length} is not a whole number of 3073-byte CIFAR-10 records (truncated?)`, file);
      parts.push(b);
    }
  } else {
    const entries = readTar(fs.readFileSync(found.file), found.file);
    for (const n of names) {
      const e = entries.find((x) => path.posix.basename(x.name) === n);
      if (!e) throw new DataError(`the archive has no ${n} (it holds ${entries.map((x) => x.name).join(', ') || 'no files'})`, found.file);
      if (e.data.length % 3073 !== 0) throw new DataError(`${e.name}: size ${e.data.length} is not a whole number of 3073-byte CIFAR-10 records (truncated?)`, found.file);
      parts.push(e.data);
    }
  }
  return parseCifar10Batch(Buffer.concat(parts), found.kind === 'folder' ? found.dir : found.file, limit);
}

/** Loads a CIFAR-10 split as `{ x: [n,32,32,3] in [0,1], y: int32 [n] }` (see the lookup above). */
export async function loadCifar10Dataset(options: LoadCifar10DatasetOptions = {}): Promise<Dataset> {
  const split = options.split ?? 'test';
  const searched: SearchDir[] = dataSearchPath('cifar10', options.dir, options.searchDefaults ?? true);
  for (const s of searched) {
    const found = locateIn(s.dir, split);
    if (found) return readBatches(found, split, options.limit);
  }
  const expected = [`${cifar10BatchNames(split).join(', ')} (alone or in ${CIFAR10_FOLDER}/)`, `or ${CIFAR10_ARCHIVE}`];
  const fix = `download the binary version (${CIFAR10_URL}) into one of those folders, pass --data DIR, or set SAPLAB_DATA`;
  if (options.download === false) throw notFoundError(`CIFAR-10 ${split} split`, searched, expected, fix);
  const target = path.join(downloadDir('cifar10'), CIFAR10_ARCHIVE);
  try {
    await download(options.url ?? process.env.SAPLAB_CIFAR10_URL ?? CIFAR10_URL, target, { check: digestCheck('md5', options.md5 ?? CIFAR10_MD5, CIFAR10_ARCHIVE), timeoutMs: 1_800_000 });
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw notFoundError(`CIFAR-10 ${split} split`, searched, expected, fix, (e as Error).message);
  }
  return readBatches({ kind: 'archive', file: target }, split, options.limit);
}
