/**
 * Where a worker thread's compiled entry lives. Worker threads run JavaScript: next to the calling
 * module when saplab runs from `dist/`, or in the compiled package's `dist/` when it runs from the
 * TypeScript sources (tests, notebooks in this repository).
 */
import * as fs from 'fs';
import * as path from 'path';

/**
 * The compiled worker `file` (e.g. `'cell_worker.js'`) of the `folder` of `dist/` (e.g.
 * `'reproduce'`), looked up next to `here` (the caller's `__dirname`) and then in the package's
 * `dist/`. Throws, naming both places and `hint` (what else the caller can do), when neither has it.
 */
export function compiledWorkerScript(here: string, folder: string, file: string, hint = 'pass workerScript'): string {
  const local = path.join(here, file);
  if (fs.existsSync(local)) return local;
  const built = path.resolve(here, '..', '..', 'dist', folder, file);
  if (fs.existsSync(built)) return built;
  throw new Error(`no compiled worker at ${local} or ${built}; run \`npm run build\` or ${hint}`);
}
