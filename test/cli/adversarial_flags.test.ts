import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { runCli as run } from './run_cli';
import { checkAdversarialFlags, splitHeldOut } from '../../lib/cli/adversarial_flags';

describe('saplab train --adversarial', () => {
  it('bad values exit with 2, name the flag, and write nothing', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-adv-')), 'm');
    const cases: [string[], RegExp][] = [
      [['--adversarial', 'bim'], /--adversarial must be one of fgsm, pgd, fast/],
      [['--adversarial', 'pgd', '--eps', '0'], /--eps must be in \(0, 1\]/],
      [['--adversarial', 'pgd', '--mix', '0.2'], /--mix applies to --adversarial fgsm only/],
      [['--adversarial', 'fgsm', '--mix', '1.5'], /--mix must be in/],
      [['--adversarial', 'fast', '--pgd-steps', '7'], /--pgd-steps applies to --adversarial pgd only/],
      [['--adversarial', 'pgd', '--pgd-steps', '2.5'], /--pgd-steps must be a positive integer/],
      [['--adversarial', 'fast', '--holdout', '0', '--keep', 'best'], /--keep best needs a held-out slice/],
      [['--eps', '0.1'], /--eps needs --adversarial/],
    ];
    for (const [argv, msg] of cases) {
      const r = await run(['train', ...argv, '--out', out]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
    expect(fs.existsSync(out)).toBe(false);
  });

  it('parses a valid recipe and splits off the held-out slice at the end', () => {
    expect(checkAdversarialFlags({})).toBeUndefined();
    const a = checkAdversarialFlags({ adversarial: 'fgsm', eps: 0.05 })!;
    expect(a.method).toBe('fgsm');
    expect(a.holdout).toBe(1000);
    expect(a.options.eps).toBe(0.05);
    const x = tf.reshape(tf.range(0, 10, 1, 'float32'), [10, 1, 1, 1]) as tf.Tensor4D;
    const y = tf.range(0, 10, 1, 'float32') as tf.Tensor1D;
    const s = splitHeldOut({ x, y }, 3);
    expect(Array.from(s.trainY.dataSync())).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(s.heldOut!.y.dataSync())).toEqual([7, 8, 9]);
    expect(() => splitHeldOut({ x, y }, 10)).toThrow(/leaves no training images/);
    tf.dispose([x, y, s.trainX, s.trainY, s.heldOut!.x, s.heldOut!.y]);
  });
});
