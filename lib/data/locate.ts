/**
 * Where data sets are looked for, shared by every loader: the `dir` option (`--data`), then
 * `$SAPLAB_DATA/<name>`, `$SAPLAB_DATA`, then the package's `data/<name>/`. Downloads go to
 * `$SAPLAB_DATA/<name>` when `SAPLAB_DATA` is set, else to the package's `data/<name>/`.
 */
import * as crypto from 'crypto';
import * as path from 'path';
import { PACKAGE_DATA_DIR } from './fashion_mnist';
import { DataError } from './errors';

/** A folder to look in, and why it is on the list. */
export interface SearchDir {
  dir: string;
  source: string;
}

/** The folders searched for data set `name`, in order. */
export function dataSearchPath(name: string, dir?: string, searchDefaults = true): SearchDir[] {
  const out: SearchDir[] = [];
  if (dir) out.push({ dir: path.resolve(dir), source: '--data / dir option' });
  if (!searchDefaults) return out;
  const env = process.env.SAPLAB_DATA;
  if (env) out.push({ dir: path.join(env, name), source: `$SAPLAB_DATA/${name}` }, { dir: env, source: '$SAPLAB_DATA' });
  out.push({ dir: path.join(PACKAGE_DATA_DIR, name), source: `package data/${name}` });
  return out;
}

/** Where a download of data set `name` is written. */
export function downloadDir(name: string): string {
  return process.env.SAPLAB_DATA ? path.join(process.env.SAPLAB_DATA, name) : path.join(PACKAGE_DATA_DIR, name);
}

/** A download check that compares a digest (`md5` or `sha256`, hex) of the bytes. */
export function digestCheck(algorithm: 'md5' | 'sha256', expected: string, name: string): (bytes: Buffer) => void {
  return (bytes) => {
    const got = crypto.createHash(algorithm).update(bytes).digest('hex');
    if (got !== expected) throw new DataError(`${algorithm} mismatch: expected ${expected}, got ${got}; nothing was written`, name);
  };
}

/** The error for a data set found nowhere: the folders, the expected files, and how to fix it. */
export function notFoundError(what: string, searched: SearchDir[], expected: string[], fix: string, downloadError?: string): DataError {
  const where = searched.map((s) => `  ${s.dir} (${s.source})`).join('\n');
  return new DataError(
    `${what} not found. Looked for ${expected.join(', ')} in:\n${where}\n` +
      (downloadError ? `and the download failed: ${downloadError}\n` : '') +
      `Fix: ${fix}`,
  );
}
