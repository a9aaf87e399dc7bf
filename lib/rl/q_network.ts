/**
 * The Q-network of the Catch agent: a small convolutional net in the shape of DQN's (Mnih et al.
 * 2015), scaled to a 10 × 5 board:
 *
 *   conv 3x3x16 ('same') + ReLU → flatten → dense 64 + ReLU → dense (actions): Q-values
 *
 * Two ReLUs, so SAP (after every ReLU) acts at two places. Outputs Q-values, which the attacks
 * treat as logits (Huang et al. 2017).
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED, deriveSeed } from '../seed';

/** Options of the Q-network builder. */
export interface QNetworkOptions {
  /** Observation shape `[h, w, c]`. Default `[10, 5, 1]` (Catch). */
  observationShape?: [number, number, number];
  /** Number of actions. Default 3. */
  actions?: number;
  /** Convolution filters. Default 16. */
  filters?: number;
  /** Hidden dense units. Default 64. */
  hidden?: number;
  /** Seed of the weight initialisers. Default `DEFAULT_SEED`. */
  seed?: number;
}

/** Builds an untrained Q-network. */
export function qNetwork(options: QNetworkOptions = {}): tf.Sequential {
  const seed = options.seed ?? DEFAULT_SEED;
  const init = (name: string) => tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'init', name) });
  return tf.sequential({
    name: 'catch_dqn',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: options.observationShape ?? [10, 5, 1], filters: options.filters ?? 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init('conv1') }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'dense1', units: options.hidden ?? 64, activation: 'relu', kernelInitializer: init('dense1') }),
      tf.layers.dense({ name: 'q', units: options.actions ?? 3, kernelInitializer: init('q') }),
    ],
  });
}

/** Copies every weight of `online` into `target` (the hard target-network update of DQN). */
export function syncTarget(online: tf.LayersModel, target: tf.LayersModel): void {
  const w = online.getWeights();
  target.setWeights(w);
}
