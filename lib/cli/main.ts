#!/usr/bin/env node
/**
 * The `saplab` command. Each subcommand lives in its own file under `commands/` and is listed in
 * `COMMANDS`; each parses its own flags strictly (unknown flags and bad values print the usage and
 * exit with code 2).
 */
import { UsageError } from './args';
import type { Command } from './command';
import { infoCommand } from './commands/info';
import { trainCommand } from './commands/train';
import { reproduceCommand } from './commands/reproduce';
import { mergeCommand } from './commands/merge';
import { notebooksCommand } from './commands/notebooks';
import { evaluateCommand } from './commands/evaluate';
import { benchCommand } from './commands/bench';
import { rlCommand } from './commands/rl';
import { DataError } from '../data/errors';
import { ModelError } from '../models/load_model';

/** The subcommands of `saplab`, in the order the usage lists them. */
export const COMMANDS: Record<string, Command> = {
  info: infoCommand,
  train: trainCommand,
  reproduce: reproduceCommand,
  merge: mergeCommand,
  notebooks: notebooksCommand,
  evaluate: evaluateCommand,
  bench: benchCommand,
  rl: rlCommand,
};

function mainUsage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`);
  return `usage: saplab <command> [flags]\n\ncommands:\n${lines.join('\n')}\n\nRun 'saplab <command> --help' for a command's flags.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainUsage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`saplab: unknown command ${JSON.stringify(name)}\n\n${mainUsage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage() + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`saplab ${name}: ${e.message}\n\n${cmd.usage()}\n`);
      return 2;
    }
    if (e instanceof DataError || e instanceof ModelError) {
      // Bad input (data that cannot be read, a model that does not fit): exit 2, no usage text.
      process.stderr.write(`saplab ${name}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`saplab ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.SAPLAB_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`${e?.stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
