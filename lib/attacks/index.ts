/**
 * Attacks: one gradient loop (`pgd`, with `fgsm` as its one-step case), the EOT loss gradient
 * (`lossGradient`), Auto-PGD (`apgd`), the black-box Square Attack (`square`), and the
 * accuracy-versus-eps sweep (`robustAccuracy`) with attack factories (`attacks`, `makeAttack`).
 */
export * from './types';
export { attackLoss, isBroken, maxOtherLogit, pickLogit } from './losses';
export { lossGradient, GradientStatsAccumulator, type GradientOptions, type LossGradient } from './gradient';
export { eotGradientVariance, type EotGradientVarianceOptions, type EotGradientVarianceResult } from './gradient_variance';
export { averagedLogProbs, scoreInputs, keepWorstCase, worstCaseOfRestarts, type Scored, type Candidate } from './scores';
export { ascentDirection, projectToBall, randomInBall, l2Norms } from './lp_ball';
export { pgd, pgdWithStats, type PgdOptions, type AttackResult } from './pgd';
export { fgsm, fgsmWithStats, type FgsmOptions } from './fgsm';
export { apgd, apgdWithStats, apgdSchedule, apgdCheckpoints, APGD_MOMENTUM, type ApgdOptions } from './apgd';
export { square, squareWithStats, squarePSchedule, type SquareOptions, type SquareStats } from './square';
export { robustAccuracy, type RobustAccuracyOptions, type RobustAccuracyResult } from './robust_accuracy';
export { attacks, makeAttack, ATTACK_NAMES, type AttackName, type AttackOptionsByName, type Fixed } from './factory';
export { DEFAULT_BOUNDS } from './validate';
export { resolvePgdOptions, PGD_OPTION_KEYS, type ResolvedPgdOptions } from './pgd';
export { resolveFgsmOptions, FGSM_OPTION_KEYS, type ResolvedFgsmOptions } from './fgsm';
export { resolveApgdOptions, APGD_OPTION_KEYS, type ResolvedApgdOptions } from './apgd';
export { resolveSquareOptions, SQUARE_OPTION_KEYS, type ResolvedSquareOptions } from './square';
export { resolveAttackOptions, ATTACK_OPTION_KEYS, type ResolvedOptionsByName } from './options';
export { checkEpsList } from './validate';
