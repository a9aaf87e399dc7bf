import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as cli } from './run_cli';
import { cifarArchive, writeCifarFolder } from '../data/generated';
import { slow } from '../helpers';

describe("the paper's CIFAR-10 path on generated CIFAR-format files", () => {
  // CI runs dense and SAP-100 under the paper's FGSM on 8 images (about a minute on 2 cores); SAPLAB_SLOW=1 runs the whole
  // --quick protocol on 16 images (about 10 minutes on a loaded 2-core machine).
  async function trainThenReproduce(whole: boolean): Promise<void> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar-path-'));
    writeCifarFolder(path.join(tmp, 'folder'), 20, 24);
    fs.mkdirSync(path.join(tmp, 'archive'));
    fs.writeFileSync(path.join(tmp, 'archive', 'cifar-10-binary.tar.gz'), cifarArchive(20, 24));
    const model = path.join(tmp, 'resnet20');
    const t = await cli(['train', '--dataset', 'cifar10', '--data', path.join(tmp, 'folder'), '--model', 'resnet20', '--epochs', '1', '--out', model]);
    expect(t.code, t.err).toBe(0);
    expect(t.err).toMatch(/recipe paper-cifar10 shortened to 1 epochs/);
    expect(t.err).toMatch(/on 100 cifar10 images/);
    expect(t.out).toMatch(/test accuracy [\d.]+% on 24 images/);
    expect(fs.existsSync(path.join(model, 'model.json'))).toBe(true);
    const out = path.join(tmp, 'run');
    const small = path.join(tmp, 'small.json');
    fs.writeFileSync(
      small,
      JSON.stringify({
        predictSamples: 2,
        defenses: [
          { name: 'dense', kind: 'dense' },
          { name: 'SAP-100', kind: 'sap', sampleFraction: 1 },
        ],
        attacks: [
          { name: 'FGSM-MC', method: 'fgsm', eotSamples: 2 },
        ],
        eps: [0, 8 / 255],
      }),
    );
    const n = whole ? 16 : 8;
    const r = await cli(['reproduce', '--quick', '--n', String(n), '--no-figures', ...(whole ? [] : ['--config', small]), '--model', model, '--dataset', 'cifar10', '--data', path.join(tmp, 'archive'), '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/estimated time on this machine/);
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.dataset).toBe('cifar10');
    expect(run.sapSites.length).toBe(19); // ResNet-20: the stem's ReLU and two per residual unit
    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(summary).toContain(`first ${n} images of the CIFAR-10 test split`);
    expect(summary).toMatch(/after 19 layers \(stem_relu, s1b1_relu1/);
    const rows = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((x: { model: string }) => x.model === 'resnet20')).toBe(true);
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const title = 'train --dataset cifar10 --model resnet20 --epochs 1, then reproduce --quick on it';
  it(`${title} (a small grid)`, () => trainThenReproduce(false), 1_800_000);
  // Skipped (reported as skipped) unless SAPLAB_SLOW=1.
  it.runIf(slow)(`${title} (the whole --quick protocol; SAPLAB_SLOW=1 only)`, () => trainThenReproduce(true), 1_800_000);

  it('a truncated batch file exits 2, names the file and writes nothing', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar-bad-'));
    const folder = writeCifarFolder(tmp, 4, 8);
    const f = path.join(folder, 'test_batch.bin');
    fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 3073 * 5 + 17));
    fs.mkdirSync(path.join(tmp, 'm'));
    fs.writeFileSync(path.join(tmp, 'm', 'model.json'), '{}');
    const out = path.join(tmp, 'run');
    const r = await cli(['evaluate', '--dataset', 'cifar10', '--data', folder, '--model', 'fashion-cnn']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/give your own model/);
    const t = await cli(['train', '--dataset', 'cifar10', '--data', folder, '--model', 'resnet20', '--epochs', '1', '--out', path.join(tmp, 'x')]);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/test_batch\.bin: size 15382 is not a whole number of 3073-byte CIFAR-10 records \(truncated\?\)/);
    expect(fs.existsSync(path.join(tmp, 'x'))).toBe(false);
    fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 3073 * 5 + 17));
    const p = await cli(['reproduce', '--quick', '--n', '4', '--model', path.join(tmp, 'm'), '--dataset', 'cifar10', '--data', folder, '--out', out]);
    expect(p.code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 120_000);
});
