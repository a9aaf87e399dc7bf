/**
 * saplab: Stochastic Activation Pruning (Dhillon et al., ICLR 2018, arXiv:1803.01442) in
 * TypeScript — the defense, the attacks that test it, calibration metrics and figures.
 * Everything public is exported from here.
 */
export * from './backend';
export * from './seed';
export * from './data/errors';
export * from './data/idx';
export * from './data/download';
export * from './data/fashion_mnist';
export * from './data/cifar10';
export * from './models/model';
export * from './models/fashion_cnn';
export * from './models/resnet20';
export * from './models/io';
export * from './models/pretrained';
export * from './models/train';
export * from './util/progress';
export * from './defenses';
