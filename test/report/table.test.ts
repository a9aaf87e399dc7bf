import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  robustCells,
  wilsonInterval,
  accuracy,
  calibration,
  makeResultRow,
  readResults,
  RESULT_COLUMNS,
  ResultRow,
  resultsTable,
  resultsToCsv,
  writeResults,
} from 'saplab';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-table-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function row(over: Partial<ResultRow> = {}): ResultRow {
  return {
    model: 'fashion_cnn',
    defense: 'dense',
    sampleFraction: null,
    attack: 'fgsm',
    eps: 0.1,
    accuracy: 0.5,
    accuracyLow: 0.4,
    accuracyHigh: 0.6,
    ece: 0.05,
    nll: 1.25,
    brier: 0.6,
    n: 100,
    seed: 1803,
    ...over,
  } as ResultRow;
}

const rows: ResultRow[] = [
  row(),
  row({ defense: 'sap', sampleFraction: 1, eps: 1 / 255, accuracy: 0.123456789, accuracyLow: 0.1, ece: null, seed: null }),
  // Awkward strings, a string that looks like a number, extra columns of several types.
  row({ model: '1', attack: 'pgd, "strong"\nvariant', eps: 0, note: 'a,b', steps: 40, eot: true }),
  row({ model: ' spaced ', attack: 'eot-pgd', eps: 2e-7, steps: 100, note: null }),
];

describe('results tables', () => {
  it('builds a row from accuracy and calibration results', () => {
    const probs = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]];
    const y = [0, 1, 1];
    const r = makeResultRow({ model: 'm', defense: 'sap', sampleFraction: 0.5, attack: 'clean', eps: 0, seed: 3, extra: { steps: 0 } }, accuracy(probs, y), calibration(probs, y));
    expect(r).toMatchObject({ model: 'm', accuracy: 2 / 3, n: 3, sampleFraction: 0.5, seed: 3, steps: 0 });
    expect(r.ece).toBeCloseTo(calibration(probs, y).ece, 12);
    expect(makeResultRow({ model: 'm', defense: 'dense', attack: 'clean', eps: 0 }, accuracy(probs, y))).toMatchObject({ ece: null, nll: null, brier: null, seed: null, sampleFraction: null });
  });

  it('makes a danfo DataFrame with standard columns first, then extras', () => {
    const before = tf.memory().numTensors;
    const df = resultsTable(rows);
    expect(df.shape).toEqual([4, RESULT_COLUMNS.length + 3]);
    expect(df.columns).toEqual([...RESULT_COLUMNS, 'note', 'steps', 'eot']);
    expect(df.column('accuracy').values).toEqual(rows.map((r) => r.accuracy));
    expect(df.column('steps').values).toEqual([null, null, 40, 100]);
    expect(resultsTable([]).shape).toEqual([0, RESULT_COLUMNS.length]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips through CSV and JSON exactly', async () => {
    const written = writeResults(rows, path.join(dir, 'run1'));
    expect(written).toEqual({ csv: path.join(dir, 'run1.csv'), json: path.join(dir, 'run1.json') });
    const expected = rows.map((r) => ({ note: null, steps: null, eot: null, ...r }));
    expect(await readResults(written.json!)).toEqual(expected);
    expect(await readResults(written.csv!)).toEqual(expected);
    // Base path: JSON preferred.
    expect(await readResults(path.join(dir, 'run1'))).toEqual(expected);
    // No temporary files left.
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('writes into a directory and replaces a .csv/.json extension', async () => {
    const sub = path.join(dir, 'sweep');
    fs.mkdirSync(sub);
    expect(writeResults(rows.slice(0, 2), sub)).toEqual({ csv: path.join(sub, 'results.csv'), json: path.join(sub, 'results.json') });
    expect(await readResults(sub)).toHaveLength(2);
    expect(writeResults(rows, path.join(dir, 'fresh') + '/', { name: 'table', formats: ['csv'] })).toEqual({ csv: path.join(dir, 'fresh', 'table.csv') });
    expect(writeResults(rows, path.join(dir, 'x.json'))).toEqual({ csv: path.join(dir, 'x.csv'), json: path.join(dir, 'x.json') });
    expect(await readResults(path.join(dir, 'fresh', 'table.csv'))).toHaveLength(4);
  });

  it('quotes CSV fields that need it', () => {
    const csv = resultsToCsv([rows[2]]);
    expect(csv.split('\n')[0]).toBe([...RESULT_COLUMNS, 'note', 'steps', 'eot'].join(','));
    expect(csv).toContain('"pgd, ""strong""\nvariant"');
    expect(csv).toContain(',"a,b",40,true\n');
  });

  it('reads an empty table back as no rows', async () => {
    const w = writeResults([], path.join(dir, 'empty'));
    expect(await readResults(w.csv!)).toEqual([]);
    expect(await readResults(w.json!)).toEqual([]);
  });

  it('rejects bad rows and bad files with clear errors', async () => {
    expect(() => resultsTable([row({ accuracy: NaN })])).toThrow(/row 0, column accuracy: must be a finite number/);
    expect(() => resultsTable([row(), row({ model: '' })])).toThrow(/row 1, column model/);
    expect(() => resultsTable([row({ accuracy: 0.7 })])).toThrow(/must lie in \[accuracyLow, accuracyHigh\]/);
    expect(() => resultsTable([row({ n: 2.5 })])).toThrow(/column n: must be a positive integer/);
    expect(() => resultsTable([row({ ece: undefined as unknown as null })])).toThrow(/column ece/);
    expect(() => resultsTable([row({ extra: [1] as unknown as string })])).toThrow(/column extra/);
    expect(() => writeResults(rows, path.join(dir, 'y'), { formats: [] })).toThrow(/formats is empty/);
    await expect(readResults(path.join(dir, 'missing'))).rejects.toThrow(/no results at/);
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"not": "rows"}');
    await expect(readResults(path.join(dir, 'bad.json'))).rejects.toThrow(/expected an array of result rows/);
    fs.writeFileSync(path.join(dir, 'bad.csv'), 'model,defense\nm,d\n');
    await expect(readResults(path.join(dir, 'bad.csv'))).rejects.toThrow(/has no column attack/);
  });
});

describe('robustCells', () => {
  const cell = (defense: string, attack: string, eps: number, correct: string) => ({ defense, attack, eps, n: correct.length, accuracy: 0, accuracyLow: 0, accuracyHigh: 0, correct, ece: 0.5 });
  const cells = [cell('sap', 'clean', 0, '1101'), cell('sap', 'pgd', 0.1, '0111'), cell('dense', 'pgd', 0.1, '1000')];

  it('counts an image only when correct clean and attacked', () => {
    const out = robustCells(cells);
    expect(out[1].correct).toBe('0101');
    expect(out[1].accuracy).toBe(0.5);
    const w = wilsonInterval(2, 4);
    expect([out[1].accuracyLow, out[1].accuracyHigh]).toEqual([w.low, w.high]);
    expect(out[1].ece).toBe(0.5);
    // The clean cell, and a defense without one, are left as they are; inputs are not modified.
    expect(out[0]).toEqual(cells[0]);
    expect(out[2]).toEqual(cells[2]);
    expect(cells[1].correct).toBe('0111');
  });

  it('rejects cells of different sizes', () => {
    expect(() => robustCells([cell('a', 'clean', 0, '11'), cell('a', 'x', 1, '111')])).toThrow(/3 images, its clean cell 2/);
  });
});
