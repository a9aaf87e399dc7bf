/**
 * Catch, the small pixel game of DeepMind's bsuite (Osband et al., "Behaviour Suite for
 * Reinforcement Learning", ICLR 2020, `bsuite/environments/catch.py`), as a laptop-scale stand-in
 * for the Atari games on which the SAP paper attacks DQN agents.
 *
 * Rules. A board of `rows × columns` cells (default 10 × 5). At reset a ball appears in the top row
 * in a uniformly random column and the paddle sits in the middle of the bottom row
 * (`floor(columns / 2)`). Each step the agent moves the paddle left (action 0), keeps it (1) or moves
 * it right (2), clipped to the board, and then the ball falls one row. When the ball reaches the
 * bottom row the episode ends with reward +1 if the paddle is under it and −1 otherwise; every
 * other step gives 0. An episode therefore lasts exactly `rows − 1` steps.
 *
 * Observation: the board as a float32 image `[rows, columns, 1]` in {0, 1}: 1 at the ball and at the
 * paddle, 0 elsewhere (one frame is enough: the ball only falls straight down).
 *
 * Seeding: the only random choice is the ball's start column. Episode `k` of `new Catch({ seed })`
 * starts from `catchStartColumn(deriveSeed(seed, 'episode', k), columns)`, so the same seed gives the
 * same sequence of episodes, and `CatchBatch` can replay exactly those episodes side by side.
 */
import { DEFAULT_SEED, deriveSeed, Rng } from '../seed';

/** The three actions: move left, stay, move right. */
export const CATCH_ACTIONS = ['left', 'stay', 'right'] as const;
/** Number of actions. */
export const CATCH_NUM_ACTIONS = 3;

/** Options of the Catch environment. */
export interface CatchOptions {
  /** Board height (the ball falls `rows − 1` steps). Default 10, as in bsuite. */
  rows?: number;
  /** Board width. Default 5, as in bsuite. */
  columns?: number;
  /** Seed of the episodes' start columns. Default `DEFAULT_SEED`. */
  seed?: number;
}

/** What `step` returns. */
export interface CatchStep {
  /** The next observation, `[rows, columns, 1]` flattened (row-major). */
  observation: Float32Array;
  /** +1 (caught) or −1 (missed) on the last step, 0 before. */
  reward: number;
  /** `true` on the last step of the episode. */
  done: boolean;
}

/** The full state of one game. */
export interface CatchState {
  ballRow: number;
  ballColumn: number;
  paddleColumn: number;
}

function checkBoard(rows: number, columns: number): void {
  if (!Number.isInteger(rows) || rows < 2) throw new Error(`Catch: rows must be an integer >= 2, got ${rows}`);
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`Catch: columns must be a positive integer, got ${columns}`);
}

/** Throws a clear error for anything but 0, 1 or 2. */
export function checkCatchAction(action: number): void {
  if (!Number.isInteger(action) || action < 0 || action >= CATCH_NUM_ACTIONS) {
    throw new Error(`Catch: unknown action ${JSON.stringify(action)}; use 0 (left), 1 (stay) or 2 (right)`);
  }
}

/** The ball's start column of the episode with this seed. */
export function catchStartColumn(episodeSeed: number, columns = 5): number {
  return new Rng(episodeSeed).int(columns);
}

/** Draws a state into `out` (length `rows * columns`) at `offset`: 1 at the ball and the paddle. */
export function renderCatch(state: CatchState, rows: number, columns: number, out = new Float32Array(rows * columns), offset = 0): Float32Array {
  out.fill(0, offset, offset + rows * columns);
  out[offset + state.ballRow * columns + state.ballColumn] = 1;
  out[offset + (rows - 1) * columns + state.paddleColumn] = 1;
  return out;
}

/** One game of Catch with `reset()` / `step(action)`. */
export class Catch {
  readonly rows: number;
  readonly columns: number;
  /** Shape of an observation: `[rows, columns, 1]`. */
  readonly observationShape: [number, number, number];
  readonly numActions = CATCH_NUM_ACTIONS;
  private readonly seed: number;
  private episode = -1;
  private current: CatchState | undefined;
  private done = true;

  constructor(options: CatchOptions = {}) {
    this.rows = options.rows ?? 10;
    this.columns = options.columns ?? 5;
    checkBoard(this.rows, this.columns);
    this.seed = options.seed ?? DEFAULT_SEED;
    this.observationShape = [this.rows, this.columns, 1];
  }

