/**
 * Training recipes by name: an architecture and the optimiser, schedule and augmentation it is
 * trained with. `saplab train --recipe NAME` (or the default recipe of `--model`) uses them;
 * `--epochs` and `--batch-size` shorten or change a recipe without editing it.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainOptions } from './train';
import { fashionCnn } from './fashion_cnn';
import { resnet20 } from './resnet20';

/** Architectures `saplab train --model` builds. */
export type Architecture = 'fashion-cnn' | 'resnet20';

/** A named way to train a model. */
export interface TrainRecipe {
  /** One line for `--help` and logs. */
  description: string;
  /** Passes over the training set. */
  epochs: number;
  /** Examples per step. */
  batchSize: number;
  /** Everything else `trainClassifier` takes (optimiser, schedule, weight decay, augmentation). */
  options: Pick<TrainOptions, 'optimizer' | 'lr' | 'decayEvery' | 'momentum' | 'weightDecay' | 'lrSchedule' | 'augment' | 'microBatch'>;
}

/**
 * The paper's CIFAR-10 schedule (its ResNet-20 tutorial): lr 0.5 for epochs 1–100, 0.05 for
 * 101–130, 0.005 after.
 */
export function paperCifar10Lr(epoch: number): number {
  return epoch <= 100 ? 0.5 : epoch <= 130 ? 0.05 : 0.005;
}

/** Every recipe by name. */
export const TRAIN_RECIPES: Record<string, TrainRecipe> = {
  adam: {
    description: 'Adam, lr 1e-3 halved every 3 epochs, batch 128, 8 epochs (the shipped fashion-cnn)',
    epochs: 8,
    batchSize: 128,
    options: { optimizer: 'adam', lr: 1e-3, decayEvery: 3 },
  },
  'paper-cifar10': {
    description: "the paper's: SGD momentum 0.9, weight decay 1e-4, batch 512, lr 0.5 → 0.05 (epoch 100) → 0.005 (epoch 130), 150 epochs, random crop (pad 4) and flip; gradients of 512 computed in chunks of 128",
    epochs: 150,
    batchSize: 512,
    // One step of 512 is computed from chunks of 128 (the wasm backend's memory does not hold the
    // activations of 512 CIFAR-10 images through ResNet-20); `--micro-batch 512` on a GPU.
    options: { optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-4, lrSchedule: paperCifar10Lr, augment: { pad: 4, flip: true }, microBatch: 128 },
  },
};

/** The recipe `saplab train` uses for an architecture when `--recipe` is not given. */
export const DEFAULT_RECIPE: Record<Architecture, string> = { 'fashion-cnn': 'adam', resnet20: 'paper-cifar10' };

/** Builds an untrained model of an architecture for images of `inputShape`. */
export function buildArchitecture(arch: Architecture, options: { seed: number; inputShape: [number, number, number]; classes?: number }): tf.LayersModel {
  switch (arch) {
    case 'fashion-cnn':
      return fashionCnn(options);
    case 'resnet20':
      return resnet20(options);
    default:
      throw new Error(`unknown architecture ${JSON.stringify(arch)} (known: fashion-cnn, resnet20)`);
  }
}
