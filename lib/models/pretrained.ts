/** Pretrained models shipped in the package's `data/models/`. */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { PACKAGE_DATA_DIR } from '../data/fashion_mnist';
import { loadModel } from './io';

/** The models shipped in `data/models/`, by name. */
export const PRETRAINED = {
  'fashion-cnn': {
    dir: 'models/fashion-cnn',
    description: 'Fashion-MNIST CNN (225,034 parameters) trained by `saplab train --dataset fashion-mnist`',
    retrain: 'npx saplab train --dataset fashion-mnist',
  },
  'catch-dqn': {
    dir: 'models/catch-dqn',
    description: 'DQN Q-network for Catch (10×5 board, lib/rl/q_network.ts) trained by `saplab rl train --game catch`',
    retrain: 'npx saplab rl train --game catch --seed 1803',
  },
  'fashion-cnn-fgsm-at': {
    dir: 'models/fashion-cnn-fgsm-at',
    description: "the Fashion-MNIST CNN adversarially trained with the SAP paper's recipe (80% clean, 20% FGSM at eps 0.05 from the previous epoch's model) by `saplab train --adversarial fgsm`",
    retrain: 'npx saplab train --dataset fashion-mnist --adversarial fgsm --eps 0.05 --epochs 2 --seed 1803 --holdout 500',
  },
  'fashion-cnn-pgd-at': {
    dir: 'models/fashion-cnn-pgd-at',
    description: 'the Fashion-MNIST CNN adversarially trained at eps 0.1 with the fast substitute for PGD training (FGSM from a random start, step 1.25·eps; Wong et al. 2020) by `saplab train --adversarial fast`',
    retrain: 'npx saplab train --dataset fashion-mnist --adversarial fast --eps 0.1 --epochs 2 --seed 1803 --holdout 500',
  },
  'fashion-cnn-noise-0.12': {
    dir: 'models/fashion-cnn-noise-0.12',
    description: 'the Fashion-MNIST CNN trained with Gaussian data augmentation at sigma 0.12 (the base classifier of a randomized-smoothing model, `withGaussianSmoothing(net, { sigma: 0.12 })`) by `saplab train --noise-sigma 0.12`',
    retrain: 'npx saplab train --dataset fashion-mnist --epochs 3 --seed 1803 --noise-sigma 0.12',
  },
  'fashion-cnn-noise-0.25': {
    dir: 'models/fashion-cnn-noise-0.25',
    description: 'the Fashion-MNIST CNN trained with Gaussian data augmentation at sigma 0.25 (the base classifier of a randomized-smoothing model, `withGaussianSmoothing(net, { sigma: 0.25 })`) by `saplab train --noise-sigma 0.25`',
    retrain: 'npx saplab train --dataset fashion-mnist --epochs 3 --seed 1803 --noise-sigma 0.25',
  },
  'fashion-cnn-noise-0.5': {
    dir: 'models/fashion-cnn-noise-0.5',
    description: 'the Fashion-MNIST CNN trained with Gaussian data augmentation at sigma 0.5 (the base classifier of a randomized-smoothing model, `withGaussianSmoothing(net, { sigma: 0.5 })`) by `saplab train --noise-sigma 0.5`',
    retrain: 'npx saplab train --dataset fashion-mnist --epochs 3 --seed 1803 --noise-sigma 0.5',
  },
} as const;
/** Name of a shipped model. */
export type PretrainedName = keyof typeof PRETRAINED;

/** Folder of a shipped model. */
export function pretrainedDir(name: PretrainedName): string {
  return path.join(PACKAGE_DATA_DIR, PRETRAINED[name].dir);
}

/** Loads a shipped pretrained model, e.g. `await loadPretrained('fashion-cnn')`. */
export async function loadPretrained(name: PretrainedName = 'fashion-cnn'): Promise<tf.LayersModel> {
  if (!(name in PRETRAINED)) {
    throw new Error(`unknown pretrained model ${JSON.stringify(name)}; available: ${Object.keys(PRETRAINED).join(', ')}`);
  }
  const dir = pretrainedDir(name);
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    throw new Error(`pretrained model ${name} is missing from ${dir}; retrain it with: ${PRETRAINED[name].retrain} --out ${dir}`);
  }
  return loadModel(dir);
}
