/** `saplab notebooks`: runs the tutorial notebooks headless (see `../notebooks.ts`) or checks they are clean. */
import { Command, command } from '../command';
import { listNotebooks, notebookDirtiness, runNotebooks } from '../notebooks';

/** The `notebooks` command. */
export const notebooksCommand: Command = command(
  'notebooks',
  'Execute the tutorial notebooks headless on the tslab kernel and write HTML copies.',
  {
    quick: { type: 'boolean', help: 'small, fast runs (sets QUICK=1 for the notebooks)' },
    out: { type: 'string', help: 'output folder for executed notebooks and HTML', default: 'results/notebooks' },
    only: { type: 'string', help: 'comma-separated notebook file names to run' },
    'check-clean': { type: 'boolean', help: 'only check that committed notebooks carry no outputs or execution counts' },
  },
  async (f) => {
    const dirty = listNotebooks().flatMap((nb) => notebookDirtiness(nb).map((p) => `${nb}: ${p}`));
    if (dirty.length) {
      process.stderr.write(`notebooks must be committed without outputs:\n${dirty.join('\n')}\n`);
      return 1;
    }
    if (f['check-clean']) {
      process.stdout.write(`${listNotebooks().length} notebooks, none carries outputs\n`);
      return 0;
    }
    const env: Record<string, string> = {};
    if (f.quick) env.QUICK = '1';
    const results = runNotebooks({ outDir: f.out, env, notebooks: f.only ? String(f.only).split(',') : undefined });
    for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.notebook} ${r.seconds.toFixed(1)} s${r.html ? ` ${r.html}` : ''}\n`);
    return results.every((r) => r.ok) ? 0 : 1;
  },
);
