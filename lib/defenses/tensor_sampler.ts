/**
 * The exact SAP sampler made of tensor ops, for backends where reading activations back to
 * JavaScript would dominate (`@tensorflow/tfjs-node`, `-node-gpu`): `r` draws with replacement
 * per example with `tf.multinomial` over `log|h|`, the "drawn at least once" mask with a binary
 * `tf.denseBincount`, and the scale `1 / (1 - (1 - p)^r)` computed as `-1 / expm1(r log1p(-p))`
 * in float32 (the direct power rounds to 0 for tiny p). Same distribution as the JavaScript and
 * WebAssembly samplers; nothing leaves the device.
 *
 * Cost: `Multinomial` is O(N·r) on the tfjs cpu backend (minutes for a CNN layer), so on wasm and
 * cpu saplab uses its own samplers; `saplab bench` times this one on small layers there.
 * On cpu the rows of a batch are drawn one call each (tfjs's cpu `Multinomial` would give
 * identical rows identical draws). A non-finite activation gives non-finite outputs for its example (no exception: that would need
 * a read-back).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../seed';

/** `[y, m]` with `y = x * m` for `x` `[rows, ...]`; `r` draws per row; `seed` for `tf.multinomial`. */
export function tensorSapExact(x: tf.Tensor, r: number, seed: number): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const rows = x.shape[0];
    const n = x.size / rows;
    const h = tf.reshape(x, [rows, n]);
    const a = tf.abs(h);
    const sum = tf.sum(a, 1, true);
    const empty = tf.equal(sum, 0);
    // An all-zero row would have no valid category: draw from uniform logits and zero it later.
    const logits = tf.where(empty, tf.zerosLike(a), tf.log(a)) as tf.Tensor2D;
    // tfjs's cpu Multinomial restarts one random sequence (from the seed) for every row of a
    // batch, so identical rows would get identical draws there: on cpu, each row is drawn alone.
    const draws = (
      tf.getBackend() === 'cpu' && rows > 1
        ? tf.concat(Array.from({ length: rows }, (_, i) => tf.multinomial(tf.slice(logits, [i, 0], [1, n]), r, deriveSeed(seed, i), false)), 0)
        : tf.multinomial(logits, r, seed, false)
    ) as tf.Tensor2D;
    const kept = tf.cast(tf.denseBincount(draws, [], n, true), 'bool');
    const p = tf.div(a, tf.where(empty, tf.onesLike(sum), sum));
    const q = tf.neg(tf.expm1(tf.mul(r, tf.log1p(tf.neg(p)))));
    const keep = tf.logicalAnd(tf.logicalAnd(kept, tf.greater(p, 0)), tf.logicalNot(empty));
    const m = tf.where(keep, tf.div(1, q), tf.zerosLike(q));
    return [tf.reshape(tf.mul(h, m), x.shape), tf.reshape(m, x.shape)] as [tf.Tensor, tf.Tensor];
  });
}
