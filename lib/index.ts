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
export * from './models/adversarial_training';
export * from './util/progress';
export * from './defenses';
export * from './metrics/accuracy';
export * from './metrics/calibration';
export * from './metrics/normal';
export * from './metrics/paired';
export * from './report/figure';
export * from './report/theme';
export * from './report/table';
export * from './attacks';
export * from './game';
export * from './report/accuracy_vs_eps';
export * from './report/paired_differences';
export * from './report/reliability';
export * from './report/adversarial_grid';
export * from './report/keep_probability';
export * from './report/learning_curves';
export * from './report/html';
export * from './report/browser';
export * from './report/export';
export * from './report/show';
export * from './parallel/batch_workers';
export * from './parallel/worker_count';
export { runBench, formatBench, timeRuns, meanCrossEntropyInputGradient, WORKLOADS } from './bench/bench';
export { measureThroughput } from './bench/throughput';
export type { ThroughputOptions, ThroughputReport, ThroughputRun } from './bench/throughput';
export type { BenchOptions, BenchResult, BenchRow, BenchContext, WorkloadSpec, Timing, TorchReport, WorkerSplitReport } from './bench/bench';
export * from './reproduce/config';
export * from './reproduce/run';
export * from './reproduce/cell_calibration';
export * from './reproduce/comparisons';
export * from './reproduce/checks';
export * from './reproduce/claims';
export * from './rl';
export * from './report/catch_frames';
