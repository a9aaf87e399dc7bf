/** What a `saplab` subcommand is, and the pieces the subcommands share (flag parsing, `--backend`). */
import { FlagSpec, parseFlags, usageFor, UsageError } from './args';
import { initBackend, parseBackendChoice } from '../backend';
import { parseWorkers } from '../parallel/worker_count';

/** A `saplab` subcommand: its one-line summary, its usage text, and its run (resolving to the exit code). */
export interface Command {
  summary: string;
  usage(): string;
  run(argv: string[]): Promise<number>;
}

/**
 * A command with a strict flag spec and no positional arguments: `--help` text from the spec, unknown
 * flags and stray arguments are usage errors (exit 2).
 */
export function command(name: string, summary: string, spec: FlagSpec, run: (flags: Record<string, any>, positional: string[]) => Promise<number>): Command {
  return {
    summary,
    usage: () => `usage: saplab ${name} [flags]\n\n${summary}\n\nflags:\n${usageFor(spec)}`,
    run: async (argv) => {
      const { flags, positional } = parseFlags(argv, spec);
      if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
      checkBackendFlag(flags);
      return run(flags, positional);
    },
  };
}

/** The `--backend` flag shared by the commands that compute. */
export const backendFlag = { type: 'string' as const, help: 'tensorflow-gpu | tensorflow | wasm | cpu | auto', default: 'auto' };

/** Starts the chosen backend and names it on stderr. */
export async function announceBackend(choice: string): Promise<void> {
  const info = await initBackend({ backend: choice as never });
  process.stderr.write(`backend: ${info.description}\n`);
}

/** A `--backend` value that names no backend is a usage error (exit 2) before any work. */
export function checkBackendFlag(flags: Record<string, unknown>): void {
  if (flags.backend === undefined) return;
  try {
    parseBackendChoice(String(flags.backend), '--backend');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The `--workers` flag (a number or `auto`; undefined when left out); a bad value is a usage error (exit 2). */
export function workersFlag(value: unknown): number | 'auto' | undefined {
  try {
    return parseWorkers(value as string | undefined, '--workers');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
