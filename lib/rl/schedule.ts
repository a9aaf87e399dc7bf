/**
 * The ε-greedy exploration schedule of DQN, as in cleanrl's `dqn.py`: ε falls linearly from
 * `start` to `end` over the first `duration` steps and stays at `end` afterwards.
 */

interface LinearScheduleOptions {
  /** Value at step 0. */
  start: number;
  /** Value from step `duration` on. */
  end: number;
  /** Steps over which the value moves from `start` to `end` (> 0). */
  duration: number;
}

/** `start + (end − start) · min(1, step / duration)`. */
export function linearSchedule(step: number, options: LinearScheduleOptions): number {
  const { start, end, duration } = options;
  if (!(duration > 0)) throw new Error(`linearSchedule: duration must be positive, got ${duration}`);
  if (!(step >= 0)) throw new Error(`linearSchedule: step must be >= 0, got ${step}`);
  return start + (end - start) * Math.min(1, step / duration);
}
