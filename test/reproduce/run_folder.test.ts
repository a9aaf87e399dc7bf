import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { canonicalJson, cellKey, interruptGuard, Interrupted, openRunFolder, readCellFile, runMetadata, writeCellFile, writeRunJson } from '../../lib/reproduce/run_folder';

describe('run folder', () => {
  it('writes config.json once, accepts the same protocol in another key order, refuses a different one', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runfolder-'));
    const cells = openRunFolder(tmp, { a: 1, b: { c: [1, 2], d: 'x' } });
    expect(cells).toBe(path.join(tmp, 'cells'));
    expect(fs.existsSync(cells)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'config.json'), 'utf8'))).toEqual({ a: 1, b: { c: [1, 2], d: 'x' } });
    expect(() => openRunFolder(tmp, { b: { d: 'x', c: [1, 2] }, a: 1 })).not.toThrow();
    expect(() => openRunFolder(tmp, { a: 2, b: { c: [1, 2], d: 'x' } })).toThrow(/different protocol/);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('cells round-trip; missing, corrupt and failed cells count as not finished', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runfolder-'));
    const key = cellKey('SAP-100', 'PGD EOT/x', 0.1);
    expect(key).toBe('SAP-100__PGD_EOT_x__eps0.100000');
    writeCellFile(tmp, key, { v: 3 });
    expect(readCellFile<{ v: number; error?: string }>(tmp, key)).toEqual({ v: 3 });
    expect(readCellFile(tmp, 'missing')).toBeUndefined();
    fs.writeFileSync(path.join(tmp, 'bad.json'), '{not json');
    expect(readCellFile(tmp, 'bad')).toBeUndefined();
    writeCellFile(tmp, 'failed', { error: 'boom' });
    expect(readCellFile(tmp, 'failed')).toBeUndefined();
    expect(fs.readdirSync(tmp).filter((f) => !f.endsWith('.json'))).toEqual([]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the interrupt guard turns a SIGINT into Interrupted at the next check and removes its handler', () => {
    const lines: string[] = [];
    const before = process.listenerCount('SIGINT');
    const guard = interruptGuard((l) => lines.push(l));
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    expect(() => guard.check()).not.toThrow();
    process.emit('SIGINT', 'SIGINT');
    expect(guard.interrupted).toBe(true);
    expect(() => guard.check()).toThrow(Interrupted);
    expect(lines[0]).toMatch(/finishing the current batch/);
    guard.dispose();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('run.json records versions, backend, seed and timings', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runfolder-'));
    const started = new Date(Date.now() - 2000);
    const run = runMetadata({ status: 'complete', preset: 'quick', seed: 7, started, cellsComputed: 3, cellsReused: 1, timings: { setup: 0.5 } });
    expect(run.seconds).toBeGreaterThanOrEqual(2);
    expect(run.seed).toBe(7);
    expect(run.tfjs).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.node).toBe(process.version);
    writeRunJson(tmp, run);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'run.json'), 'utf8'))).toEqual(run);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
