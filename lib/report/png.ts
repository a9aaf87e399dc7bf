/**
 * Lossless PNG recompression for figure images: Chromium's canvas encoder favours speed, so its
 * PNGs of plots are about twice the size they need to be. `compactPng` decodes an 8-bit RGB/RGBA
 * PNG, drops an alpha channel that is opaque everywhere, writes an indexed (palette) PNG when the
 * image has at most 256 colours, and otherwise deflates at level 9 with the better of two whole-image
 * filters (none, which suits the flat areas of plots, or Paeth, which suits gradients). Pixels are
 * unchanged.
 */
import * as zlib from 'zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A decoded 8-bit image: `channels` bytes per pixel (3 RGB, 4 RGBA), rows top to bottom. */
interface PngPixels {
  width: number;
  height: number;
  channels: 3 | 4;
  pixels: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what browsers' canvases write). */
export function decodePng(buf: Uint8Array): PngPixels {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8 || !b.subarray(0, 8).equals(SIGNATURE)) throw new Error('decodePng: not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels: 3 | 4 = 4;
  const idat: Buffer[] = [];
  while (off + 8 <= b.length) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    const data = b.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || (data[9] !== 2 && data[9] !== 6) || data[12] !== 0) {
        throw new Error(`decodePng: only 8-bit non-interlaced RGB/RGBA is supported (bit depth ${data[8]}, colour type ${data[9]}, interlace ${data[12]})`);
      }
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (width === 0 || height === 0) throw new Error('decodePng: no image header');
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error('decodePng: truncated image data');
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[row + x - channels] : 0;
      const up = y > 0 ? px[row - stride + x] : 0;
      const c = x >= channels && y > 0 ? px[row - stride + x - channels] : 0;
      let v = raw[src + x];
      if (filter === 1) v += a;
      else if (filter === 2) v += up;
      else if (filter === 3) v += (a + up) >> 1;
      else if (filter === 4) v += paeth(a, up, c);
      else if (filter !== 0) throw new Error(`decodePng: bad filter ${filter}`);
      px[row + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels: px };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Rows of `bpp`-byte pixels, each prefixed by its filter byte: 0 (none) or 4 (Paeth). */
function filterRows(px: Uint8Array, width: number, height: number, bpp: number, filter: 0 | 4): Buffer {
  const stride = width * bpp;
  const out = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const dst = y * (stride + 1);
    out[dst] = filter;
    if (filter === 0) {
      out.set(px.subarray(row, row + stride), dst + 1);
      continue;
    }
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[row + x - bpp] : 0;
      const up = y > 0 ? px[row - stride + x] : 0;
      const c = x >= bpp && y > 0 ? px[row - stride + x - bpp] : 0;
      out[dst + 1 + x] = (px[row + x] - paeth(a, up, c)) & 0xff;
    }
  }
  return out;
}

function deflateBest(px: Uint8Array, width: number, height: number, bpp: number): Buffer {
  const [none, withPaeth] = ([0, 4] as const).map((f) => zlib.deflateSync(filterRows(px, width, height, bpp, f), { level: 9, memLevel: 9 }));
  return none.length <= withPaeth.length ? none : withPaeth;
}

/** Encodes pixels as a PNG (8-bit RGB or RGBA), deflated at level 9 (see the module comment). */
export function encodePng(image: PngPixels): Buffer {
  const { width, height, channels, pixels } = image;
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: expected ${width * height * channels} bytes, got ${pixels.length}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 4 ? 6 : 2;
  const data = deflateBest(pixels, width, height, channels);
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', data), chunk('IEND', Buffer.alloc(0))]);
}

/** An indexed PNG when the image has at most 256 distinct colours, else `undefined`. */
function encodeIndexed(image: PngPixels): Buffer | undefined {
  const { width, height, channels, pixels } = image;
  const index = new Map<number, number>();
  const idx = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < idx.length; i++, p += channels) {
    const key = ((pixels[p] << 16) | (pixels[p + 1] << 8) | pixels[p + 2]) + (channels === 4 ? pixels[p + 3] * 16777216 : 0);
    let k = index.get(key);
    if (k === undefined) {
      if (index.size === 256) return undefined;
      k = index.size;
      index.set(key, k);
    }
    idx[i] = k;
  }
  const plte = Buffer.alloc(index.size * 3);
  const trns = Buffer.alloc(index.size);
  let translucent = false;
  for (const [key, k] of index) {
    plte[3 * k] = (key >> 16) & 0xff;
    plte[3 * k + 1] = (key >> 8) & 0xff;
    plte[3 * k + 2] = key & 0xff;
    trns[k] = channels === 4 ? Math.floor(key / 16777216) : 255;
    if (trns[k] !== 255) translucent = true;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 3;
  const data = deflateBest(idx, width, height, 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('PLTE', plte), ...(translucent ? [chunk('tRNS', trns)] : []), chunk('IDAT', data), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * The same image as a smaller PNG (lossless): opaque RGBA becomes RGB, at most 256 colours become
 * a palette image, and the rest is re-filtered and deflated at level 9. Returns the input when
 * that is not smaller, or when it is not an 8-bit RGB/RGBA PNG.
 */
export function compactPng(png: Uint8Array): Buffer {
  const input = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  let image: PngPixels;
  try {
    image = decodePng(input);
  } catch {
    return input;
  }
  if (image.channels === 4) {
    let opaque = true;
    for (let i = 3; i < image.pixels.length; i += 4) if (image.pixels[i] !== 255) { opaque = false; break; }
    if (opaque) {
      const rgb = new Uint8Array((image.pixels.length / 4) * 3);
      for (let i = 0, j = 0; i < image.pixels.length; i += 4, j += 3) {
        rgb[j] = image.pixels[i];
        rgb[j + 1] = image.pixels[i + 1];
        rgb[j + 2] = image.pixels[i + 2];
      }
      image = { ...image, channels: 3, pixels: rgb };
    }
  }
  const out = encodeIndexed(image) ?? encodePng(image);
  return out.length < input.length ? out : input;
}

/**
 * `png` with its physical resolution recorded (a `pHYs` chunk in pixels per metre, replacing
 * any present), so that word processors and LaTeX size it correctly: 300 dpi for print.
 */
export function withPngDpi(png: Uint8Array, dpi: number): Buffer {
  if (!Number.isFinite(dpi) || dpi <= 0) throw new Error(`withPngDpi: dpi must be a positive number, got ${dpi}`);
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.length < 33 || !b.subarray(0, 8).equals(SIGNATURE) || b.toString('latin1', 12, 16) !== 'IHDR') throw new Error('withPngDpi: not a PNG');
  const parts: Buffer[] = [b.subarray(0, 33)];
  const ppm = Math.round(dpi / 0.0254);
  const phys = Buffer.alloc(9);
  phys.writeUInt32BE(ppm, 0);
  phys.writeUInt32BE(ppm, 4);
  phys[8] = 1; // unit: metre
  parts.push(chunk('pHYs', phys));
  let off = 33;
  while (off + 8 <= b.length) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    if (type !== 'pHYs') parts.push(b.subarray(off, off + 12 + len));
    off += 12 + len;
  }
  return Buffer.concat(parts);
}
