/**
 * Input conventions of a model: which pixel range it expects and an optional per-channel
 * normalisation. saplab keeps images, eps and attack bounds on the `[0, 1]` pixel scale and puts
 * the conversion inside the evaluated function, so an eps of 8/255 means 8 grey levels whatever
 * the model expects: `input = (x * (range[1]) - mean) / std`, with `mean`/`std` on the model's
 * pixel range (e.g. `[0, 255]` statistics for a `[0, 255]` model).
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from './model';

/** The pixel ranges saplab converts to. */
export type PixelRange = [0, 1] | [0, 255];

/** How a model wants its input. Defaults: `range: [0, 1]`, no normalisation. */
export interface InputConventions {
  /** Pixel range the model was trained on. Default `[0, 1]`. */
  range?: PixelRange;
  /** Per-channel mean subtracted after scaling (one value per channel), on the model's range. */
  mean?: number[] | null;
  /** Per-channel standard deviation divided by after subtracting `mean`, on the model's range. */
  std?: number[] | null;
}

/** Throws for conventions that cannot be applied to `channels`-channel images. */
export function checkInputConventions(conv: InputConventions, channels?: number): void {
  const range = conv.range ?? [0, 1];
  if (!Array.isArray(range) || range.length !== 2 || range[0] !== 0 || (range[1] !== 1 && range[1] !== 255)) {
    throw new Error(`input range must be [0, 1] or [0, 255], got ${JSON.stringify(range)}`);
  }
  for (const key of ['mean', 'std'] as const) {
    const v = conv[key];
    if (v == null) continue;
    if (!Array.isArray(v) || v.length === 0 || v.some((e) => typeof e !== 'number' || !Number.isFinite(e))) throw new Error(`${key} must be a list of numbers, got ${JSON.stringify(v)}`);
    if (key === 'std' && v.some((e) => e <= 0)) throw new Error(`std must be positive, got ${JSON.stringify(v)}`);
    if (channels !== undefined && v.length !== 1 && v.length !== channels) throw new Error(`${key} has ${v.length} values but the images have ${channels} channels`);
  }
}

/** `true` when the conventions change nothing (`[0, 1]`, no mean/std). */
function isIdentityConvention(conv: InputConventions): boolean {
  return (conv.range ?? [0, 1])[1] === 1 && conv.mean == null && conv.std == null;
}

/** Maps `[0, 1]` images to the model's input convention (the caller owns the result). */
export function applyInputConventions(x: tf.Tensor4D, conv: InputConventions): tf.Tensor4D {
  return tf.tidy(() => {
    let out: tf.Tensor4D = x;
    const scale = (conv.range ?? [0, 1])[1];
    if (scale !== 1) out = tf.mul(out, scale);
    if (conv.mean != null) out = tf.sub(out, tf.tensor1d(conv.mean));
    if (conv.std != null) out = tf.div(out, tf.tensor1d(conv.std));
    return out === x ? tf.clone(x) : out;
  });
}

/**
 * The model seen from `[0, 1]` images: `x => model(applyInputConventions(x))`, and with
 * `logOfOutput` the log of its output (for a model that outputs probabilities without a removable
 * softmax). Keeps `stochastic`, `label` and `reseed`; gradients flow through the conversion.
 */
export function withInputConventions(model: Model, conv: InputConventions, options: { logOfOutput?: boolean } = {}): Model {
  if (isIdentityConvention(conv) && !options.logOfOutput) return model;
  const wrapped: Model = (x) =>
    tf.tidy(() => {
      const out = model(applyInputConventions(x, conv));
      return (options.logOfOutput ? tf.log(tf.maximum(out, 1e-30)) : out) as tf.Tensor2D;
    });
  wrapped.stochastic = model.stochastic;
  wrapped.label = model.label;
  if (model.reseed) wrapped.reseed = model.reseed;
  return wrapped;
}
