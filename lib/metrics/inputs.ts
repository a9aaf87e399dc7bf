/**
 * Reading metric inputs (tensors or plain arrays) into flat JavaScript arrays, with the checks
 * every metric shares: rank, matching lengths, finite values, integer labels in range.
 * Reading a tensor uses `dataSync()` and creates no new tensors; inputs are never disposed.
 */
import * as tf from '@tensorflow/tfjs';

/** Probabilities `[n, classes]`: a 2-D tensor or an array of rows. */
export type ProbsInput = tf.Tensor | ArrayLike<number>[];
/** Integer labels `[n]`: a 1-D tensor or an array. */
export type LabelsInput = tf.Tensor | ArrayLike<number>;

/** A row-major matrix read from a tensor or from nested arrays. */
interface Matrix {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

/** Whether `x` holds a matrix (2-D tensor or array of rows) rather than a vector. */
export function isMatrixInput(x: unknown): boolean {
  if (isTensor(x)) return x.rank === 2;
  if (!Array.isArray(x)) return false;
  return x.length > 0 && x[0] !== null && typeof x[0] === 'object' && typeof (x[0] as ArrayLike<number>).length === 'number';
}

/** Reads a matrix `[n, cols]`, checking the rank, ragged rows and non-finite values. */
export function readMatrix(x: ProbsInput, what: string): Matrix {
  if (isTensor(x)) {
    if (x.rank !== 2) throw new Error(`${what} must be a 2-D tensor [n, classes], got shape [${x.shape.join(', ')}]`);
    const data = x.dataSync() as ArrayLike<number>;
    checkFinite(data, what);
    const [rows, cols] = x.shape as number[];
    return { data, rows, cols };
  }
  if (!Array.isArray(x)) throw new Error(`${what} must be a 2-D tensor or an array of rows`);
  const rows = x.length;
  if (rows === 0) return { data: new Float64Array(0), rows: 0, cols: 0 };
  const cols = x[0]?.length;
  if (typeof cols !== 'number') throw new Error(`${what} must be an array of rows (a 2-D array)`);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = x[i];
    if (!row || row.length !== cols) {
      throw new Error(`${what} is ragged: row ${i} has ${row ? row.length : 0} values, row 0 has ${cols}`);
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] = Number(row[j]);
  }
  checkFinite(data, what);
  return { data, rows, cols };
}

/** Reads a vector `[n]` from a 1-D tensor or an array (booleans become 0 and 1). */
export function readVector(x: LabelsInput | ArrayLike<boolean>, what: string): ArrayLike<number> {
  if (isTensor(x)) {
    if (x.rank !== 1) throw new Error(`${what} must be a 1-D tensor, got shape [${x.shape.join(', ')}]`);
    const data = x.dataSync() as ArrayLike<number>;
    checkFinite(data, what);
    return data;
  }
  if (x === null || typeof x !== 'object' || typeof (x as ArrayLike<unknown>).length !== 'number') {
    throw new Error(`${what} must be a 1-D tensor or an array`);
  }
  const arr = x as ArrayLike<unknown>;
  const out = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v === 'boolean') out[i] = v ? 1 : 0;
    else if (typeof v === 'number') out[i] = v;
    else throw new Error(`${what}[${i}] is ${v === null ? 'null' : typeof v}, not a number`);
  }
  checkFinite(out, what);
  return out;
}

/** Reads integer labels `[n]` in `[0, classes)` (`classes` unchecked when omitted). */
export function readLabels(y: LabelsInput, n: number, classes: number | undefined, what = 'y'): Int32Array {
  const v = readVector(y, what);
  if (v.length !== n) throw new Error(`${what} has ${v.length} labels but there are ${n} examples`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = v[i];
    if (!Number.isInteger(label) || label < 0 || (classes !== undefined && label >= classes)) {
      const range = classes !== undefined ? `[0, ${classes - 1}]` : 'the non-negative integers';
      throw new Error(`${what}[${i}] = ${label} is not an integer label in ${range}`);
    }
    out[i] = label;
  }
  return out;
}

function checkFinite(data: ArrayLike<number>, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`${what} contains ${data[i]} at flat index ${i}; every value must be finite`);
  }
}

/** Index of the largest value of row `i` (the first one on ties, as `tf.argMax`). */
export function rowArgMax(m: Matrix, i: number): number {
  let best = 0;
  let bestValue = m.data[i * m.cols];
  for (let j = 1; j < m.cols; j++) {
    const v = m.data[i * m.cols + j];
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}
