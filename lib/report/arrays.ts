/**
 * Reading figure inputs (tensors, flat arrays with a shape, nested arrays) into flat arrays with
 * a shape. Tensors are read with `dataSync()`: no tensors are created or disposed.
 */
import * as tf from '@tensorflow/tfjs';

/** A flat array plus its shape, e.g. `{ data: Float32Array, shape: [h, w, c] }`. */
export interface ShapedArray {
  data: ArrayLike<number>;
  shape: number[];
}

/** A tensor, a `ShapedArray` or nested number arrays. */
export type ArrayInput = tf.Tensor | ShapedArray | NestedNumbers;
type NestedNumbers = number[] | NestedNumbers[] | ArrayLike<number>[];

/** Per-example class predictions: labels `[n]` or scores `[n, classes]` (argmax taken). */
export type LabelsLike = tf.Tensor | ArrayLike<number> | ArrayLike<number>[];

function isShaped(x: unknown): x is ShapedArray {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'data' in x && 'shape' in x;
}

/** Reads `x` into a flat array and shape, checking that the data fills the shape and is finite. */
export function readArray(x: ArrayInput, what: string): ShapedArray {
  let out: ShapedArray;
  if (x instanceof tf.Tensor) {
    out = { data: x.dataSync() as ArrayLike<number>, shape: [...x.shape] };
  } else if (isShaped(x)) {
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (!x.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${what}: shape [${x.shape.join(', ')}] is not a list of sizes`);
    if (x.data.length !== size) throw new Error(`${what}: ${x.data.length} values do not fill shape [${x.shape.join(', ')}] (${size} values)`);
    out = { data: x.data, shape: [...x.shape] };
  } else if (Array.isArray(x)) {
    out = readNested(x, what);
  } else {
    throw new Error(`${what} must be a tensor, { data, shape } or nested arrays`);
  }
  for (let i = 0; i < out.data.length; i++) {
    if (!Number.isFinite(out.data[i])) throw new Error(`${what} contains ${out.data[i]} at flat index ${i}; every value must be finite`);
  }
  return out;
}

function readNested(x: unknown[], what: string): ShapedArray {
  const shape: number[] = [];
  let level: unknown = x;
  while (Array.isArray(level) || ArrayBuffer.isView(level)) {
    const arr = level as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    level = arr[0];
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(size);
  let k = 0;
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') throw new Error(`${what}${path} is ${typeof node}, not a number`);
      data[k++] = node;
      return;
    }
    const arr = node as ArrayLike<unknown>;
    if (!(Array.isArray(node) || ArrayBuffer.isView(node)) || arr.length !== shape[depth]) {
      throw new Error(`${what} is ragged at ${what}${path}: expected ${shape[depth]} entries`);
    }
    for (let i = 0; i < arr.length; i++) walk(arr[i], depth + 1, `${path}[${i}]`);
  };
  walk(x, 0, '');
  return { data, shape };
}

/** Reads class predictions: 1-D integer labels, or a 2-D score matrix reduced by argmax. */
export function readClassIndices(x: LabelsLike, what: string): number[] {
  const a = readArray(x as ArrayInput, what);
  if (a.shape.length === 1) {
    const out = Array.from(a.data);
    out.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0) throw new Error(`${what}[${i}] = ${v} is not a class index`);
    });
    return out;
  }
  if (a.shape.length === 2) {
    const [n, k] = a.shape;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (a.data[i * k + j] > a.data[i * k + best]) best = j;
      out.push(best);
    }
    return out;
  }
  throw new Error(`${what} must be labels [n] or scores [n, classes], got shape [${a.shape.join(', ')}]`);
}

/** Image `i` of a stack `[n, h, w, c]` as rows of pixels, channel `ch` (or all channels). */
export function imagePlane(a: ShapedArray, i: number, ch: number): number[][] {
  const [, h, w, c] = a.shape;
  const rows: number[][] = [];
  for (let r = 0; r < h; r++) {
    const row: number[] = new Array(w);
    for (let col = 0; col < w; col++) row[col] = a.data[((i * h + r) * w + col) * c + ch];
    rows.push(row);
  }
  return rows;
}

/** Rounds to `digits` significant digits, to keep figure JSON small. */
export function compact(v: number, digits = 6): number {
  return v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(digits));
}
