/**
 * saplab: Stochastic Activation Pruning (Dhillon et al., ICLR 2018, arXiv:1803.01442) in
 * TypeScript — the defense, the attacks that test it, calibration metrics and figures.
 *
 * This list is the public API: what a notebook or a user's code imports as `saplab`. Everything
 * else in `lib/` (worker protocols, cells and grid plumbing, CLI and bench internals, private
 * helpers) is internal and imported by its module path inside the package only.
 * `test/api_surface.test.ts` pins the list; `node scripts/api_surface.js` counts it.
 * One block a folder (the backend first, then the folders in the order of lib/README.md), one line
 * a module: a new module adds its line to its folder's block.
 */

// Seeds: one user seed turned into every seed saplab uses
export { DEFAULT_SEED, Rng, deriveSeed, permutation } from './seed';

// backend/: the fastest TF.js backend that works here, and saplab's wasm kernels
export { BACKEND_CHOICES, backendInfo, initBackend, type BackendChoice, type BackendInfo, type InitBackendOptions } from './backend/backend';
export { WASM_KERNEL_REPLACEMENTS, installWasmKernels, uninstallWasmKernels, wasmKernelsInstalled, type WasmKernelName } from './backend/wasm_kernels';

// data/: data sets as tensors, found, downloaded and checked
export { DataError } from './data/errors';
export { parseIdx, readIdxFile, type IdxArray } from './data/idx';
export { FASHION_MNIST_CLASSES, loadFashionMnist, type Dataset, type LoadFashionMnistOptions, type Split } from './data/fashion_mnist';
export { loadMnist, type LoadIdxOptions } from './data/mnist';
export { CIFAR10_CLASSES, loadCifar10, type LoadCifar10Options } from './data/cifar10';
export { loadCifar10Dataset, type LoadCifar10DatasetOptions } from './data/cifar10_source';
export { DATASETS, isDatasetName, loadDataset, type DatasetName, type LoadDatasetOptions } from './data/datasets';
export { randomCropFlip, type CropFlipOptions } from './data/augment';
export { addGaussianNoise } from './data/gaussian_noise';

// models/: architectures, training, save/load, and a user's TF.js model as a logits Model
export { asModel, evaluateAccuracy, mapBatches, predictLogits, type BatchOptions, type Model } from './models/model';
export { FASHION_CNN_PARAMS, fashionCnn, type FashionCnnOptions } from './models/fashion_cnn';
export { resnet20, type ResNet20Options } from './models/resnet20';
export { PIXEL_MLP_PARAMS, pixelMlp, trainPixelMlp, type PixelMlpOptions, type TrainPixelMlpOptions } from './models/pixel_mlp';
export { loadModel, saveModel } from './models/io';
export { ModelError, loadModelFrom } from './models/load_model';
export { PRETRAINED, loadPretrained, pretrainedDir, type PretrainedName } from './models/pretrained';
export { logitsModel, type LogitsModel, type OutputKind } from './models/logits';
export { withInputConventions, type InputConventions, type PixelRange } from './models/input_conventions';
export { trainClassifier, type EpochLog, type TrainOptions } from './models/train';
export { DEFAULT_RECIPE, TRAIN_RECIPES, buildArchitecture, type Architecture, type TrainRecipe } from './models/recipes';
export { ADVERSARIAL_METHODS, pgdAccuracy, trainAdversarial, type AdversarialMethod, type AdversarialTrainOptions, type AdversarialTrainResult } from './models/adversarial_training';