  /** The seed of episode `k` (what `CatchBatch.reset` takes to replay it). */
  episodeSeed(k: number): number {
    return deriveSeed(this.seed, 'episode', k);
  }

  /** Starts the next episode and returns its first observation. */
  reset(): Float32Array {
    this.episode += 1;
    this.current = { ballRow: 0, ballColumn: catchStartColumn(this.episodeSeed(this.episode), this.columns), paddleColumn: Math.floor(this.columns / 2) };
    this.done = false;
    return this.observation();
  }

  /** Moves the paddle (0 left, 1 stay, 2 right), lets the ball fall one row. */
  step(action: number): CatchStep {
    checkCatchAction(action);
    if (this.done || !this.current) throw new Error('Catch: the episode is over (or not started); call reset()');
    const s = this.current;
    s.paddleColumn = Math.min(this.columns - 1, Math.max(0, s.paddleColumn + action - 1));
    s.ballRow += 1;
    let reward = 0;
    if (s.ballRow === this.rows - 1) {
      reward = s.ballColumn === s.paddleColumn ? 1 : -1;
      this.done = true;
    }
    return { observation: this.observation(), reward, done: this.done };
  }

  /** A copy of the current state. */
  state(): CatchState {
    if (!this.current) throw new Error('Catch: call reset() first');
    return { ...this.current };
  }

  /** The current observation, `[rows, columns, 1]` flattened. */
  observation(): Float32Array {
    return renderCatch(this.state(), this.rows, this.columns);
  }
}

/**
 * `n` games of Catch stepped in lockstep, for fast evaluation over many episodes: observations of
 * all games in one `Float32Array` `[n, rows, columns, 1]`, one action per game per step. Since every
 * episode lasts `rows − 1` steps, all games end together.
 */
export class CatchBatch {
  readonly rows: number;
  readonly columns: number;
  readonly observationShape: [number, number, number];
  readonly numActions = CATCH_NUM_ACTIONS;
  private states: CatchState[] = [];
  private finished = true;

  constructor(options: Omit<CatchOptions, 'seed'> = {}) {
    this.rows = options.rows ?? 10;
    this.columns = options.columns ?? 5;
    checkBoard(this.rows, this.columns);
    this.observationShape = [this.rows, this.columns, 1];
  }

  /** Starts one episode per seed (see `Catch.episodeSeed`); returns the observations `[n, rows, columns, 1]`. */
  reset(episodeSeeds: ArrayLike<number>): Float32Array {
    if (episodeSeeds.length < 1) throw new Error('CatchBatch: reset needs at least one episode seed');
    this.states = Array.from(episodeSeeds, (seed) => ({ ballRow: 0, ballColumn: catchStartColumn(seed, this.columns), paddleColumn: Math.floor(this.columns / 2) }));
    this.finished = false;
    return this.observations();
  }

  /** One step of every game; `rewards[i]` is game i's reward, `done` is shared. */
  step(actions: ArrayLike<number>): { observations: Float32Array; rewards: Float32Array; done: boolean } {
    if (this.finished) throw new Error('CatchBatch: the episodes are over (or not started); call reset()');
    if (actions.length !== this.states.length) throw new Error(`CatchBatch: expected ${this.states.length} actions, got ${actions.length}`);
    const rewards = new Float32Array(this.states.length);
    this.states.forEach((s, i) => {
      const a = actions[i];
      checkCatchAction(a);
      s.paddleColumn = Math.min(this.columns - 1, Math.max(0, s.paddleColumn + a - 1));
      s.ballRow += 1;
      if (s.ballRow === this.rows - 1) rewards[i] = s.ballColumn === s.paddleColumn ? 1 : -1;
    });
    this.finished = this.states[0].ballRow === this.rows - 1;
    return { observations: this.observations(), rewards, done: this.finished };
  }

  /** Copies of the games' states. */
  stateList(): CatchState[] {
    return this.states.map((s) => ({ ...s }));
  }

  /** The observations of all games, `[n, rows, columns, 1]` flattened. */
  observations(): Float32Array {
    const size = this.rows * this.columns;
    const out = new Float32Array(this.states.length * size);
    this.states.forEach((s, i) => renderCatch(s, this.rows, this.columns, out, i * size));
    return out;
  }
}

/** Seeds of `episodes` evaluation episodes derived from one user seed (shared by every agent, so comparisons are paired). */
export function episodeSeeds(seed: number, episodes: number, label = 'episode'): number[] {
  if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`episodes must be a positive integer, got ${episodes}`);
  return Array.from({ length: episodes }, (_, k) => deriveSeed(seed, label, k));
}
