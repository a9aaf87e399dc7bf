/** Compiles worker entries (lib/parallel/batch_worker.ts and stochastic_worker.ts, lib/reproduce/cell_worker.ts) for tests; the package ships them compiled in dist/. */
import * as path from 'path';
import { buildSync } from 'esbuild';

function compile(entry: string[], name: string): string {
  const root = path.resolve(__dirname, '..', '..');
  // Two levels below the root, like dist/<folder>/, so that paths relative to the module resolve.
  const outfile = path.join(root, 'test', '.workers', `${name}_${process.pid}.js`);
  buildSync({ entryPoints: [path.join(root, ...entry)], bundle: true, platform: 'node', format: 'cjs', outfile, packages: 'external', logLevel: 'error' });
  return outfile;
}

/** The batch worker entry bundled from the current sources, inside the repository so that it resolves node_modules. */
export function compileBatchWorker(): string {
  return compile(['lib', 'parallel', 'batch_worker.ts'], 'batch_worker');
}

/** The reproduce cell worker entry bundled from the current sources. */
export function compileCellWorker(): string {
  return compile(['lib', 'reproduce', 'cell_worker.ts'], 'cell_worker');
}

/** The `StochasticWorkers` worker entry bundled from the current sources. */
export function compileStochasticWorker(): string {
  return compile(['lib', 'parallel', 'stochastic_worker.ts'], 'stochastic_worker');
}
