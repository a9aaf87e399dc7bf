import { describe, expect, it } from 'vitest';
import { runCli as run } from '../run_cli';

describe('saplab reproduce', () => {
  it('--preset names a protocol; unknown or combined presets exit with 2 before any work', async () => {
    const unknown = await run(['reproduce', '--preset', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown preset "nope" \(known: quick, default, full/);
    const both = await run(['reproduce', '--quick', '--preset', 'default']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/exclude each other/);
  });
});
