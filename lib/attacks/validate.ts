/**
 * Argument checks shared by the attacks: clear errors before any work starts.
 */
import * as tf from '@tensorflow/tfjs';
import { checkSeed as checkSeedValue, DEFAULT_SEED } from '../seed';
import { ATTACK_LOSSES, ATTACK_NORMS, type AttackLoss, type AttackNorm } from './types';

/** Default valid input range. */
export const DEFAULT_BOUNDS: [number, number] = [0, 1];

/** `bounds` checked: two finite numbers with `lo < hi`. */
export function checkBounds(bounds: [number, number] | undefined, where: string): [number, number] {
  const b = bounds ?? DEFAULT_BOUNDS;
  if (!Array.isArray(b) || b.length !== 2 || !Number.isFinite(b[0]) || !Number.isFinite(b[1]) || !(b[0] < b[1])) {
    throw new Error(`${where}: bounds must be [lo, hi] with finite lo < hi, got ${JSON.stringify(bounds)}`);
  }
  return [b[0], b[1]];
}

/** `eps` checked: a finite number `>= 0`. */
export function checkEps(eps: unknown, where: string): number {
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new Error(`${where}: eps must be a finite number >= 0, got ${String(eps)}`);
  }
  return eps;
}

/**
 * A list of eps values on the `[0, 1]` pixel scale, as configs and flags give them: non-empty,
 * each a valid eps (`checkEps`) and at most `max` (default 1, the L-inf bound; L2 radii may be
 * larger); `positive` leaves out 0 (an attack's own radii, where 0 is the clean cell). Throws
 * `<where> must be a non-empty list of numbers in [0, 1], got ...`.
 */
export function checkEpsList(eps: unknown, where: string, options: { positive?: boolean; max?: number } = {}): number[] {
  const max = options.max ?? 1;
  const bad = () => new Error(`${where} must be a non-empty list of numbers in ${options.positive ? '(0' : '[0'}, ${Number.isFinite(max) ? `${max}]` : '∞)'}, got ${JSON.stringify(eps)}`);
  if (!Array.isArray(eps) || eps.length === 0) throw bad();
  for (const e of eps) {
    try {
      checkEps(e, where);
    } catch {
      throw bad();
    }
    if (e > max || (options.positive && e === 0)) throw bad();
  }
  return eps as number[];
}

/** An integer option `>= min`, or its default. */
export function checkInt(value: number | undefined, fallback: number, name: string, min: number, where: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new Error(`${where}: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return v;
}

/** A finite number option `> 0`, or its default. */
export function checkPositive(value: number | undefined, fallback: number, name: string, where: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new Error(`${where}: ${name} must be a finite number > 0, got ${String(value)}`);
  }
  return v;
}

export function checkNorm(norm: string | undefined, where: string, allowed: readonly AttackNorm[] = ATTACK_NORMS): AttackNorm {
  const v = norm ?? 'linf';
  if (!(allowed as readonly string[]).includes(v)) {
    throw new Error(`${where}: unknown norm ${JSON.stringify(norm)}; use one of ${allowed.map((s) => `'${s}'`).join(', ')}`);
  }
  return v as AttackNorm;
}

export function checkLoss(loss: string | undefined, where: string, allowed: readonly AttackLoss[] = ATTACK_LOSSES, fallback: AttackLoss = 'ce'): AttackLoss {
  const v = loss ?? fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new Error(`${where}: unknown loss ${JSON.stringify(loss)}; use one of ${allowed.map((s) => `'${s}'`).join(', ')}`);
  }
  return v as AttackLoss;
}

/** `seed` checked (an integer, see `checkSeed` in `lib/seed.ts`), or `DEFAULT_SEED`. */
export function checkSeed(seed: number | undefined, where: string): number {
  return checkSeedValue(seed ?? DEFAULT_SEED, where);
}

/** What `checkInputs` learned about the labels. */
interface InputInfo {
  /** Largest label (to check against the model's number of classes). */
  labelMax: number;
}

/**
 * Checks `x` (`[n, h, w, c]`, no NaN, inside `bounds` when given) and `y` (`[n]` integer labels
 * `>= 0`). Reads six numbers from the device once.
 */
export function checkInputs(x: tf.Tensor, y: tf.Tensor, bounds: [number, number] | undefined, where: string): InputInfo {
  if (!(x instanceof tf.Tensor)) throw new Error(`${where}: x must be a tf.Tensor4D`);
  if (!(y instanceof tf.Tensor)) throw new Error(`${where}: y must be a tf.Tensor1D of integer labels`);
  if (x.rank !== 4) throw new Error(`${where}: x must have rank 4 [n, h, w, c], got shape [${x.shape}]`);
  if (y.rank !== 1) throw new Error(`${where}: y must have rank 1 [n] (integer labels), got shape [${y.shape}]`);
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`${where}: x has ${x.shape[0]} examples but y has ${y.shape[0]} labels`);
  }
  if (x.shape[0] === 0) throw new Error(`${where}: x holds no examples`);
  if (x.dtype !== 'float32') throw new Error(`${where}: x must be float32, got ${x.dtype}`);
  if (y.dtype === 'bool' || y.dtype === 'string' || y.dtype === 'complex64') {
    throw new Error(`${where}: y must hold integer labels, got dtype ${y.dtype}`);
  }
  const [nan, lo, hi, yMin, yMax, yFrac] = tf.tidy(() => {
    const yf = tf.cast(y, 'float32');
    return tf.stack([
      tf.cast(tf.any(tf.isNaN(x)), 'float32'),
      tf.min(x),
      tf.max(x),
      tf.min(yf),
      tf.max(yf),
      tf.max(tf.abs(tf.sub(yf, tf.round(yf)))),
    ]).dataSync();
  });
  if (nan) throw new Error(`${where}: x contains NaN`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`${where}: x contains infinite values`);
  if (bounds) {
    const tol = 1e-6 * (bounds[1] - bounds[0]);
    if (lo < bounds[0] - tol || hi > bounds[1] + tol) {
      throw new Error(`${where}: x must lie inside bounds [${bounds[0]}, ${bounds[1]}], but its values span [${lo}, ${hi}]`);
    }
  }
  if (!Number.isFinite(yMin) || yFrac !== 0 || yMin < 0) {
    throw new Error(`${where}: y must hold non-negative integer labels (got values in [${yMin}, ${yMax}])`);
  }
  return { labelMax: yMax };
}

/** Checks the number of classes a model produced against the labels and the loss. */
export function checkClasses(classes: number, labelMax: number, loss: AttackLoss | undefined, where: string): void {
  if (classes < 2) throw new Error(`${where}: the model must output at least 2 logits, got ${classes}`);
  if (labelMax >= classes) throw new Error(`${where}: label ${labelMax} is out of range for a model with ${classes} classes`);
  if (loss === 'dlr' && classes < 3) throw new Error(`${where}: the DLR loss needs at least 3 classes, got ${classes}`);
}

/** Checks `imageIds` (one finite integer per image) or returns `0 .. n−1`. */
export function checkImageIds(ids: number[] | undefined, n: number, where: string): number[] {
  if (ids === undefined) return Array.from({ length: n }, (_, i) => i);
  if (!Array.isArray(ids) || ids.length !== n || !ids.every((v) => Number.isInteger(v))) {
    throw new Error(`${where}: imageIds must be ${n} integers (one per image of x)`);
  }
  return ids;
}
