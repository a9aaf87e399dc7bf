import { describe, expect, it } from 'vitest';
import * as zlib from 'zlib';
import { DataError } from 'saplab';
import { readTar, writeTar } from '../../lib/data/tar';

describe('tar reader', () => {
  it('round-trips files of any size, gzip-compressed or not', () => {
    const files = [
      { name: 'a/one.bin', data: Buffer.from([1, 2, 3]) },
      { name: 'a/empty', data: Buffer.alloc(0) },
      { name: 'a/big.bin', data: Buffer.alloc(3073 * 3, 7) },
    ];
    const tar = writeTar(files);
    expect(tar.length % 512).toBe(0);
    for (const bytes of [tar, zlib.gzipSync(tar)]) {
      const got = readTar(bytes);
      expect(got.map((e) => e.name)).toEqual(files.map((f) => f.name));
      got.forEach((e, i) => expect(Buffer.from(e.data).equals(files[i].data)).toBe(true));
    }
  });

  it('reads a GNU long name and skips directories', () => {
    const long = 'x'.repeat(120);
    const tar = Buffer.from(writeTar([{ name: '././@LongLink', data: Buffer.from(long + '\0') }, { name: 'short', data: Buffer.from('hi') }]));
    tar[156] = 'L'.charCodeAt(0);
    // fix the first header's checksum after changing its type
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : tar[i];
    tar.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    expect(readTar(tar).map((e) => e.name)).toEqual([long]);
  });

  it('rejects a damaged header and a truncated archive', () => {
    const tar = Buffer.from(writeTar([{ name: 'f', data: Buffer.alloc(2000, 1) }]));
    const bad = Buffer.from(tar);
    bad[0] = 'g'.charCodeAt(0);
    expect(() => readTar(bad, 'x.tar')).toThrow(/bad tar header/);
    expect(() => readTar(tar.subarray(0, 1024), 'x.tar')).toThrow(DataError);
    expect(() => readTar(tar.subarray(0, 1024), 'x.tar')).toThrow(/truncated/);
  });
});
