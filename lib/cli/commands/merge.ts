/** `saplab merge`: the shard folders of one reproduce protocol combined into one run folder with its report. */
import * as fs from 'fs';
import * as path from 'path';
import { FlagSpec, parseFlags, usageFor, UsageError } from '../args';
import { announceBackend, backendFlag, checkBackendFlag, type Command } from '../command';
import { checkShards, mergeShards } from '../../reproduce/merge';
import { ConfigError } from '../../reproduce/spec';

const SUMMARY = 'Combines the shard folders of a reproduce run (--shard i/k) into one run folder: cells from the per-image results, then the report.';
const FLAGS: FlagSpec = {
  out: { type: 'string', help: 'the merged run folder (required)' },
  'no-figures': { type: 'boolean', help: 'skip figure export' },
  backend: backendFlag,
};

/** The `merge` command: `saplab merge --out DIR SHARD_DIR...` (every shard of one protocol, once each, in any order). */
export const mergeCommand: Command = {
  summary: SUMMARY,
  usage: () => `usage: saplab merge --out DIR SHARD_DIR...\n\n${SUMMARY}\n\nflags:\n${usageFor(FLAGS)}`,
  async run(argv) {
    const { flags: f, positional } = parseFlags(argv, FLAGS);
    checkBackendFlag(f);
    if (f.out === undefined) throw new UsageError('--out is required');
    const shards = positional.map((s) => path.resolve(s));
    const outDir = path.resolve(String(f.out));
    try {
      checkShards(shards);
      if (shards.includes(outDir)) throw new ConfigError(`--out ${outDir} is one of the shards; merge into a folder of its own`);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    // The cells' metrics are recomputed here: on the backend the shards ran on, they are the unsplit run's.
    await announceBackend(String(f.backend));
    try {
      const { cells } = await mergeShards({ shards, outDir, figures: !f['no-figures'] });
      process.stdout.write(`merged ${shards.length} shards: ${cells.length} cells -> ${outDir}\n`);
      process.stdout.write(fs.readFileSync(path.join(outDir, 'summary.md'), 'utf8').split('## Figures')[0]);
      return 0;
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
  },
};
