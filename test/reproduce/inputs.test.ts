import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { runCli as cli } from '../cli/run_cli';
import { loadEvaluationInputs, MODEL_INPUT_DEFAULTS, saveModel, loadFashionMnist, accuracy } from 'saplab';
import { modelLabel } from '../../lib/reproduce/inputs';
import { noReluModel, threeReluModel } from '../models/user_models';

describe('a user model through --model', () => {
  it('three ReLU spellings, [0, 255] inputs, softmax output: same accuracy as the model called directly, SAP at all three', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'user-model-'));
    const net = threeReluModel(11);
    await saveModel(net, path.join(tmp, 'mine'));
    const n = 300;
    const { x, y } = await loadFashionMnist({ split: 'test', limit: n });
    const direct = tf.tidy(() => net.predict(tf.mul(x, 255)) as tf.Tensor2D);
    const want = accuracy(direct, y).accuracy;

    const before = tf.memory().numTensors;
    const inputs = await loadEvaluationInputs({ ...MODEL_INPUT_DEFAULTS, model: path.join(tmp, 'mine'), inputRange: [0, 255], n }, { needsRelu: true });
    expect(inputs.sites).toEqual(['conv1', 'relu2', 'act1']);
    expect(inputs.logits).toEqual({ outputs: 'probs', method: 'softmax-removed' });
    expect(inputs.modelLabel).toBe('mine');
    const viaSaplab = tf.tidy(() => tf.softmax(inputs.wrap(inputs.net)(inputs.data.x)));
    expect(accuracy(viaSaplab, inputs.data.y).accuracy).toBe(want);
    tf.dispose([viaSaplab]);
    inputs.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const r = await cli(['evaluate', '--model', path.join(tmp, 'mine'), '--input-range', '0-255', '--n', String(n), '--sap', '1', '--samples', '2']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`| dense | ${(want * 100).toFixed(2)}%`);
    expect(r.out).toMatch(/SAP sites: conv1, relu2, act1/);
    expect(r.err).toMatch(/final softmax is removed/);
    tf.dispose([x, y, direct]);
    net.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  it('bad inputs exit with 2, name the problem and write nothing', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'user-model-bad-'));
    await saveModel(noReluModel(), path.join(tmp, 'norelu'));
    await saveModel(threeReluModel(1, [32, 32, 3]), path.join(tmp, 'cifar-shaped'));
    // A model whose output is NaN: a dense layer with NaN weights.
    const nanNet = threeReluModel(2);
    const last = nanNet.getLayer('out');
    last.setWeights(last.getWeights().map((w) => tf.fill(w.shape, Number.NaN)));
    await saveModel(nanNet, path.join(tmp, 'nan'));
    const cases: [string[], RegExp][] = [
      [['--model', path.join(tmp, 'norelu')], /has no ReLU/],
      [['--model', path.join(tmp, 'cifar-shaped')], /input shape mismatch: model .* takes \[32, 32, 3\] but the fashion-mnist images are \[28, 28, 1\]/],
      [['--model', path.join(tmp, 'absent')], /cannot load model from .*absent/],
      [['--model', path.join(tmp, 'nan')], /non-finite outputs/],
      [['--outputs', 'maybe'], /--outputs must be logits, probs or auto/],
      [['--dataset', 'imagenet'], /--dataset must be one of/],
      [['--dataset', 'cifar10'], /give your own model \(--model\) for dataset cifar10/],
      [['--input-range', '0-2'], /--input-range must be 0-1 or 0-255/],
      [['--mean', '1,2,3'], /mean has 3 values but the images have 1 channels/],
    ];
    for (const [flags, msg] of cases) {
      const out = path.join(tmp, 'out');
      const r = await cli(['reproduce', '--quick', '--n', '8', '--out', out, ...flags]);
      expect(r.code, `${flags.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err, flags.join(' ')).toMatch(msg);
      expect(fs.existsSync(out), flags.join(' ')).toBe(false);
    }
    const ev = await cli(['evaluate', '--model', path.join(tmp, 'norelu'), '--sap', '1', '--n', '8']);
    expect(ev.code).toBe(2);
    expect(ev.err).toMatch(/has no ReLU/);
    // Without SAP a model without ReLU is fine to evaluate.
    expect((await cli(['evaluate', '--model', path.join(tmp, 'norelu'), '--n', '8'])).code).toBe(0);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  it('labels models by their folder', () => {
    expect(modelLabel('fashion-cnn')).toBe('fashion-cnn');
    expect(modelLabel('/a/b/my-net/')).toBe('my-net');
    expect(modelLabel('/a/b/my-net/model.json')).toBe('my-net');
    expect(modelLabel('https://host/x/net2/model.json?v=1')).toBe('net2');
  });
});
