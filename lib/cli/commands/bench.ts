/** `saplab bench`: times the forward pass and input gradient (see `lib/bench/`), writes the JSON. */
import * as fs from 'fs';
import * as path from 'path';
import { Command, announceBackend, backendFlag, command } from '../command';
import { runBench } from '../../bench/bench';
import { formatBench } from '../../bench/format';

/** The `bench` command. */
export const benchCommand: Command = command(
  'bench',
  'Time the forward pass and the input gradient on the active backend (wasm: also with the stock kernels; PyTorch alongside when available).',
  {
    batch: { type: 'number', help: 'examples per workload run', default: 128 },
    repeats: { type: 'number', help: 'timed runs per workload (median reported)', default: 7 },
    warmup: { type: 'number', help: 'untimed runs before timing', default: 2 },
    json: { type: 'string', help: 'write the results as JSON to this file', default: 'results/bench.json' },
    'no-torch': { type: 'boolean', help: 'do not run the PyTorch comparison' },
    'no-stock': { type: 'boolean', help: 'do not time the stock wasm kernels' },
    workers: { type: 'number', help: 'wasm: also time the input gradient of --batch examples and SAP-100 prediction (256 images × 20 passes), in batches split over the main thread + N workers (0: skip)', default: 1 },
    'throughput-n': { type: 'number', help: 'images of the default-protocol throughput run, one thread and with worker threads (0: skip)', default: 16 },
    backend: backendFlag,
  },
  async (f) => {
    await announceBackend(f.backend);
    const result = await runBench({
      batch: f.batch,
      repeats: f.repeats,
      warmup: f.warmup,
      torch: !f['no-torch'],
      stock: !f['no-stock'],
      workerSplit: f.workers > 0 ? { workers: f.workers } : undefined,
      sapPredictSplit: f.workers > 0 ? { workers: f.workers } : undefined,
      throughput: f['throughput-n'] > 0 ? { n: f['throughput-n'] } : undefined,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(formatBench(result) + '\n');
    const out = path.resolve(f.json);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(`\nwrote ${out}\n`);
    return 0;
  },
);
