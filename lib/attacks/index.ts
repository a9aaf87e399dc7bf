/**
 * Attacks: one gradient loop (`pgd`, with `fgsm` as its one-step case), the EOT loss gradient
 * (`lossGradient`), Auto-PGD (`apgd`), the black-box Square Attack (`square`), and the
 * accuracy-versus-eps sweep (`robustAccuracy`) with attack factories (`attacks`, `makeAttack`),
 * APGD-T (`apgdTargeted`) and the AutoAttack-style suite with per-image worst case (`autoAttack`).
 */
export * from './types';
export { attackLoss, isBroken, maxOtherLogit, pickLogit, sortedLogits } from './losses';
export { lossGradient, GradientStatsAccumulator, type GradientOptions, type LossGradient } from './gradient';
export { eotGradientVariance, type EotGradientVarianceOptions, type EotGradientVarianceResult } from './gradient_variance';
export { averagedLogProbs, averagedProbs, averagedCorrect, worstCaseKey, selectBool, scoreInputs, keepWorstCase, worstCaseCandidate, worstCaseOfRestarts, disposeCandidate, type Scored, type Candidate } from './scores';
export { ascentDirection, projectToBall, randomInBall, l2Norms } from './lp_ball';
export { pgd, pgdWithStats, type PgdOptions, type AttackResult } from './pgd';
export { fgsm, fgsmWithStats, type FgsmOptions } from './fgsm';
export { apgd, apgdWithStats, apgdSchedule, apgdCheckpoints, APGD_MOMENTUM, type ApgdOptions } from './apgd';
export { apgdTargeted, apgdTargetedWithStats, topOtherClasses, type ApgdTargetedOptions } from './apgd_targeted';
export { square, squareWithStats, squarePSchedule, type SquareOptions, type SquareStats } from './square';
export { autoAttack, resolveAutoAttack, suiteAttackLabel, AUTOATTACK_VERSIONS, SUITE_ATTACKS, type AutoAttackOptions, type AutoAttackResult, type ResolvedAutoAttack, type AutoAttackVersion, type SuiteAttackName, type SuiteAttackRow } from './suite';
export { robustAccuracy, type RobustAccuracyOptions, type RobustAccuracyResult } from './robust_accuracy';
export { attacks, makeAttack, ATTACK_NAMES, type AttackName, type AttackOptionsByName, type Fixed } from './factory';
export { DEFAULT_BOUNDS } from './validate';
export { resolvePgdOptions, PGD_OPTION_KEYS, type ResolvedPgdOptions } from './pgd';
export { resolveFgsmOptions, FGSM_OPTION_KEYS, type ResolvedFgsmOptions } from './fgsm';
export { resolveApgdOptions, APGD_OPTION_KEYS, type ResolvedApgdOptions } from './apgd';
export { resolveSquareOptions, SQUARE_OPTION_KEYS, type ResolvedSquareOptions } from './square';
export { resolveAttackOptions, ATTACK_OPTION_KEYS, type ResolvedOptionsByName } from './options';
export { checkEpsList } from './validate';
