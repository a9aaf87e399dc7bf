import { describe, expect, it } from 'vitest';
import { runCli as run } from '../run_cli';

describe('saplab info', () => {
  it('reports the active backend and tfjs version', async () => {
    const r = await run(['info']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/saplab backend: \S+ .*tfjs \d+\.\d+\.\d+/);
    expect(r.out).toMatch(/^tf\.getBackend\(\): \S+$/m);
  });
});
