import { describe, expect, it } from 'vitest';
import * as path from 'path';
import { PACKAGE_DATA_DIR } from '../../lib/data/fashion_mnist';
import { dataSearchPath, digestCheck, downloadDir, notFoundError } from '../../lib/data/locate';

describe('data lookup', () => {
  it('searches --data, $SAPLAB_DATA/<name>, $SAPLAB_DATA, then the package data folder', () => {
    const saved = process.env.SAPLAB_DATA;
    process.env.SAPLAB_DATA = '/store';
    try {
      expect(dataSearchPath('mnist', 'mine').map((s) => s.dir)).toEqual([path.resolve('mine'), path.join('/store', 'mnist'), '/store', path.join(PACKAGE_DATA_DIR, 'mnist')]);
      expect(dataSearchPath('mnist', 'mine', false).map((s) => s.dir)).toEqual([path.resolve('mine')]);
      expect(downloadDir('cifar10')).toBe(path.join('/store', 'cifar10'));
      delete process.env.SAPLAB_DATA;
      expect(downloadDir('cifar10')).toBe(path.join(PACKAGE_DATA_DIR, 'cifar10'));
      expect(dataSearchPath('mnist').map((s) => s.source)).toEqual(['package data/mnist']);
    } finally {
      if (saved === undefined) delete process.env.SAPLAB_DATA;
      else process.env.SAPLAB_DATA = saved;
    }
  });

  it('checks digests and writes errors that name folders, files and the fix', () => {
    expect(() => digestCheck('md5', 'd41d8cd98f00b204e9800998ecf8427e', 'x')(Buffer.alloc(0))).not.toThrow();
    expect(() => digestCheck('sha256', '00', 'x.gz')(Buffer.alloc(0))).toThrow(/x\.gz: sha256 mismatch: expected 00, got e3b0c442/);
    const e = notFoundError('Thing', [{ dir: '/a', source: 'here' }], ['f1', 'f2'], 'bring them', 'offline');
    expect(e.message).toBe('Thing not found. Looked for f1, f2 in:\n  /a (here)\nand the download failed: offline\nFix: bring them');
  });
});
