import { describe, expect, it } from 'vitest';
import * as zlib from 'zlib';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseIdx, readIdxFile, DataError } from 'saplab';
import { encodeIdx, isGzip } from '../../lib/data/idx';

function images(n: number, rows = 3, cols = 2): Uint8Array {
  const data = new Uint8Array(n * rows * cols).map((_, i) => (i * 37) % 256);
  return encodeIdx({ dtype: 'uint8', shape: [n, rows, cols], data });
}

describe('IDX reader', () => {
  it('parses raw and gzip-compressed files to the same array', () => {
    const raw = images(4);
    const a = parseIdx(raw);
    const b = parseIdx(zlib.gzipSync(raw));
    expect(a.shape).toEqual([4, 3, 2]);
    expect(a.dtype).toBe('uint8');
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(a.data[5]).toBe((5 * 37) % 256);
    expect(isGzip(zlib.gzipSync(raw))).toBe(true);
    expect(isGzip(raw)).toBe(false);
  });

  it('reads big-endian wider types', () => {
    const header = Buffer.from([0, 0, 0x0c, 1, 0, 0, 0, 2]);
    const body = Buffer.alloc(8);
    body.writeInt32BE(-5, 0);
    body.writeInt32BE(70000, 4);
    const a = parseIdx(Buffer.concat([header, body]));
    expect(a.dtype).toBe('int32');
    expect(Array.from(a.data)).toEqual([-5, 70000]);
  });

  it('rejects a wrong magic number', () => {
    const bad = Buffer.from(images(2));
    bad[0] = 0x50;
    expect(() => parseIdx(bad, 'x.idx')).toThrow(DataError);
    expect(() => parseIdx(bad, 'x.idx')).toThrow(/magic/);
  });

  it('rejects an unknown element type', () => {
    const bad = Buffer.from(images(2));
    bad[2] = 0x07;
    expect(() => parseIdx(bad)).toThrow(/element type/);
  });

  it('rejects truncated files (header and body) and trailing bytes', () => {
    const raw = images(3);
    expect(() => parseIdx(raw.subarray(0, raw.length - 1))).toThrow(/truncated/);
    expect(() => parseIdx(raw.subarray(0, 6))).toThrow(/truncated IDX header/);
    expect(() => parseIdx(raw.subarray(0, 2))).toThrow(/too short/);
    expect(() => parseIdx(Buffer.concat([Buffer.from(raw), Buffer.from([1, 2])]))).toThrow(/unexpected bytes/);
  });

  it('rejects unreadable gzip', () => {
    const gz = zlib.gzipSync(images(3));
    const cut = gz.subarray(0, gz.length - 10);
    expect(() => parseIdx(cut)).toThrow(/unreadable gzip/);
    const corrupt = Buffer.from(gz);
    corrupt[20] ^= 0xff;
    expect(() => parseIdx(corrupt)).toThrow(DataError);
  });

  it('reports the file of a read error', () => {
    expect(() => readIdxFile('/nonexistent/file.idx')).toThrow(/nonexistent.*cannot read/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idx-'));
    const f = path.join(dir, 'a.idx.gz');
    fs.writeFileSync(f, zlib.gzipSync(images(2)));
    expect(readIdxFile(f).shape).toEqual([2, 3, 2]);
    fs.rmSync(dir, { recursive: true });
  });
});
