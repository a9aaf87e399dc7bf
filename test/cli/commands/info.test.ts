import { describe, expect, it } from 'vitest';
import { runCli as run } from '../run_cli';

describe('saplab info', () => {
  it('reports the active backend and tfjs version', async () => {
    const r = await run(['info']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/saplab backend: \S+ .*tfjs \d+\.\d+\.\d+/);
    expect(r.out).toMatch(/^tf\.getBackend\(\): \S+$/m);
  });

  it('a --backend that names no backend exits with 2 and the usage, here and in every command that computes', async () => {
    for (const argv of [['info'], ['evaluate'], ['reproduce', '--quick'], ['train'], ['bench'], ['rl', 'train'], ['rl', 'evaluate']]) {
      const r = await run([...argv, '--backend', 'abacus']);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/--backend="abacus" is not a backend saplab knows; use one of tensorflow-gpu, tensorflow, wasm, cpu or auto/);
      expect(r.err).toMatch(/usage: saplab/);
    }
  });
});
