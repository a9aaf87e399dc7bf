import { describe, expect, it } from 'vitest';
import { runCli as run } from './run_cli';

describe('saplab CLI', () => {
  it('prints usage; unknown commands and flags exit with 2', async () => {
    expect((await run(['--help'])).code).toBe(0);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command/);
    const badFlag = await run(['train', '--epochz', '3']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toMatch(/unknown flag --epochz/);
    expect(badFlag.err).toMatch(/usage: saplab train/);
  });

  it('reproduce: --preset names a protocol; unknown or combined presets exit with 2 before any work', async () => {
    const unknown = await run(['reproduce', '--preset', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown preset "nope" \(known: quick, default, full/);
    const both = await run(['reproduce', '--quick', '--preset', 'default']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/exclude each other/);
  });

  it('evaluate: --workers gives the numbers of one thread; a bad value exits with 2 before any work', async () => {
    const bad = await run(['evaluate', '--workers', 'two']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--workers must be a non-negative integer or auto, got "two"/);
    const args = ['evaluate', '--n', '12', '--sap', '1', '--samples', '2', '--seed', '5'];
    const one = await run([...args, '--workers', '0']);
    const two = await run([...args, '--workers', '1']);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    // The table without its seconds column.
    const rows = (out: string) => out.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.replace(/\| [\d.]+ \|$/, ''));
    expect(rows(one.out).length).toBe(3);
    expect(rows(two.out)).toEqual(rows(one.out));
  });

  it('info reports the active backend and tfjs version', async () => {
    const r = await run(['info']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/saplab backend: \S+ .*tfjs \d+\.\d+\.\d+/);
  });
});
