/** Compiles lib/parallel/batch_worker.ts for tests (the package ships it compiled in dist/). */
import * as path from 'path';
import { buildSync } from 'esbuild';

/** The worker entry bundled from the current sources, inside the repository so that it resolves node_modules. */
export function compileBatchWorker(): string {
  const root = path.resolve(__dirname, '..', '..');
  const outfile = path.join(root, 'node_modules', '.cache', 'saplab-test', `batch_worker_${process.pid}.js`);
  buildSync({ entryPoints: [path.join(root, 'lib', 'parallel', 'batch_worker.ts')], bundle: true, platform: 'node', format: 'cjs', outfile, external: ['@tensorflow/*'], logLevel: 'error' });
  return outfile;
}
