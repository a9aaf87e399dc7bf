import * as zlib from 'zlib';
import { describe, expect, it } from 'vitest';
import { compactPng, decodePng as decodeLib, encodePng, withPngDpi } from '../../lib/report/png';
import { decodePng } from './png';

/** A deterministic RGBA test image: `colours` distinct opaque colours in bands, or a gradient. */
function image(width: number, height: number, kind: 'bands' | 'gradient', alpha = 255) {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (kind === 'bands') pixels.set([x < width / 2 ? 0 : 230, 114, y < height / 2 ? 178 : 0, alpha], o);
      else pixels.set([x % 256, y % 256, (x * y) % 256, alpha], o);
    }
  return { width, height, channels: 4 as const, pixels };
}

function colourType(png: Uint8Array): number {
  return png[8 + 8 + 9];
}

describe('compactPng', () => {
  it('keeps every pixel of a many-coloured image and drops an opaque alpha channel', () => {
    const src = image(300, 200, 'gradient');
    const rgba = encodePng(src);
    const out = compactPng(rgba);
    expect(colourType(rgba)).toBe(6);
    expect(colourType(out)).toBe(2);
    const back = decodePng(out);
    expect([back.width, back.height, back.channels]).toEqual([300, 200, 3]);
    for (let i = 0, j = 0; i < src.pixels.length; i += 4, j += 3) {
      if (back.pixels[j] !== src.pixels[i] || back.pixels[j + 1] !== src.pixels[i + 1] || back.pixels[j + 2] !== src.pixels[i + 2]) throw new Error(`pixel ${i / 4} differs`);
    }
  });

  it('writes a palette image when there are at most 256 colours, and it is smaller', () => {
    const src = image(400, 300, 'bands');
    const loose = loosePng(src);
    const out = compactPng(loose);
    expect(colourType(out)).toBe(3);
    expect(out.length).toBeLessThan(loose.length / 10);
    const back = decodePng(out);
    expect(Array.from(back.pixels.subarray(0, 3))).toEqual([0, 114, 178]);
    expect(Array.from(back.pixels.subarray((299 * 400 + 399) * 3, (299 * 400 + 399) * 3 + 3))).toEqual([230, 114, 0]);
    expect(decodeLib(loose).pixels).toEqual(src.pixels);
  });

  it('keeps translucent pixels, and returns what it cannot read unchanged', () => {
    const out = compactPng(loosePng(image(200, 100, 'bands', 128)));
    expect(colourType(out)).toBe(3);
    expect(out.includes(Buffer.from('tRNS'))).toBe(true);
    const many = compactPng(loosePng(image(200, 100, 'gradient', 128)));
    expect(colourType(many)).toBe(6);
    expect(decodeLib(many).pixels[3]).toBe(128);
    const junk = Buffer.from('not a png at all');
    expect(compactPng(junk)).toEqual(junk);
    expect(() => decodeLib(junk)).toThrow(/not a PNG/);
    expect(() => encodePng({ width: 2, height: 2, channels: 3, pixels: new Uint8Array(5) })).toThrow(/expected 12 bytes/);
  });
});

/** The image as a PNG deflated at level 0: a stand-in for a fast encoder's output. */
function loosePng(src: ReturnType<typeof image>): Buffer {
  const stride = src.width * 4;
  const raw = Buffer.alloc(src.height * (stride + 1));
  for (let y = 0; y < src.height; y++) Buffer.from(src.pixels.subarray(y * stride, (y + 1) * stride)).copy(raw, y * (stride + 1) + 1);
  const fast = encodePng(src);
  return Buffer.concat([fast.subarray(0, 33), chunkOf('IDAT', zlib.deflateSync(raw, { level: 0 })), fast.subarray(fast.length - 12)]);
}

describe('withPngDpi', () => {
  it('records the resolution in one pHYs chunk, replacing an old one, pixels unchanged', () => {
    const src = image(30, 20, 'gradient');
    const once = withPngDpi(encodePng(src), 150);
    const twice = withPngDpi(once, 300);
    expect(twice.toString('latin1').split('pHYs')).toHaveLength(2);
    const at = twice.indexOf('pHYs');
    expect([twice.readUInt32BE(at + 4), twice.readUInt32BE(at + 8), twice[at + 12]]).toEqual([11811, 11811, 1]);
    expect(decodeLib(twice).pixels).toEqual(src.pixels);
    expect(() => withPngDpi(Buffer.from('nope'), 300)).toThrow(/not a PNG/);
    expect(() => withPngDpi(once, 0)).toThrow(/dpi/);
  });
});

function chunkOf(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(0 /* not checked by the readers */, 0);
  return Buffer.concat([head, data, crc]);
}
