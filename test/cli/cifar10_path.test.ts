import { describe, expect, it, vi } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../lib/cli/main';
import { cifarArchive, writeCifarFolder } from '../data/generated';

async function cli(argv: string[]) {
  const err: string[] = [];
  const out: string[] = [];
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    return { code: await main(argv), err: err.join(''), out: out.join('') };
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
}

describe("the paper's CIFAR-10 path on generated CIFAR-format files", () => {
  it('train --dataset cifar10 --model resnet20 --epochs 1, then reproduce --quick on it; from the folder and from the .tar.gz', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar-path-'));
    writeCifarFolder(path.join(tmp, 'folder'), 40, 48);
    fs.mkdirSync(path.join(tmp, 'archive'));
    fs.writeFileSync(path.join(tmp, 'archive', 'cifar-10-binary.tar.gz'), cifarArchive(40, 48));
    const model = path.join(tmp, 'resnet20');
    const t = await cli(['train', '--dataset', 'cifar10', '--data', path.join(tmp, 'folder'), '--model', 'resnet20', '--epochs', '1', '--out', model]);
    expect(t.code, t.err).toBe(0);
    expect(t.err).toMatch(/recipe paper-cifar10 shortened to 1 epochs/);
    expect(t.err).toMatch(/on 200 cifar10 images/);
    expect(fs.existsSync(path.join(model, 'model.json'))).toBe(true);
    const out = path.join(tmp, 'run');
    const r = await cli(['reproduce', '--quick', '--n', '16', '--no-figures', '--model', model, '--dataset', 'cifar10', '--data', path.join(tmp, 'archive'), '--out', out]);
    expect(r.code, r.err).toBe(0);
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.dataset).toBe('cifar10');
    expect(run.sapSites.length).toBe(19); // ResNet-20: the stem's ReLU and two per residual unit
    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(summary).toMatch(/first 16 images of the CIFAR-10 test split/);
    expect(summary).toMatch(/after 19 layers \(stem_relu, s1b1_relu1/);
    const rows = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(rows.every((x: { model: string }) => x.model === 'resnet20')).toBe(true);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 900_000);

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
