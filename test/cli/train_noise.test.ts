import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as run } from './run_cli';

describe('saplab train --noise-sigma', () => {
  it('bad values exit with 2, name the flag, and write nothing', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-noise-')), 'm');
    const cases: [string[], RegExp][] = [
      [['--noise-sigma', '0'], /--noise-sigma must be a positive number, got 0/],
      [['--noise-sigma', '-0.25'], /--noise-sigma must be a positive number/],
      [['--noise-sigma', 'abc'], /noise-sigma/],
      [['--noise-sigma', '0.25', '--adversarial', 'pgd'], /--noise-sigma and --adversarial cannot be combined/],
    ];
    for (const [argv, msg] of cases) {
      const r = await run(['train', ...argv, '--out', out]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
    expect(fs.existsSync(out)).toBe(false);
  });
});
