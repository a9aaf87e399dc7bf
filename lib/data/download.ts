/** Downloads a file over HTTP(S) with redirects, a content check and an atomic write. */
import * as fs from 'fs';
import * as path from 'path';
import * as http from 'http';
import * as https from 'https';

/** Options of `download`. */
interface DownloadOptions {
  /** Throws if the downloaded bytes are not acceptable (e.g. a checksum mismatch). */
  check?: (bytes: Buffer) => void;
  /** Give up after this many milliseconds. Default 120000. */
  timeoutMs?: number;
}

function fetchBytes(url: string, timeoutMs: number, redirects = 5): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
        res.resume();
        resolve(fetchBytes(new URL(res.headers.location, url).toString(), timeoutMs, redirects - 1));
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new Error(`GET ${url} answered HTTP ${status}`));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', (e) => reject(new Error(`GET ${url} failed: ${e.message}`)));
  });
}

/**
 * Downloads `url` to `dest`. The bytes are checked before anything is written, then written to
 * a temporary file in the same folder and renamed into place, so `dest` is either absent or
 * complete, never half-written.
 */
export async function download(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const bytes = await fetchBytes(url, options.timeoutMs ?? 120_000);
  options.check?.(bytes);
  writeFileAtomic(dest, bytes);
}

/** Writes `data` to `file` through a temporary file and a rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
