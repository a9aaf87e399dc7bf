/** A small PNG reader for tests: header, and 8-bit RGB/RGBA/palette pixels decoded with zlib (palette images come back as RGB). */
import * as zlib from 'zlib';

export interface DecodedPng {
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function decodePng(buf: Buffer): DecodedPng {
  if (!buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  let palette: Buffer | undefined;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const bitDepth = data[8];
      const colorType = data[9];
      if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6 && colorType !== 3) || data[12] !== 0) {
        throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${data[12]}`);
      }
      channels = colorType === 6 ? 4 : colorType === 3 ? 1 : 3;
    } else if (type === 'PLTE') {
      palette = Buffer.from(data);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      pixels[y * stride + x] = v & 0xff;
    }
  }
  if (channels === 1) {
    if (!palette) throw new Error('palette PNG without PLTE');
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) palette.copy(Buffer.from(rgb.buffer), 3 * i, 3 * pixels[i], 3 * pixels[i] + 3);
    return { width, height, channels: 3, pixels: rgb };
  }
  return { width, height, channels, pixels };
}

/** Number of pixels that are not opaque white. */
export function nonWhitePixels(png: DecodedPng): number {
  let count = 0;
  for (let i = 0; i < png.width * png.height; i++) {
    const o = i * png.channels;
    const alpha = png.channels === 4 ? png.pixels[o + 3] : 255;
    if (alpha > 0 && (png.pixels[o] < 250 || png.pixels[o + 1] < 250 || png.pixels[o + 2] < 250)) count++;
  }
  return count;
}

/** Number of distinct RGB colours (a blank or flat image has very few). */
export function distinctColours(png: DecodedPng): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.width * png.height; i++) {
    const o = i * png.channels;
    seen.add((png.pixels[o] << 16) | (png.pixels[o + 1] << 8) | png.pixels[o + 2]);
  }
  return seen.size;
}
