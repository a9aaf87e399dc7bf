import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as run } from '../run_cli';

// The adversarial flags of `train` are tested in test/cli/adversarial_flags.test.ts.
describe('saplab train', () => {
  it('bad values exit with 2, name the flag, and write nothing', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-train-')), 'm');
    for (const [argv, msg] of [
      [['--dataset', 'imagenet'], /--dataset must be one of/],
      [['--model', 'vgg'], /--model must be fashion-cnn or resnet20/],
      [['--recipe', 'nope'], /unknown --recipe "nope"/],
      [['--epochs', '0'], /--epochs must be a positive integer/],
      [['--lr', '0.1', '--recipe', 'paper-cifar10'], /--lr takes a positive number and applies to the adam recipe only/],
      [['--dataset', 'idx'], /--dataset idx needs --data DIR/],
    ] as const) {
      const r = await run(['train', ...argv, '--out', out]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
    expect(fs.existsSync(out)).toBe(false);
  });
});
