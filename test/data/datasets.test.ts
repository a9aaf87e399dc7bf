import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DATASETS, isDatasetName, loadDataset } from 'saplab';

describe('loadDataset', () => {
  it('knows four data sets and loads the shipped Fashion-MNIST test split by default', async () => {
    expect(Object.keys(DATASETS)).toEqual(['fashion-mnist', 'mnist', 'cifar10', 'idx']);
    expect(isDatasetName('cifar10')).toBe(true);
    expect(isDatasetName('svhn')).toBe(false);
    const { x, y } = await loadDataset({ limit: 5 });
    expect(x.shape).toEqual([5, 28, 28, 1]);
    expect(y.shape).toEqual([5]);
    tf.dispose([x, y]);
    await expect(loadDataset({ dataset: 'svhn' as never })).rejects.toThrow(/unknown dataset "svhn"/);
  });
});
