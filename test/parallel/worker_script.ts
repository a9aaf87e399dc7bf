/** Compiles worker entries (lib/reproduce/cell_worker.ts and evaluate_worker.ts, lib/bench/split_worker.ts) for tests; the package ships them compiled in dist/. */
import * as path from 'path';
import { buildSync } from 'esbuild';

function compile(entry: string[], name: string): string {
  const root = path.resolve(__dirname, '..', '..');
  // Two levels below the root, like dist/<folder>/, so that paths relative to the module resolve.
  const outfile = path.join(root, 'test', '.workers', `${name}_${process.pid}.js`);
  buildSync({ entryPoints: [path.join(root, ...entry)], bundle: true, platform: 'node', format: 'cjs', outfile, packages: 'external', logLevel: 'error' });
  return outfile;
}

/** The reproduce cell worker entry bundled from the current sources. */
export function compileCellWorker(): string {
  return compile(['lib', 'reproduce', 'cell_worker.ts'], 'cell_worker');
}

/** The `saplab evaluate` worker entry bundled from the current sources. */
export function compileEvaluateWorker(): string {
  return compile(['lib', 'reproduce', 'evaluate_worker.ts'], 'evaluate_worker');
}

/** The benchmark's thread-split worker entry bundled from the current sources. */
export function compileSplitWorker(): string {
  return compile(['lib', 'bench', 'split_worker.ts'], 'split_worker');
}
