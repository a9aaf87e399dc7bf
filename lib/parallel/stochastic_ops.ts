/**
 * What `StochasticWorkers` computes on one thread's slice of a batch. The main thread and the
 * workers run this same code, and it reproduces the one-thread computation row for row:
 *
 * - every thread starts each SAP layer's stream from the state the one-thread call starts from
 *   (`StreamStates`), skips the passes that came before (`SapLayer.skipPasses`), and sets the
 *   layers' `rowOffset` to its rows' index within the one-thread call's batch, so every row gets the
 *   mask it would get in the whole batch (the WebAssembly sampler keys masks by row);
 * - every other operation of the forward and backward pass acts on each row on its own.
 *
 * `predictProbs` cuts the batch into chunks of `batchSize` and runs `samples` passes per chunk, so
 * chunk `b` uses passes `b·samples … (b+1)·samples − 1` of the stream: a slice is cut at chunk
 * boundaries into segments that each replay their chunk's passes. `lossGradient` runs one pass per
 * draw on the whole batch when it does not batch draws (see `eotRowsPerPass`).
 */
import * as tf from '@tensorflow/tfjs';
import { lossGradient, GradientOptions, LossGradient } from '../attacks/gradient';
import type { Model } from '../models/model';
import type { SapLayer } from '../defenses/sap_layer';

/** The state of every SAP layer's stream of masks, by layer name. */
export type StreamStates = Record<string, number[]>;

/** The model a thread evaluates (input conventions included) and the SAP layers inside it. */
export interface SlicedModel {
  model: Model;
  layers: SapLayer[];
}

/** Reads the stream state of each layer. */
export function streamStates(layers: SapLayer[]): StreamStates {
  return Object.fromEntries(layers.map((l) => [l.name, l.streamState()]));
}

/** Sets every layer's stream to `states` (by name), skips `passes` calls and sets `rowOffset`. */
function positionStreams(layers: SapLayer[], states: StreamStates, passes: number, rowOffset: number): void {
  for (const l of layers) {
    const s = states[l.name];
    if (!s) throw new Error(`no stream state for SAP layer ${l.name}`);
    l.setStreamState(s);
    l.skipPasses(passes);
    l.rowOffset = rowOffset;
  }
}

/** Rows `rows` of a thread's slice taken from chunk `chunk`, starting at row `offset` within that chunk. */
export interface ProbsSegment {
  chunk: number;
  offset: number;
  rows: number;
}

/** The segments of rows `[lo, hi)` of a batch cut into chunks of `batchSize`. */
export function probsSegments(lo: number, hi: number, batchSize: number): ProbsSegment[] {
  const out: ProbsSegment[] = [];
  for (let at = lo; at < hi; ) {
    const chunk = Math.floor(at / batchSize);
    const end = Math.min(hi, (chunk + 1) * batchSize);
    out.push({ chunk, offset: at - chunk * batchSize, rows: end - at });
    at = end;
  }
  return out;
}

/**
 * Averaged softmax `[rows, classes]` of a slice `x` whose rows are the `segments` in order, with
 * the summation order of `predictProbs`. Leaves the layers' `rowOffset` at 0 and their streams
 * wherever the last segment ended.
 */
export function slicedProbs(m: SlicedModel, x: tf.Tensor4D, samples: number, segments: ProbsSegment[], states: StreamStates, onSegment?: (done: number, total: number) => void): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [];
  try {
    let at = 0;
    for (const seg of segments) {
      positionStreams(m.layers, states, seg.chunk * samples, seg.offset);
      parts.push(
        tf.tidy(() => {
          const xb = tf.slice(x, [at, 0, 0, 0], [seg.rows, -1, -1, -1]);
          let acc = tf.softmax(m.model(xb)) as tf.Tensor2D;
          for (let s = 1; s < samples; s++) {
            const next = tf.add(acc, tf.softmax(m.model(xb))) as tf.Tensor2D;
            acc.dispose();
            acc = next;
          }
          return samples === 1 ? acc : (tf.div(acc, samples) as tf.Tensor2D);
        }),
      );
      at += seg.rows;
      onSegment?.(parts.length, segments.length);
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  } finally {
    m.layers.forEach((l) => (l.rowOffset = 0));
    if (parts.length > 1) tf.dispose(parts);
  }
}

/** The options of an EOT gradient that a thread needs (draws are never batched on a slice). */
export type SliceGradientOptions = Pick<GradientOptions, 'loss' | 'targeted' | 'eotSamples'>;

/**
 * `lossGradient` of a slice `x` whose first row is row `rowOffset` of the one-thread batch, one
 * pass per draw. Leaves the layers' `rowOffset` at 0.
 */
export function slicedLossGradient(m: SlicedModel, x: tf.Tensor4D, y: tf.Tensor1D, options: SliceGradientOptions, rowOffset: number, states: StreamStates): LossGradient {
  positionStreams(m.layers, states, 0, rowOffset);
  try {
    return lossGradient(m.model, x, y, { loss: options.loss, targeted: options.targeted, eotSamples: options.eotSamples, rowsPerPass: 0 });
  } finally {
    m.layers.forEach((l) => (l.rowOffset = 0));
  }
}

/**
 * Draws per pass `lossGradient` uses for `n` examples of a row-independent stochastic model
 * (the same rule as there). Slices reproduce the one-thread gradient only when it is 1.
 */
export function eotRowsPerPass(n: number, samples: number, rowsPerPass = 64): number {
  return n > 0 ? Math.max(1, Math.min(samples, Math.floor(rowsPerPass / n))) : 1;
}
