/** The subcommands of `saplab`. */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { FlagSpec, parseFlags, usageFor, UsageError } from './args';
import { initBackend } from '../backend';
import { loadFashionMnist } from '../data/fashion_mnist';
import { fashionCnn } from '../models/fashion_cnn';
import { trainClassifier } from '../models/train';
import { saveModel } from '../models/io';
import { loadPretrained } from '../models/pretrained';
import { evaluateAccuracy } from '../models/model';
import { DEFAULT_SEED } from '../seed';

export interface Command {
  summary: string;
  usage(): string;
  run(argv: string[]): Promise<number>;
}

function command(name: string, summary: string, spec: FlagSpec, run: (flags: Record<string, any>, positional: string[]) => Promise<number>): Command {
  return {
    summary,
    usage: () => `usage: saplab ${name} [flags]\n\n${summary}\n\nflags:\n${usageFor(spec)}`,
    run: async (argv) => {
      const { flags, positional } = parseFlags(argv, spec);
      if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
      return run(flags, positional);
    },
  };
}

const backendFlag = { type: 'string' as const, help: 'tensorflow-gpu | tensorflow | wasm | cpu | auto', default: 'auto' };

async function announceBackend(choice: string): Promise<void> {
  const info = await initBackend({ backend: choice as never });
  process.stderr.write(`backend: ${info.description}\n`);
}

export const COMMANDS: Record<string, Command> = {
  info: command('info', 'Print the active backend, versions and data locations.', { backend: backendFlag }, async (f) => {
    const info = await initBackend({ backend: f.backend });
    const lines = [`saplab backend: ${info.description}`, `tf.getBackend(): ${info.name}`];
    for (const s of info.skipped) lines.push(`skipped ${s.choice}: ${s.reason}`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  }),

  train: command(
    'train',
    'Train a model with a seeded loop and save it in TF.js layers format.',
    {
      dataset: { type: 'string', help: 'fashion-mnist', default: 'fashion-mnist' },
      epochs: { type: 'number', help: 'passes over the training set', default: 8 },
      'batch-size': { type: 'number', help: 'examples per step', default: 128 },
      lr: { type: 'number', help: 'Adam learning rate (halved every 3 epochs)', default: 1e-3 },
      seed: { type: 'number', help: 'seed of initialisation and shuffles', default: DEFAULT_SEED },
      limit: { type: 'number', help: 'use only the first N training images' },
      out: { type: 'string', help: 'output folder', default: 'models/fashion-cnn' },
      backend: backendFlag,
    },
    async (f) => {
      if (f.dataset !== 'fashion-mnist') throw new UsageError(`--dataset ${f.dataset} is not supported; use fashion-mnist`);
      await announceBackend(f.backend);
      const train = await loadFashionMnist({ split: 'train', limit: f.limit });
      const test = await loadFashionMnist({ split: 'test' });
      const model = fashionCnn({ seed: f.seed });
      process.stderr.write(`training ${model.name} (${model.countParams()} parameters) on ${train.x.shape[0]} images, seed ${f.seed}\n`);
      const log = await trainClassifier(model, train.x, train.y, {
        epochs: f.epochs,
        batchSize: f['batch-size'],
        lr: f.lr,
        seed: f.seed,
        validation: test,
      });
      const out = path.resolve(f.out);
      await saveModel(model, out);
      const acc = log[log.length - 1].valAccuracy!;
      process.stdout.write(`saved ${out}\ntest accuracy ${(acc * 100).toFixed(2)}% on ${test.x.shape[0]} images\n`);
      tf.dispose([train.x, train.y, test.x, test.y]);
      model.dispose();
      return 0;
    },
  ),

  reproduce: command(
    'reproduce',
    'The main job: evaluate the shipped CNN on the shipped Fashion-MNIST test split.',
    { n: { type: 'number', help: 'number of test images (max 10000)', default: 10000 }, backend: backendFlag },
    async (f) => COMMANDS.evaluate.run([`--n=${f.n}`, `--backend=${f.backend}`]),
  ),

  evaluate: command(
    'evaluate',
    'Evaluate the shipped pretrained CNN on the shipped Fashion-MNIST test split.',
    { n: { type: 'number', help: 'number of test images (max 10000)', default: 10000 }, backend: backendFlag },
    async (f) => {
      await announceBackend(f.backend);
      const model = await loadPretrained('fashion-cnn');
      const test = await loadFashionMnist({ split: 'test', limit: f.n });
      const t0 = Date.now();
      const acc = evaluateAccuracy(model, test.x, test.y);
      process.stdout.write(`fashion-cnn clean accuracy ${(acc * 100).toFixed(2)}% on ${test.x.shape[0]} test images (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
      tf.dispose([test.x, test.y]);
      model.dispose();
      return 0;
    },
  ),
};
