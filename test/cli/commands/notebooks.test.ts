import { describe, expect, it } from 'vitest';
import { runCli as run } from '../run_cli';
import { listNotebooks } from '../../../lib/cli/notebooks';

// Executing notebooks is tested in test/cli/notebooks.test.ts (it needs Jupyter).
describe('saplab notebooks', () => {
  it('--check-clean counts the committed notebooks and runs none', async () => {
    const r = await run(['notebooks', '--check-clean']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${listNotebooks().length} notebooks, none carries outputs\n`);
  });
});
