import { describe, expect, it } from 'vitest';
import { runCli as run } from './run_cli';
import { COMMANDS } from '../../lib/cli/main';

describe('saplab CLI', () => {
  it('prints usage; unknown commands and flags exit with 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(help.out).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect((await run([])).code).toBe(2);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command/);
    const badFlag = await run(['train', '--epochz', '3']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toMatch(/unknown flag --epochz/);
    expect(badFlag.err).toMatch(/usage: saplab train/);
  });

  it('lists the commands in a fixed order', () => {
    expect(Object.keys(COMMANDS)).toEqual(['info', 'train', 'reproduce', 'merge', 'notebooks', 'evaluate', 'bench', 'rl']);
  });
});