// defenses/: SAP, the paper's stochastic baselines, randomized smoothing, and the averaged softmax
export { drawCount, keepProbability, type SamplerOptions, type SapMode } from './defenses/sampler';
export { randomPrune, sap, sapKeepProbabilities, type SapGradient, type SapOptions, type SapSampler } from './defenses/sap';
export { SapLayer, sapLayer, type SapLayerArgs } from './defenses/sap_layer';
export { withSap, type SapModel, type WithSapOptions } from './defenses/with_sap';
export { predictBatchRange, predictProbs, type PredictBatchRangeOptions, type PredictProbsOptions } from './defenses/predict';
export { ActivationNoiseLayer, withActivationNoise, withDropout, type ActivationNoiseKind, type ActivationNoiseLayerArgs, type ActivationNoiseModel, type WithActivationNoiseOptions, type WithDropoutOptions } from './defenses/activation_noise';
export { withStochasticWeightPruning, withWeightNoise, withWeightPruning, type StochasticWeightPruningOptions, type WeightDefenseModel, type WeightGradient, type WeightNoiseOptions, type WeightPruningOptions } from './defenses/weight_perturbation';
export { calibrateStrength, heldOutAccuracy, type CalibrateOptions, type CalibrateResult } from './defenses/calibrate';
export { BASELINE_KINDS, BASELINE_PARAMETERS, calibrateBaseline, isBaselineKind, makeBaseline, type BaselineKind, type BaselineOptions, type CalibrateBaselineOptions } from './defenses/baselines';
export { sampleCounts, withGaussianSmoothing, type GaussianSmoothingOptions, type SampleCountsOptions, type SmoothedModel } from './defenses/smoothing';
export { ABSTAIN, certifiedAccuracy, certify, predictSmoothed, type CertifyOptions, type CertifyResult, type SmoothingSampleOptions } from './defenses/smoothing_certify';
export { certifiedVsEmpiricalCheck, type CertifiedVsEmpiricalInput } from './defenses/smoothing_check';

// attacks/: the EOT gradient, PGD and FGSM, APGD(-T), Square, the AutoAttack suite, SmoothAdv, accuracy against eps
export { ATTACK_LOSSES, ATTACK_NORMS, type Attack, type AttackLoss, type AttackNorm, type AttackOptions, type GradientAttackOptions, type GradientStats } from './attacks/types';
export { DEFAULT_BOUNDS } from './attacks/validate';
export { lossGradient, type EotAverage, type GradientOptions, type LossGradient } from './attacks/gradient';
export { eotGradientVariance, type EotGradientVarianceOptions, type EotGradientVarianceResult } from './attacks/gradient_variance';
export { pgd, pgdWithStats, type AttackResult, type PgdOptions, type ResolvedPgdOptions } from './attacks/pgd';
export { fgsm, fgsmWithStats, type FgsmOptions, type ResolvedFgsmOptions } from './attacks/fgsm';
export { apgd, apgdWithStats, type ApgdOptions, type ResolvedApgdOptions } from './attacks/apgd';
export { apgdTargeted, apgdTargetedWithStats, type ApgdTargetedOptions } from './attacks/apgd_targeted';
export { square, squareWithStats, type ResolvedSquareOptions, type SquareOptions, type SquareStats } from './attacks/square';
export { AUTOATTACK_VERSIONS, SUITE_ATTACKS, autoAttack, type AutoAttackOptions, type AutoAttackResult, type AutoAttackVersion, type SuiteAttackName, type SuiteAttackRow, type TransferCache, type TransferEntry } from './attacks/suite';
export { smoothAdv, type SmoothAdvOptions } from './attacks/smooth_adv';
export { robustAccuracy, type RobustAccuracyOptions, type RobustAccuracyResult } from './attacks/robust_accuracy';
export { ATTACK_NAMES, attacks, makeAttack, type AttackName, type AttackOptionsByName, type Fixed } from './attacks/factory';

