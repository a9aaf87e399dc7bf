import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { randomCropFlip } from 'saplab';
import { expectNoLeak } from '../helpers';

describe('randomCropFlip', () => {
  it('shifts by at most pad pixels (zeros enter at the border) and flips about half of the images', async () => {
    const n = 400;
    const [h, w] = [6, 5];
    // Each image: value = 1 + row * w + col, so a pixel's value tells where it came from.
    const base = Float32Array.from({ length: n * h * w }, (_, i) => 1 + (i % (h * w)));
    const x = tf.tensor4d(base, [n, h, w, 1]);
    await expectNoLeak(() => randomCropFlip(x, { pad: 2, seed: 5 }), (t) => t.dispose());
    const out = randomCropFlip(x, { pad: 2, seed: 5 });
    const v = out.dataSync();
    let flipped = 0;
    const shifts = new Set<string>();
    for (let i = 0; i < n; i++) {
      // Find a source pixel in the image and infer the shift from it.
      let found = false;
      for (let r = 0; r < h && !found; r++) {
        for (let c = 0; c < w - 1 && !found; c++) {
          const a = v[i * h * w + r * w + c];
          const b = v[i * h * w + r * w + c + 1];
          if (a === 0 || b === 0) continue;
          const sa = a - 1;
          const sb = b - 1;
          const mirror = sb === sa - 1;
          if (mirror) flipped++;
          const sr = Math.floor(sa / w);
          const sc = sa % w;
          const col = mirror ? w - 1 - c : c;
          expect(Math.abs(sr - r)).toBeLessThanOrEqual(2);
          expect(Math.abs(sc - col)).toBeLessThanOrEqual(2);
          shifts.add(`${sr - r},${sc - col}`);
          found = true;
        }
      }
    }
    // Binomial(400, 1/2): mean 200, sd 10.
    expect(Math.abs(flipped - 200)).toBeLessThan(50);
    expect(shifts.size).toBeGreaterThan(15); // 25 possible shifts
    const again = randomCropFlip(x, { pad: 2, seed: 5 });
    expect(Array.from(again.dataSync())).toEqual(Array.from(v));
    const none = randomCropFlip(x, { pad: 0, flip: false, seed: 5 });
    expect(Array.from(none.dataSync())).toEqual(Array.from(base));
    tf.dispose([x, out, again, none]);
    expect(() => randomCropFlip(x, { pad: -1, seed: 1 })).toThrow(/pad/);
  });
});
