/** `saplab train`: a seeded training run (optionally adversarial), saved in TF.js layers format. */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../args';
import { Command, announceBackend, backendFlag, command } from '../command';
import { DATASETS, isDatasetName, loadDataset } from '../../data/datasets';
import { Architecture, buildArchitecture, DEFAULT_RECIPE, TRAIN_RECIPES } from '../../models/recipes';
import { trainClassifier } from '../../models/train';
import { loadModel, saveModel } from '../../models/io';
import { DEFAULT_SEED } from '../../seed';
import { trainAdversarial } from '../../models/adversarial_training';
import { ADVERSARIAL_TRAIN_FLAGS, checkAdversarialFlags, splitHeldOut } from '../adversarial_flags';

/** The `train` command. */
export const trainCommand: Command = command(
  'train',
  'Train a model with a seeded loop and save it in TF.js layers format.',
  {
    dataset: { type: 'string', help: Object.keys(DATASETS).join(' | '), default: 'fashion-mnist' },
    data: { type: 'string', help: 'folder searched first for the data set (then $SAPLAB_DATA, data/, download)' },
    model: { type: 'string', help: 'architecture: fashion-cnn | resnet20', default: 'fashion-cnn' },
    recipe: { type: 'string', help: `training recipe: ${Object.keys(TRAIN_RECIPES).join(' | ')} (default: adam for fashion-cnn, paper-cifar10 for resnet20)` },
    epochs: { type: 'number', help: "passes over the training set (default: the recipe's)" },
    'batch-size': { type: 'number', help: "examples per step (default: the recipe's)" },
    lr: { type: 'number', help: 'learning rate of the adam recipe (halved every 3 epochs)' },
    'micro-batch': { type: 'number', help: "largest chunk whose gradient is computed at once; larger batches sum the chunks' gradients (default: the recipe's)" },
    seed: { type: 'number', help: 'seed of initialisation and shuffles', default: DEFAULT_SEED },
    limit: { type: 'number', help: 'use only the first N training images' },
    'noise-sigma': { type: 'number', help: 'Gaussian data augmentation: add N(0, S²) noise to every training input (for randomized smoothing, Cohen et al. 2019); default 0' },
    out: { type: 'string', help: 'output folder (default models/<model>)' },
    ...ADVERSARIAL_TRAIN_FLAGS,
    backend: backendFlag,
  },
  async (f) => {
    if (!isDatasetName(f.dataset)) throw new UsageError(`--dataset must be one of ${Object.keys(DATASETS).join(', ')}, got ${JSON.stringify(f.dataset)}`);
    if (f.model !== 'fashion-cnn' && f.model !== 'resnet20') throw new UsageError(`--model must be fashion-cnn or resnet20 (an architecture to train), got ${JSON.stringify(f.model)}`);
    const arch = f.model as Architecture;
    const recipeName = f.recipe ?? DEFAULT_RECIPE[arch];
    const recipe = TRAIN_RECIPES[recipeName];
    if (!recipe) throw new UsageError(`unknown --recipe ${JSON.stringify(recipeName)} (known: ${Object.keys(TRAIN_RECIPES).join(', ')})`);
    for (const k of ['epochs', 'batch-size', 'limit', 'micro-batch'] as const) if (f[k] !== undefined && !(Number.isInteger(f[k]) && f[k] >= 1)) throw new UsageError(`--${k} must be a positive integer`);
    if (f.lr !== undefined && (recipe.options.optimizer !== 'adam' || !(f.lr > 0))) throw new UsageError('--lr takes a positive number and applies to the adam recipe only');
    if (f.dataset === 'idx' && !f.data) throw new UsageError('--dataset idx needs --data DIR');
    const adversarial = checkAdversarialFlags(f);
    const noiseSigma = f['noise-sigma'];
    if (noiseSigma !== undefined && !(Number.isFinite(noiseSigma) && noiseSigma > 0)) throw new UsageError(`--noise-sigma must be a positive number, got ${noiseSigma}`);
    if (noiseSigma !== undefined && adversarial) throw new UsageError('--noise-sigma and --adversarial cannot be combined');
    await announceBackend(f.backend);
    const dir = f.data === undefined ? undefined : String(f.data);
    const train = await loadDataset({ dataset: f.dataset, dir, split: 'train', limit: f.limit });
    const test = await loadDataset({ dataset: f.dataset, dir, split: 'test' });
    const [, h, w, c] = train.x.shape;
    const classes = Math.max(10, tf.tidy(() => train.y.max().dataSync()[0]) + 1);
    let model: tf.LayersModel = buildArchitecture(arch, { seed: f.seed, inputShape: [h, w, c], classes });
    if (adversarial?.resume) {
      model.dispose();
      model = await loadModel(path.resolve(adversarial.resume));
    }
    const epochs = f.epochs ?? recipe.epochs;
    const outDir = path.resolve(f.out ?? path.join('models', arch));
    const common = { ...recipe.options, ...(f.lr !== undefined ? { lr: f.lr } : {}), ...(f['micro-batch'] !== undefined ? { microBatch: f['micro-batch'] } : {}), epochs, batchSize: f['batch-size'] ?? recipe.batchSize, seed: f.seed, validation: test, ...(noiseSigma !== undefined ? { noiseSigma } : {}) };
    const recipeNote = `recipe ${recipeName}${epochs !== recipe.epochs ? ` shortened to ${epochs} epochs` : ''}${noiseSigma !== undefined ? `, Gaussian noise sigma ${noiseSigma} on the inputs` : ''}`;
    let log;
    let kept: number | undefined;
    if (adversarial) {
      const { trainX, trainY, heldOut } = splitHeldOut(train, adversarial.holdout);
      process.stderr.write(`adversarial training (${adversarial.method}) of ${model.name} on ${trainX.shape[0]} ${f.dataset} images (${adversarial.holdout} held out), ${recipeNote}, seed ${f.seed}\n`);
      // Each epoch is saved as it finishes (out/epochs/N), so a long run can be stopped and used.
      const epochLog: unknown[] = [];
      const onEpoch = async (epoch: number, entry: unknown) => {
        epochLog.push(entry);
        await saveModel(model, path.join(outDir, 'epochs', String(epoch)));
        fs.writeFileSync(path.join(outDir, 'epochs', 'train-log.json'), JSON.stringify({ argv: process.argv.slice(2), epochs: epochLog }, null, 2) + '\n');
      };
      const r = await trainAdversarial(model, trainX, trainY, { ...common, ...adversarial.options, heldOut, onEpoch });
      log = r.log;
      kept = r.keptEpoch;
      tf.dispose([trainX, trainY]);
      if (heldOut) tf.dispose([heldOut.x, heldOut.y]);
    } else {
      process.stderr.write(`training ${model.name} (${model.countParams()} parameters) on ${train.x.shape[0]} ${f.dataset} images, ${recipeNote}, seed ${f.seed}\n`);
      // A noise-augmented run saves each epoch as it finishes (out/epochs/N), so it can be stopped and used.
      const onEpoch = noiseSigma === undefined ? undefined : async (epoch: number) => saveModel(model, path.join(outDir, 'epochs', String(epoch)));
      log = await trainClassifier(model, train.x, train.y, { ...common, onEpoch });
    }
    const out = outDir;
    await saveModel(model, out);
    const acc = (kept !== undefined ? log.find((e) => e.epoch === kept)! : log[log.length - 1]).valAccuracy!;
    if (adversarial) fs.writeFileSync(path.join(out, 'train-log.json'), JSON.stringify({ argv: process.argv.slice(2), keptEpoch: kept, epochs: log }, null, 2) + '\n');
    else if (noiseSigma !== undefined) fs.writeFileSync(path.join(out, 'train-log.json'), JSON.stringify({ argv: process.argv.slice(2), noiseSigma, epochs: log }, null, 2) + '\n');
    process.stdout.write(`saved ${out}${kept !== undefined ? ` (epoch ${kept})` : ''}\ntest accuracy ${(acc * 100).toFixed(2)}% on ${test.x.shape[0]} images\n`);
    tf.dispose([train.x, train.y, test.x, test.y]);
    model.dispose();
    return 0;
  },
);
