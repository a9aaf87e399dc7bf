/**
 * Small textbook zero-sum games, with labelled actions.
 *
 * Rows = defender / row player (maximiser), columns = attacker / column player (minimiser);
 * each `payoff[i][j]` is the row player's payoff (see `payoff.ts`).
 */
import { MatrixGame } from './payoff';

/**
 * Matching pennies: both players show heads or tails; the row player wins 1 if the coins match,
 * the column player wins 1 if they differ. No saddle point (maximin -1, minimax 1); the unique
 * equilibrium is 50/50 for both, value 0.
 */
export function matchingPennies(): MatrixGame {
  return {
    name: 'matching pennies',
    payoff: [
      [1, -1],
      [-1, 1],
    ],
    rowLabels: ['heads', 'tails'],
    colLabels: ['heads', 'tails'],
    description: 'The row player wins 1 when the coins match and loses 1 when they differ.',
  };
}

/**
 * Rock–paper–scissors: win 1, lose -1, draw 0, for the row player. Symmetric, so the value is 0;
 * the unique equilibrium is uniform (1/3 each) for both. Any predictable player is beaten.
 */
export function rockPaperScissors(): MatrixGame {
  return {
    name: 'rock-paper-scissors',
    payoff: [
      [0, -1, 1],
      [1, 0, -1],
      [-1, 1, 0],
    ],
    rowLabels: ['rock', 'paper', 'scissors'],
    colLabels: ['rock', 'paper', 'scissors'],
    description: 'Rock beats scissors, scissors beat paper, paper beats rock: +1 win, -1 loss, 0 draw.',
  };
}

/**
 * A defense game **with** a pure saddle point, where deterministic play is optimal. Payoffs are
 * the defender's accuracy under each attack. The numbers are made up for illustration, not
 * measured: one defense (adversarial training) is the best reply to the strongest attack (PGD),
 * and PGD is the best attack against it. So `(adversarial training, PGD)` is a saddle point with
 * value 0.45: maximin = minimax = 0.45, and neither side gains anything by randomising.
 */
export function saddlePointGame(): MatrixGame {
  return {
    name: 'defense with a saddle point',
    payoff: [
      [0.92, 0.17, 0.02],
      [0.85, 0.6, 0.45],
      [0.88, 0.4, 0.3],
    ],
    rowLabels: ['undefended', 'adversarial training', 'input smoothing'],
    colLabels: ['no attack', 'FGSM', 'PGD'],
    description:
      'Illustrative accuracies of three defenses under three attacks. Adversarial training against PGD is a ' +
      'saddle point: the smallest entry of its row and the largest of its column.',
  };
}
