/**
 * Adversarial attacks on an agent's observations (Huang, Papernot, Goodfellow, Duan, Abbeel,
 * "Adversarial Attacks on Neural Network Policies", 2017; the attack of the SAP paper's DQN
 * experiment): at a step, the observation `x` is perturbed within the L∞ ball of radius `eps` (and
 * [0, 1]) to push the agent off the action it would take on the clean observation, maximising the
 * cross-entropy of that action with the Q-values taken as logits. Any attack of `lib/attacks` does
 * this when given the clean greedy actions as labels: FGSM (`attacks.fgsm()`), the paper's
 * Monte-Carlo FGSM through SAP (`attacks.fgsm({ eotSamples: 100 })`) or PGD with EOT (the adaptive
 * attack). Only the agent's input is perturbed; the environment keeps the true state.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import type { Attack } from '../attacks/types';

/**
 * Adversarial observations `[n, h, w, c]` pushing `model` away from `cleanActions` (the agent's
 * greedy actions on `x`). The caller owns the result; inputs are not disposed.
 */
export async function attackObservations(model: Model, attack: Attack, x: tf.Tensor4D, cleanActions: Int32Array, options: { eps: number; seed?: number }): Promise<tf.Tensor4D> {
  if (cleanActions.length !== x.shape[0]) throw new Error(`attackObservations: ${x.shape[0]} observations but ${cleanActions.length} actions`);
  const y = tf.tensor1d(cleanActions, 'int32');
  try {
    return await attack(model, x, y, { eps: options.eps, seed: options.seed });
  } finally {
    y.dispose();
  }
}