// metrics/: accuracy with its interval, calibration, paired comparisons, exact binomial statistics
export type { LabelsInput, ProbsInput } from './metrics/inputs';
export { accuracy, wilsonInterval, type AccuracyOptions, type AccuracyResult, type CorrectInput, type WilsonInterval } from './metrics/accuracy';
export { calibration, type CalibrationBin, type CalibrationOptions, type CalibrationResult } from './metrics/calibration';
export { mcnemarExact, pairedMeanDifference, pairedProportionDifference, sampleSizeForPairedDifference, type McNemarResult, type PairedDifference, type PairedFlags, type PairedIntervalOptions, type PairedMeanDifference, type PairedMeanOptions, type PairedSampleSizeOptions } from './metrics/paired';
export { binomialTestTwoSided, clopperPearson, clopperPearsonLower, type ProportionInterval } from './metrics/binomial';
export { normalCdf, normalQuantile, zForConfidence } from './metrics/normal';

// reproduce/: the run entry points — `saplab reproduce`'s grid (configs, presets, shards and their merge, the checks) and `saplab evaluate`'s computation
export { ConfigError, MODEL_INPUT_DEFAULTS, type AttackSpec, type AttackSpecOptions, type DefenseSpec, type GridAttackMethod, type ModelInputConfig, type Preset, type ReproduceConfig, type ReproduceConfigInput } from './reproduce/spec';
export { DEFAULT_SUITE, PRESETS, buildConfig, checkAttacks, presetConfig, suiteAttacks, type PresetEntry } from './reproduce/presets';
export { budgetPoints, headlineSuite, headlineTable, strongestOfCell } from './reproduce/headline';
export { validateConfig } from './reproduce/validate';
export { attackEps, gridCost, gridPairs } from './reproduce/grid';
export { loadEvaluationInputs, describeConventions, type EvaluationInputs } from './reproduce/inputs';
export { runReproduce, type ReproduceOptions, type ReproduceResult } from './reproduce/run';
export { evaluateProbs, evaluationModels, loadJobInputs, startEvaluateWorkers, type EvaluateJob, type EvaluatedModel, type EvaluatePool, type EvaluateWorkersOptions } from './reproduce/evaluate';
export type { CellResult, SuiteCellRow } from './reproduce/cell';
export { parseShard, shardRange, type Shard } from './reproduce/shard';
export { checkShards, mergeShards, type MergeOptions } from './reproduce/merge';
export { cellCalibration } from './reproduce/cell_calibration';
export { comparisonRows, describeComparison, type ComparisonRow } from './reproduce/comparisons';
export { checksMarkdown, runChecks, type CheckEvidence, type CheckOptions, type CheckResult, type CheckStatus } from './reproduce/checks';

// report/: results tables, Plotly figures, export to HTML, SVG, PNG and PDF, display in notebooks
export type { ArrayInput, LabelsLike, ShapedArray } from './report/arrays';
export type { PlotlyAnnotation, PlotlyAxis, PlotlyFigure, PlotlyLayout, PlotlyTrace } from './report/figure';
export { DEFENSE_COLORS, OKABE_ITO, THEME, type ColorScale, type Theme } from './report/theme';
export { RESULT_COLUMNS, makeResultRow, readResults, resultsTable, resultsToCsv, resultsToJson, robustCells, writeResults, type ResultRow, type ResultRowFields, type ResultValue, type ScoredCell, type WriteResultsOptions, type WrittenResults } from './report/table';
export { accuracyVsEpsFigure, type AccuracyVsEpsOptions } from './report/accuracy_vs_eps';
export { pairedDifferencesFigure, type PairedDifferencePoint, type PairedDifferencesOptions } from './report/paired_differences';
export { budgetCurveFigure, type BudgetCurveOptions, type BudgetPoint } from './report/budget_curve';
export { certifiedAccuracyFigure, type CertifiedAccuracyFigureOptions, type RadiusCurve } from './report/certified_accuracy';
export { reliabilityFigure, type ReliabilityInput, type ReliabilityOptions } from './report/reliability';
export { adversarialGridFigure, type AdversarialGridInput, type AdversarialGridOptions } from './report/adversarial_grid';
export { keepProbabilityFigure, type KeepProbabilityOptions } from './report/keep_probability';
export { learningCurvesFigure, type LearningCurve, type LearningCurvesInput, type LearningCurvesOptions } from './report/learning_curves';
export { defenseBarsFigure, findCell, worstCell, type BarCell, type DefenseBarsOptions } from './report/defense_bars';
export { catchFramesFigure, type CatchEpisodeRow, type CatchFramesOptions } from './report/catch_frames';
export { figureDocument, figureHtml, type FigureDocumentOptions, type FigureHtmlOptions } from './report/html';
export { ChromiumNotFoundError, chromiumAvailable, closeBrowser, renderFigure, type RenderOptions } from './report/browser';
export { EXPORT_FORMATS, PAPER_WIDTHS, exportFigure, exportPaperFigure, paperFigure, pdfInfo, type ExportFormat, type ExportOptions, type PaperFigureOptions, type PaperSize, type PdfInfo } from './report/export';
export { show, showTable, type DisplaySink, type MimeBundle, type ShowOptions, type ShowResult, type ShowTableOptions, type TableOptions, type TableValue } from './report/show';

