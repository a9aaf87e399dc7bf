/**
 * Zero-sum matrix games: adversarial defense as a game between a defender (rows, maximiser) and
 * an attacker (columns, minimiser); pure strategies and saddle points, exact mixed equilibria by
 * linear programming, learning dynamics that converge to them, and a toy game in which every
 * deterministic defense loses while a random one (like SAP) does not.
 */
export { expectedPayoff, pureStrategy, uniformStrategy } from './payoff';
export type { GamePlayer, MatrixGame, MixedStrategy, PayoffMatrix } from './payoff';
export { bestResponse, exploitability, worstCaseLoss, worstCasePayoff } from './best_response';
export type { BestResponse, BestResponseOptions } from './best_response';
export { maximinPure, minimaxPure, pureSaddlePoint } from './pure';
export type { PureSecurity, SaddlePoint } from './pure';
export { loadLpSolver, lpSolverVersion, solveZeroSum } from './solve_zero_sum';
export type { SolveZeroSumOptions, ZeroSumSolution } from './solve_zero_sum';
export type { DynamicsOptions, GameTrace } from './trace';
export { fictitiousPlay } from './fictitious_play';
export type { FictitiousPlayOptions, FictitiousPlayTrace } from './fictitious_play';
export { defaultEta, multiplicativeWeights, multiplicativeWeightsBound } from './multiplicative_weights';
export type {
  MultiplicativeWeightsBoundOptions,
  MultiplicativeWeightsOptions,
  MultiplicativeWeightsTrace,
  MwuFeedback,
  MwuInitial,
} from './multiplicative_weights';
export { matchingPennies, rockPaperScissors, saddlePointGame } from './examples';
export { attackerDefenderGame, attackerDefenderValue } from './attacker_defender';
export type { AttackerDefenderOptions } from './attacker_defender';
