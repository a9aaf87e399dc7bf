import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compiledWorkerScript } from '../../lib/parallel/compiled_worker';

describe('compiledWorkerScript', () => {
  it('finds the worker next to the caller first, then in the package dist/, and names both places when neither has it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'compiled-worker-'));
    try {
      const here = path.join(root, 'lib', 'parallel');
      const dist = path.join(root, 'dist', 'parallel');
      fs.mkdirSync(here, { recursive: true });
      fs.mkdirSync(dist, { recursive: true });
      expect(() => compiledWorkerScript(here, 'parallel', 'w.js', 'use workers: 0')).toThrow(
        new RegExp(`no compiled worker at ${path.join(here, 'w.js')} or ${path.join(dist, 'w.js')}; run \`npm run build\` or use workers: 0`),
      );
      fs.writeFileSync(path.join(dist, 'w.js'), '');
      expect(compiledWorkerScript(here, 'parallel', 'w.js')).toBe(path.join(dist, 'w.js'));
      fs.writeFileSync(path.join(here, 'w.js'), '');
      expect(compiledWorkerScript(here, 'parallel', 'w.js')).toBe(path.join(here, 'w.js'));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
