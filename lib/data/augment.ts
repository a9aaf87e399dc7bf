/**
 * The standard CIFAR-10 augmentation of ResNet training (He et al. 2016, section 4.2): pad each
 * image by `pad` pixels (zeros), take a random `h x w` crop, and flip it horizontally with
 * probability 1/2. Seeded; runs on the CPU over the batch's values (cheap next to a training step).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../seed';

/** Options of `randomCropFlip`. */
export interface CropFlipOptions {
  /** Padding on each side before cropping. Default 4. */
  pad?: number;
  /** Flip horizontally with probability 1/2. Default `true`. */
  flip?: boolean;
  /** Seed of the crops and flips (non-zero). */
  seed: number;
}

/** A randomly shifted (and flipped) copy of `x` `[n, h, w, c]`; the caller owns it. */
export function randomCropFlip(x: tf.Tensor4D, options: CropFlipOptions): tf.Tensor4D {
  const pad = options.pad ?? 4;
  const flip = options.flip ?? true;
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`pad must be a non-negative integer, got ${pad}`);
  const [n, h, w, c] = x.shape;
  const src = x.dataSync();
  const out = new Float32Array(src.length);
  const rng = new Rng(options.seed);
  for (let i = 0; i < n; i++) {
    const dy = rng.int(2 * pad + 1) - pad;
    const dx = rng.int(2 * pad + 1) - pad;
    const mirror = flip && rng.next() < 0.5;
    const base = i * h * w * c;
    for (let r = 0; r < h; r++) {
      const sr = r + dy;
      if (sr < 0 || sr >= h) continue; // zero padding
      for (let col = 0; col < w; col++) {
        const tc = mirror ? w - 1 - col : col;
        const sc = col + dx;
        if (sc < 0 || sc >= w) continue;
        const so = base + (sr * w + sc) * c;
        const to = base + (r * w + tc) * c;
        for (let k = 0; k < c; k++) out[to + k] = src[so + k];
      }
    }
  }
  return tf.tensor4d(out, [n, h, w, c]);
}
