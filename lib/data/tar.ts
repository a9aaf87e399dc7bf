/**
 * A small reader for (optionally gzip-compressed) POSIX tar archives: enough to take regular files
 * out of `cifar-10-binary.tar.gz` without unpacking it to disk or adding a dependency. Handles
 * ustar names with a prefix and GNU long names (`L` entries); skips directories and links.
 */
import { DataError } from './errors';
import { maybeGunzip } from './idx';

/** One regular file of an archive. */
interface TarEntry {
  /** Path inside the archive, e.g. `cifar-10-batches-bin/test_batch.bin`. */
  name: string;
  /** The file's bytes (a view into the decompressed archive). */
  data: Uint8Array;
}

function cString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(start, end)).toString('utf8');
}

function octal(bytes: Uint8Array, start: number, length: number, file?: string): number {
  const text = cString(bytes, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new DataError(`bad tar header: size field ${JSON.stringify(text)} is not octal`, file);
  return parseInt(text, 8);
}

/**
 * The regular files of a tar archive (gzip-compressed or not). A header whose checksum is wrong,
 * or an entry that runs past the end of the archive, is a `DataError` (a truncated download).
 */
export function readTar(input: Uint8Array, file?: string): TarEntry[] {
  const bytes = maybeGunzip(input, file);
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    const stored = octal(header, 148, 8, file);
    if (stored !== sum) throw new DataError(`bad tar header at byte ${offset} (checksum ${stored}, computed ${sum}): not a tar archive, or damaged`, file);
    const size = octal(header, 124, 12, file);
    const type = String.fromCharCode(header[156] || 48);
    const magic = cString(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? cString(header, 345, 155) : '';
    let name = cString(header, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    const start = offset + 512;
    if (start + size > bytes.length) throw new DataError(`tar entry ${name} needs ${size} bytes but the archive ends after ${bytes.length - start} (truncated?)`, file);
    const data = bytes.subarray(start, start + size);
    if (type === 'L') longName = cString(data, 0, data.length);
    else {
      if (type === '0' || type === '7') entries.push({ name: longName ?? name, data });
      longName = undefined;
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** Writes a ustar archive of the given files (for tests and for packing small data sets). */
export function writeTar(files: { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of files) {
    if (Buffer.byteLength(f.name) > 100) throw new Error(`tar name longer than 100 bytes: ${f.name}`);
    const header = Buffer.alloc(512);
    header.write(f.name, 0, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(f.data.length.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    parts.push(header, f.data, Buffer.alloc((512 - (f.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
