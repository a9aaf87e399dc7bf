/**
 * One entry point for every data set the commands take (`--dataset NAME --data DIR`): the name,
 * what its images look like, and `loadDataset`, which dispatches to the reader and its lookup.
 */
import { loadFashionMnist, Dataset, Split } from './fashion_mnist';
import { loadMnist, loadIdxPair } from './mnist';
import { loadCifar10Dataset } from './cifar10_source';

/** Names accepted by `--dataset`. */
export type DatasetName = 'fashion-mnist' | 'mnist' | 'cifar10' | 'idx';

/** Every data set by name, with a one-line description. */
export const DATASETS: Record<DatasetName, { description: string }> = {
  'fashion-mnist': { description: 'Fashion-MNIST, 28x28 grey (test split shipped)' },
  mnist: { description: 'MNIST digits, 28x28 grey (IDX files)' },
  cifar10: { description: 'CIFAR-10, 32x32 colour (binary version: folder or cifar-10-binary.tar.gz)' },
  idx: { description: 'any IDX image/label pair in --data DIR (t10k-/test-/train- images and labels)' },
};

/** `true` for a known data set name. */
export function isDatasetName(name: unknown): name is DatasetName {
  return typeof name === 'string' && name in DATASETS;
}

/** Options of `loadDataset`. */
export interface LoadDatasetOptions {
  /** Which data set. Default `'fashion-mnist'`. */
  dataset?: DatasetName;
  /** Folder searched first (`--data`). */
  dir?: string;
  /** `'train'` or `'test'`. Default `'test'`. */
  split?: Split;
  /** Keep only the first `limit` examples. Default: all. */
  limit?: number;
  /** Download when no local copy exists (not for `idx`). Default `true`. */
  download?: boolean;
}

/** Loads a split of a data set as `{ x: [n,h,w,c] in [0,1], y: int32 [n] }`; the caller disposes it. */
export async function loadDataset(options: LoadDatasetOptions = {}): Promise<Dataset> {
  const dataset = options.dataset ?? 'fashion-mnist';
  const common = { split: options.split ?? 'test', limit: options.limit, dir: options.dir, download: options.download };
  switch (dataset) {
    case 'fashion-mnist':
      return loadFashionMnist(common);
    case 'mnist':
      return loadMnist(common);
    case 'cifar10':
      return loadCifar10Dataset(common);
    case 'idx':
      return loadIdxPair(common);
    default:
      throw new Error(`unknown dataset ${JSON.stringify(dataset)} (known: ${Object.keys(DATASETS).join(', ')})`);
  }
}
