/**
 * A toy attacker-versus-defender game in which every deterministic defense loses and a random
 * one does not — the game-theoretic idea behind Stochastic Activation Pruning (SAP).
 *
 * The story. A classifier can reach its answer through any one of `k` internal paths (think of
 * `k` groups of hidden units, or `k` sub-networks that are each accurate on their own). The
 * defender (row player) chooses which path the deployed network relies on for an input. The
 * attacker (column player) chooses which of `k` perturbation directions to use; direction `j`
 * breaks path `j` and only path `j`. So the prediction is wrong exactly when the attacker hits
 * the path in use:
 *
 * ```
 * A[i][j] = accuracyWhenHit     if i == j   (the attack targets the path the defender relies on)
 *           accuracyWhenMissed  otherwise
 * ```
 *
 * Rows = defender (maximiser), columns = attacker (minimiser); `A` is the defender's accuracy.
 *
 * - **Every deterministic defense loses.** If the defender always uses path `i`, a white-box
 *   attacker knows `i` and attacks direction `i`: worst-case accuracy `accuracyWhenHit` (0 by
 *   default). That is `maximin = accuracyWhenHit`, whichever path is chosen.
 * - **A mixed defense does not.** If the defender picks the path uniformly at random at every
 *   forward pass, whatever direction the attacker picks hits the path in use with probability
 *   `1/k` only: worst-case accuracy `accuracyWhenMissed - (accuracyWhenMissed - accuracyWhenHit) / k`,
 *   which is `(k - 1) / k` with the defaults (0.75 for `k = 4`). The uniform mix is the optimal
 *   defense and its worst case is the value of the game.
 *
 * SAP is such a mixed strategy: at every forward pass it keeps a random subset of activations
 * (larger ones more likely), so the attacker cannot know which units the prediction will flow
 * through, and an attack aimed at a fixed set of units can miss. Like this toy, it only helps while
 * the attacker cannot aim at the randomness itself: an attacker who averages over the defender's
 * random choices (EOT) plays against the mixed strategy, and then the value of the game — not
 * the deterministic worst case — is what the defender can hope for.
 */
import { MatrixGame } from './payoff';

/** Options of {@link attackerDefenderGame}. */
export interface AttackerDefenderOptions {
  /** Number of defensive configurations (paths) and of attack directions, an integer `>= 2`. Default 4. */
  k?: number;
  /** The defender's accuracy when the attack hits the path in use, in `[0, 1]`. Default 0. */
  accuracyWhenHit?: number;
  /** The defender's accuracy when the attack misses it, in `[accuracyWhenHit, 1]`. Default 1. */
  accuracyWhenMissed?: number;
}

function resolve(options: AttackerDefenderOptions, caller: string): Required<AttackerDefenderOptions> {
  const k = options.k ?? 4;
  const hit = options.accuracyWhenHit ?? 0;
  const missed = options.accuracyWhenMissed ?? 1;
  if (!Number.isInteger(k) || k < 2) throw new Error(`${caller}: k must be an integer >= 2, got ${k}`);
  if (typeof hit !== 'number' || !(hit >= 0 && hit <= 1)) {
    throw new Error(`${caller}: accuracyWhenHit must be in [0, 1], got ${hit}`);
  }
  if (typeof missed !== 'number' || !(missed >= hit && missed <= 1)) {
    throw new Error(`${caller}: accuracyWhenMissed must be in [accuracyWhenHit, 1] = [${hit}, 1], got ${missed}`);
  }
  return { k, accuracyWhenHit: hit, accuracyWhenMissed: missed };
}

/**
 * The `k x k` attacker–defender game of the module doc: the defender (rows) picks which of `k`
 * paths the network relies on, the attacker (columns) which of `k` directions to perturb, and
 * the payoff is the defender's accuracy, `accuracyWhenHit` on the diagonal and
 * `accuracyWhenMissed` elsewhere. Throws on bad options.
 */
export function attackerDefenderGame(options: AttackerDefenderOptions = {}): MatrixGame {
  const { k, accuracyWhenHit, accuracyWhenMissed } = resolve(options, 'attackerDefenderGame');
  const payoff: number[][] = [];
  for (let i = 0; i < k; i++) payoff.push(Array.from({ length: k }, (_, j) => (i === j ? accuracyWhenHit : accuracyWhenMissed)));
  return {
    name: `attacker-defender (k = ${k})`,
    payoff,
    rowLabels: Array.from({ length: k }, (_, i) => `defend: use path ${i + 1}`),
    colLabels: Array.from({ length: k }, (_, j) => `attack: path ${j + 1}`),
    description:
      `The defender relies on one of ${k} paths, the attacker perturbs one of ${k} directions, and the attack ` +
      'succeeds exactly when it targets the path in use. Every fixed path can be targeted; a random path is hit ' +
      `with probability 1/${k}.`,
  };
}

/**
 * The value of {@link attackerDefenderGame} in closed form: the worst-case accuracy of the uniform
 * defense, `accuracyWhenMissed - (accuracyWhenMissed - accuracyWhenHit) / k` (`(k - 1) / k` with
 * the defaults). Throws on bad options.
 */
export function attackerDefenderValue(options: AttackerDefenderOptions = {}): number {
  const { k, accuracyWhenHit, accuracyWhenMissed } = resolve(options, 'attackerDefenderValue');
  return accuracyWhenMissed - (accuracyWhenMissed - accuracyWhenHit) / k;
}