// rl/: the Catch game, DQN, SAP and attacks on the agent's observations, and the `rl evaluate` grid
export { CATCH_ACTIONS, CATCH_NUM_ACTIONS, Catch, episodeSeeds, type CatchOptions, type CatchState, type CatchStep } from './rl/catch';
export { qNetwork, type QNetworkOptions } from './rl/q_network';
export { DEFAULT_DQN, trainDqn, type CurvePoint, type DqnConfig, type TrainDqnOptions, type TrainDqnResult } from './rl/dqn';
export { greedyActions, qValues, type QValueOptions } from './rl/agent';
export { attackObservations } from './rl/observation_attack';
export { meanReturnInterval, playCatch, recordedEpisode, type PlayFrame, type PlayOptions, type PlayResult, type RecordedEpisode } from './rl/play';
export { RL_PRESETS, buildRlConfig, type RlAgentSpec, type RlAttackSpec, type RlEvaluateConfig, type RlPreset } from './rl/evaluate_config';
export { runRlEvaluate, type RlEvaluateOptions, type RlEvaluateResult } from './rl/evaluate_grid';
export type { RlCell } from './rl/evaluate_cell';
export { returnVsEpsFigure, rlCellFor, rlComparisons, type RlComparisonRow } from './rl/evaluate_report';

// game/: zero-sum matrix games — equilibria by linear programming, learning dynamics, the toy game a random defense wins
export { expectedPayoff, pureStrategy, uniformStrategy, type GamePlayer, type MatrixGame, type MixedStrategy, type PayoffMatrix } from './game/payoff';
export { bestResponse, exploitability, worstCaseLoss, worstCasePayoff, type BestResponse, type BestResponseOptions } from './game/best_response';
export { maximinPure, minimaxPure, pureSaddlePoint, type PureSecurity, type SaddlePoint } from './game/pure';
export { loadLpSolver, lpSolverVersion, solveZeroSum, type SolveZeroSumOptions, type ZeroSumSolution } from './game/solve_zero_sum';
export type { DynamicsOptions, GameTrace } from './game/trace';
export { fictitiousPlay, type FictitiousPlayOptions, type FictitiousPlayTrace } from './game/fictitious_play';
export { defaultEta, multiplicativeWeights, multiplicativeWeightsBound, type MultiplicativeWeightsBoundOptions, type MultiplicativeWeightsOptions, type MultiplicativeWeightsTrace, type MwuFeedback, type MwuInitial } from './game/multiplicative_weights';
export { matchingPennies, rockPaperScissors, saddlePointGame } from './game/examples';
export { attackerDefenderGame, attackerDefenderValue, type AttackerDefenderOptions } from './game/attacker_defender';

// parallel/: how many worker threads to start (the pool itself is internal; runs take `workers`)
export { workerCount, type WorkerCountOptions } from './parallel/worker_count';

// util/: progress display for long work
export { Progress, type ProgressCallback, type ProgressOptions } from './util/progress';
