/**
 * The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/), raw or
 * gzip-compressed. A header of magic `0x00 0x00 <type> <rank>` and `rank` big-endian uint32
 * dimensions, then the values in row-major order.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { DataError } from './errors';

/** Element types of the IDX format, by their type code. */
const IDX_TYPES: Record<number, { name: IdxArray['dtype']; bytes: number }> = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

/** The contents of an IDX file: element type, shape and values. */
export interface IdxArray {
  dtype: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** `true` when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes, or returns raw bytes unchanged. Unreadable gzip is a `DataError`. */
export function maybeGunzip(bytes: Uint8Array, file?: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return zlib.gunzipSync(bytes);
  } catch (e) {
    throw new DataError(`unreadable gzip data (${(e as Error).message})`, file);
  }
}

/**
 * Parses IDX bytes (raw or gzip). Throws `DataError` for a wrong magic number, an unknown
 * element type, or a size that does not match the header (truncated or trailing bytes).
 */
export function parseIdx(input: Uint8Array, file?: string): IdxArray {
  const bytes = maybeGunzip(input, file);
  if (bytes.length < 4) throw new DataError(`too short for an IDX header (${bytes.length} bytes)`, file);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(
      `wrong magic number 0x${Buffer.from(bytes.subarray(0, 4)).toString('hex')}: not an IDX file`,
      file,
    );
  }
  const type = IDX_TYPES[bytes[2]];
  if (!type) throw new DataError(`unknown IDX element type 0x${bytes[2].toString(16)}`, file);
  const rank = bytes[3];
  if (rank < 1) throw new DataError('IDX rank must be at least 1', file);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new DataError(`truncated IDX header (${bytes.length} bytes)`, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length < expected) {
    throw new DataError(
      `truncated: header promises ${shape.join('x')} ${type.name} values (${expected} bytes), file has ${bytes.length}`,
      file,
    );
  }
  if (bytes.length > expected) {
    throw new DataError(`${bytes.length - expected} unexpected bytes after the ${shape.join('x')} values`, file);
  }
  // A copy with its own buffer (Buffer#slice would be a view into the whole file).
  const body = Uint8Array.prototype.slice.call(bytes, headerBytes, expected);
  let data: IdxArray['data'];
  if (type.bytes === 1) {
    data = type.name === 'uint8' ? new Uint8Array(body.buffer) : new Int8Array(body.buffer);
  } else {
    // IDX is big-endian; convert element by element.
    const dv = new DataView(body.buffer);
    const n = count;
    switch (type.name) {
      case 'int16': {
        const a = new Int16Array(n);
        for (let i = 0; i < n; i++) a[i] = dv.getInt16(2 * i, false);
        data = a;
        break;
      }
      case 'int32': {
        const a = new Int32Array(n);
        for (let i = 0; i < n; i++) a[i] = dv.getInt32(4 * i, false);
        data = a;
        break;
      }
      case 'float32': {
        const a = new Float32Array(n);
        for (let i = 0; i < n; i++) a[i] = dv.getFloat32(4 * i, false);
        data = a;
        break;
      }
      default: {
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) a[i] = dv.getFloat64(8 * i, false);
        data = a;
      }
    }
  }
  return { dtype: type.name, shape, data };
}

/** Reads and parses an IDX file (`.gz` or raw). */
export function readIdxFile(file: string): IdxArray {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new DataError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
  return parseIdx(bytes, file);
}

/** Encodes an array as IDX bytes (used to write test fixtures and small exports). */
export function encodeIdx(arr: { dtype: 'uint8'; shape: number[]; data: Uint8Array }): Uint8Array {
  const header = Buffer.alloc(4 + 4 * arr.shape.length);
  header[2] = 0x08;
  header[3] = arr.shape.length;
  arr.shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength)]);
}
