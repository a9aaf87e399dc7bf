/** Shared test helpers. */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'child_process';
import * as fs from 'fs';

/** Runs `fn` and asserts it leaves the number of live tensors unchanged. */
export async function expectNoLeak<T>(fn: () => T | Promise<T>, dispose?: (out: T) => void): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  dispose?.(out);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${after - before} tensors left behind (${before} -> ${after})`);
  return out;
}

/**
 * Whether a system component needed by a test is present. When it is absent the test is
 * skipped with a printed reason, unless SAPLAB_REQUIRE_SYSTEM=1 (set by .ci/run), where a
 * missing component is a failure.
 */
export function systemComponent(name: string, check: () => boolean): boolean {
  let ok = false;
  try {
    ok = check();
  } catch {
    ok = false;
  }
  if (!ok) {
    if (process.env.SAPLAB_REQUIRE_SYSTEM === '1') {
      throw new Error(`${name} is required (SAPLAB_REQUIRE_SYSTEM=1) but not available`);
    }
    process.stderr.write(`skipping tests that need ${name}: not available on this machine\n`);
  }
  return ok;
}

export function hasExecutable(file: string, args: string[] = ['--version']): boolean {
  if (!fs.existsSync(file)) return false;
  execFileSync(file, args, { stdio: 'ignore', timeout: 60_000 });
  return true;
}

/** Max absolute difference between two tensors. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/**
 * Slow end-to-end checks (long training runs, paper-scale protocols) run only with
 * SAPLAB_SLOW=1, so that CI stays short: `it.runIf(slow)(...)`.
 */
export const slow = process.env.SAPLAB_SLOW === '1';
