import { describe, expect, it } from 'vitest';
import { Catch, episodeSeeds, deriveSeed } from 'saplab';
import { CatchBatch, catchStartColumn, checkCatchAction, renderCatch } from '../../lib/rl/catch';

/** Plays one episode of `game` with a fixed action sequence; returns rewards and dones. */
function play(game: Catch, actions: number[]) {
  const out = actions.map((a) => game.step(a));
  return { rewards: out.map((s) => s.reward), dones: out.map((s) => s.done) };
}

describe('Catch', () => {
  it('starts with the ball in the top row and the paddle in the middle of the bottom row, shape [10, 5, 1]', () => {
    const game = new Catch({ seed: 3 });
    expect(game.observationShape).toEqual([10, 5, 1]);
    const obs = game.reset();
    expect(obs.length).toBe(50);
    const s = game.state();
    expect(s.ballRow).toBe(0);
    expect(s.paddleColumn).toBe(2);
    expect(Array.from(obs).filter((v) => v === 1).length).toBe(2);
    expect(obs[s.ballColumn]).toBe(1);
    expect(obs[9 * 5 + 2]).toBe(1);
    expect(Array.from(obs).every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('lasts exactly 9 steps; +1 when the paddle ends under the ball, -1 otherwise, 0 before', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const game = new Catch({ seed });
      game.reset();
      const ball = game.state().ballColumn;
      // Walk the paddle to the ball, then stay: caught.
      const moves = ball - 2;
      const actions = Array.from({ length: 9 }, (_, t) => (t < Math.abs(moves) ? (moves > 0 ? 2 : 0) : 1));
      const { rewards, dones } = play(game, actions);
      expect(rewards.slice(0, 8)).toEqual(new Array(8).fill(0));
      expect(rewards[8]).toBe(1);
      expect(dones).toEqual([...new Array(8).fill(false), true]);
      expect(() => game.step(1)).toThrow(/episode is over/);
      // Second episode: end as far from the ball as possible: missed.
      game.reset();
      const b2 = game.state().ballColumn;
      const away = b2 >= 2 ? 0 : 2;
      expect(play(game, new Array(9).fill(away)).rewards[8]).toBe(-1);
    }
  });

  it('moves the paddle left, keeps it, moves it right, clipped to the board; the ball falls one row per step', () => {
    const game = new Catch({ seed: 1 });
    game.reset();
    game.step(0);
    expect(game.state().paddleColumn).toBe(1);
    game.step(0);
    game.step(0);
    expect(game.state().paddleColumn).toBe(0);
    game.step(1);
    expect(game.state().paddleColumn).toBe(0);
    game.step(2);
    expect(game.state()).toMatchObject({ paddleColumn: 1, ballRow: 5 });
    const obs = game.observation();
    expect(obs[5 * 5 + game.state().ballColumn]).toBe(1);
    expect(obs[9 * 5 + 1]).toBe(1);
  });

  it('renders a state: ones at the ball and paddle only, at an offset when asked', () => {
    const out = new Float32Array(100).fill(7);
    renderCatch({ ballRow: 3, ballColumn: 4, paddleColumn: 0 }, 10, 5, out, 50);
    expect(Array.from(out.subarray(0, 50)).every((v) => v === 7)).toBe(true);
    const board = Array.from(out.subarray(50));
    expect(board[3 * 5 + 4]).toBe(1);
    expect(board[45]).toBe(1);
    expect(board.reduce((a, b) => a + b, 0)).toBe(2);
    // The ball on the paddle's cell leaves a single 1.
    expect(Array.from(renderCatch({ ballRow: 9, ballColumn: 2, paddleColumn: 2 }, 10, 5)).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('rejects unknown actions with a clear error and bad boards', () => {
    const game = new Catch();
    game.reset();
    for (const a of [-1, 3, 1.5, NaN]) expect(() => game.step(a)).toThrow(/unknown action .*0 \(left\), 1 \(stay\) or 2 \(right\)/);
    expect(() => checkCatchAction('left' as never)).toThrow(/unknown action "left"/);
    expect(() => new Catch().step(1)).toThrow(/call reset/);
    expect(() => new Catch({ rows: 1 })).toThrow(/rows/);
    expect(() => new Catch({ columns: 0 })).toThrow(/columns/);
  });

  it('is deterministic per seed; different seeds give different episodes; start columns are uniform', () => {
    const starts = (seed: number) => {
      const g = new Catch({ seed });
      return Array.from({ length: 50 }, () => (g.reset(), g.state().ballColumn));
    };
    expect(starts(11)).toEqual(starts(11));
    expect(starts(11)).not.toEqual(starts(12));
    // 5000 episode starts: each column's count within 5 binomial SEs of n/5.
    const counts = new Array(5).fill(0);
    for (let k = 0; k < 5000; k++) counts[catchStartColumn(deriveSeed(9, 'episode', k))]++;
    const se = Math.sqrt(5000 * 0.2 * 0.8);
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(5 * se);
  });
});

describe('CatchBatch', () => {
  it('replays exactly the episodes of Catch with the same seeds, in lockstep', () => {
    const seeds = episodeSeeds(5, 8);
    const single = new Catch({ seed: 5 });
    expect(seeds).toEqual(Array.from({ length: 8 }, (_, k) => single.episodeSeed(k)));
    const batch = new CatchBatch();
    let obs = batch.reset(seeds);
    expect(obs.length).toBe(8 * 50);
    const games = seeds.map(() => single);
    const firsts = seeds.map(() => (single.reset(), single.state()));
    expect(batch.stateList()).toEqual(firsts);
    // Play the same action sequence in both forms: observations and rewards agree.
    const actions = [0, 2, 2, 1, 0, 1, 2, 0, 1];
    const rewardsBatch: number[][] = [];
    for (const a of actions) {
      const r = batch.step(new Array(8).fill(a));
      obs = r.observations;
      rewardsBatch.push(Array.from(r.rewards));
    }
    const replay = new Catch({ seed: 5 });
    for (let i = 0; i < 8; i++) {
      replay.reset();
      const { rewards } = play(replay, actions);
      expect(rewardsBatch.map((r) => r[i])).toEqual(rewards);
      expect(Array.from(obs.subarray(i * 50, (i + 1) * 50))).toEqual(Array.from(replay.observation()));
    }
    void games;
    expect(() => batch.step(new Array(8).fill(1))).toThrow(/over/);
  });

  it('validates actions and their count', () => {
    const batch = new CatchBatch();
    batch.reset([1, 2, 3]);
    expect(() => batch.step([1, 1])).toThrow(/expected 3 actions, got 2/);
    expect(() => batch.step([1, 5, 1])).toThrow(/unknown action 5/);
    expect(() => batch.reset([])).toThrow(/at least one/);
    expect(() => episodeSeeds(1, 0)).toThrow(/positive integer/);
  });
});
