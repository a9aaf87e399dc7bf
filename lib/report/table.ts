/**
 * Results tables: one tidy row per (model, defense, attack, eps) evaluation, as a danfo.js
 * DataFrame for exploring in a notebook, and as CSV plus JSON files for keeping.
 *
 * CSV is written and read here (RFC 4180 quoting: danfo's `toCSV` leaves commas and quotes
 * inside fields unquoted); JSON is an array of row objects (pandas: `read_json(path,
 * orient='records')`). danfo.js (an optional peer dependency) is loaded on first use, by
 * `resultsTable` only.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DataFrame } from 'danfojs-node';
import { wilsonInterval, type AccuracyResult } from '../metrics/accuracy';
import type { CalibrationResult } from '../metrics/calibration';
import { writeFileAtomic } from '../data/download';
import { parseCsv, toCsv } from './csv';
import type { BarCell } from './defense_bars';

/** A value of an extra column. */
export type ResultValue = string | number | boolean | null;

/** One evaluation. Extra columns are allowed (strings, finite numbers, booleans or null). */
export interface ResultRow {
  /** Architecture or checkpoint name, e.g. `fashion_cnn`. */
  model: string;
  /** `dense`, `sap`, `dropout`, ... */
  defense: string;
  /** SAP's r / N (`1` is SAP-100); `null` when the defense has none. */
  sampleFraction: number | null;
  /** `clean`, `fgsm`, `pgd`, `eot-pgd`, ... */
  attack: string;
  /** Perturbation budget on the input's scale. */
  eps: number;
  accuracy: number;
  /** Wilson interval of `accuracy`. */
  accuracyLow: number;
  accuracyHigh: number;
  /** Calibration on the evaluated examples; `null` when not computed. */
  ece: number | null;
  nll: number | null;
  brier: number | null;
  /** Number of examples. */
  n: number;
  /** Seed of the run; `null` for a deterministic run. */
  seed: number | null;
  [column: string]: ResultValue;
}

/** The standard columns, in table order. */
export const RESULT_COLUMNS = [
  'model',
  'defense',
  'sampleFraction',
  'attack',
  'eps',
  'accuracy',
  'accuracyLow',
  'accuracyHigh',
  'ece',
  'nll',
  'brier',
  'n',
  'seed',
] as const;

const STRING_COLUMNS = new Set(['model', 'defense', 'attack']);
const NULLABLE_COLUMNS = new Set(['sampleFraction', 'ece', 'nll', 'brier', 'seed']);
const STANDARD = new Set<string>(RESULT_COLUMNS);

/** The identifying columns of a result row (`makeResultRow` adds the measurements). */
export interface ResultRowFields {
  model: string;
  defense: string;
  attack: string;
  eps: number;
  /** Default `null`. */
  sampleFraction?: number | null;
  /** Default `null`. */
  seed?: number | null;
  /** Extra columns. */
  extra?: Record<string, ResultValue>;
}

/** Builds a row from an `accuracy(...)` result and, optionally, a `calibration(...)` result. */
export function makeResultRow(fields: ResultRowFields, acc: AccuracyResult, cal?: CalibrationResult): ResultRow {
  const row: ResultRow = {
    model: fields.model,
    defense: fields.defense,
    sampleFraction: fields.sampleFraction ?? null,
    attack: fields.attack,
    eps: fields.eps,
    accuracy: acc.accuracy,
    accuracyLow: acc.low,
    accuracyHigh: acc.high,
    ece: cal ? cal.ece : null,
    nll: cal ? cal.nll : null,
    brier: cal ? cal.brier : null,
    n: acc.n,
    seed: fields.seed ?? null,
    ...(fields.extra ?? {}),
  };
  validateResultRows([row]);
  return row;
}

/** The columns of `rows`: the standard ones, then extra columns in order of first appearance. */
function resultColumns(rows: readonly ResultRow[]): string[] {
  const extra: string[] = [];
  const seen = new Set<string>(RESULT_COLUMNS);
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        extra.push(key);
      }
    }
  }
  return [...RESULT_COLUMNS, ...extra];
}

/**
 * Checks every row: non-empty strings for model/defense/attack, `eps >= 0`, accuracies in
 * [0, 1] with `accuracyLow <= accuracy <= accuracyHigh`, `n` a positive integer, `null` or a
 * finite number for the optional metrics, and string/finite number/boolean/null extras.
 * Throws naming the row and column.
 */
function validateResultRows(rows: readonly ResultRow[]): void {
  if (!Array.isArray(rows)) throw new Error('results must be an array of rows');
  rows.forEach((row, i) => {
    const bad = (col: string, why: string): never => {
      throw new Error(`results row ${i}, column ${col}: ${why} (got ${JSON.stringify(row[col])})`);
    };
    if (row === null || typeof row !== 'object') throw new Error(`results row ${i} is not an object`);
    for (const col of STRING_COLUMNS) if (typeof row[col] !== 'string' || row[col] === '') bad(col, 'must be a non-empty string');
    for (const col of ['eps', 'accuracy', 'accuracyLow', 'accuracyHigh', 'n']) {
      if (typeof row[col] !== 'number' || !Number.isFinite(row[col])) bad(col, 'must be a finite number');
    }
    if (row.eps < 0) bad('eps', 'must be >= 0');
    for (const col of ['accuracy', 'accuracyLow', 'accuracyHigh']) if ((row[col] as number) < 0 || (row[col] as number) > 1) bad(col, 'must be in [0, 1]');
    if (row.accuracyLow > row.accuracy + 1e-9 || row.accuracy > row.accuracyHigh + 1e-9) {
      bad('accuracy', `must lie in [accuracyLow, accuracyHigh] = [${row.accuracyLow}, ${row.accuracyHigh}]`);
    }
    if (!Number.isInteger(row.n) || row.n < 1) bad('n', 'must be a positive integer');
    for (const col of NULLABLE_COLUMNS) {
      const v = row[col];
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) bad(col, 'must be a finite number or null');
    }
    for (const [col, v] of Object.entries(row)) {
      if (STANDARD.has(col)) continue;
      const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!ok) bad(col, 'extra columns hold strings, finite numbers, booleans or null');
    }
  });
}

let danfo: typeof import('danfojs-node') | undefined;
/**
 * danfojs-node, loaded on first use (it takes about a second to load). It is an optional peer
 * dependency: only `resultsTable` needs it, and its absence is an error naming the package.
 */
function dfd(): typeof import('danfojs-node') {
  if (danfo) return danfo;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    danfo = require('danfojs-node') as typeof import('danfojs-node');
  } catch (e) {
    throw new Error(`resultsTable needs the optional package danfojs-node, which is not installed (npm install danfojs-node@1.2.0); CSV and JSON results work without it (${(e as Error).message.split('\n')[0]})`);
  }
  return danfo;
}

/**
 * The rows as a danfo.js DataFrame, standard columns first, then extra columns (missing
 * extras are `null`). Rows are validated first.
 */
export function resultsTable(rows: readonly ResultRow[]): DataFrame {
  validateResultRows(rows);
  const columns = resultColumns(rows);
  const values = rows.map((row) => columns.map((c) => (row[c] === undefined ? null : row[c])));
  return new (dfd().DataFrame)(values, { columns });
}

/** The rows as CSV text (RFC 4180 quoting, `\n` line ends, empty field for `null`). */
export function resultsToCsv(rows: readonly ResultRow[]): string {
  validateResultRows(rows);
  return toCsv(resultColumns(rows), rows);
}

/** The rows as JSON text: an array of row objects, one per line, every column present. */
export function resultsToJson(rows: readonly ResultRow[]): string {
  validateResultRows(rows);
  const columns = resultColumns(rows);
  const objs = rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((c) => [c, row[c] ?? null]))));
  return objs.length === 0 ? '[]\n' : `[\n${objs.join(',\n')}\n]\n`;
}

/** Options of `writeResults`. */
export interface WriteResultsOptions {
  /** File name (without extension) used when the target is a directory. Default `'results'`. */
  name?: string;
  /** Formats to write. Default both, `['csv', 'json']`. */
  formats?: ('csv' | 'json')[];
}

/** Paths written by `writeResults`. */
export interface WrittenResults {
  csv?: string;
  json?: string;
}

function isDirTarget(target: string): boolean {
  if (target.endsWith('/') || target.endsWith(path.sep)) return true;
  try {
    return fs.statSync(target).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes `rows` as `<base>.csv` and `<base>.json`, each atomically (temporary file, then
 * rename). `target` is a directory (an existing one, or a path ending in `/`: files
 * `<dir>/<name>.csv|json`), or a path without extension, or a path ending in `.csv` / `.json`
 * (the extension is replaced). Returns the paths written.
 */
export function writeResults(rows: readonly ResultRow[], target: string, options: WriteResultsOptions = {}): WrittenResults {
  const formats = options.formats ?? ['csv', 'json'];
  if (formats.length === 0) throw new Error('writeResults: formats is empty');
  for (const f of formats) if (f !== 'csv' && f !== 'json') throw new Error(`writeResults: unknown format ${JSON.stringify(f)}; use 'csv' or 'json'`);
  let base: string;
  if (isDirTarget(target)) base = path.join(target, options.name ?? 'results');
  else {
    const ext = path.extname(target).toLowerCase();
    base = ext === '.csv' || ext === '.json' ? target.slice(0, -ext.length) : target;
  }
  const out: WrittenResults = {};
  if (formats.includes('csv')) {
    out.csv = `${base}.csv`;
    writeFileAtomic(out.csv, resultsToCsv(rows));
  }
  if (formats.includes('json')) {
    out.json = `${base}.json`;
    writeFileAtomic(out.json, resultsToJson(rows));
  }
  return out;
}

function resolveReadPath(target: string): string {
  const ext = path.extname(target).toLowerCase();
  if (ext === '.csv' || ext === '.json') return target;
  const candidates = isDirTarget(target)
    ? [path.join(target, 'results.json'), path.join(target, 'results.csv')]
    : [`${target}.json`, `${target}.csv`];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`readResults: no results at ${target} (looked for ${candidates.join(', ')})`);
  return found;
}

/** Restores the standard column types of rows read from CSV or JSON and validates them. */
function normaliseRows(raw: unknown, file: string): ResultRow[] {
  if (!Array.isArray(raw)) throw new Error(`${file}: expected an array of result rows`);
  const rows = raw.map((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${file}: row ${i} is not an object`);
    const row: Record<string, ResultValue> = {};
    for (const [k, v] of Object.entries(r as Record<string, unknown>)) {
      let value = v === undefined || v === '' ? null : (v as ResultValue);
      if (typeof value === 'number' && !Number.isFinite(value)) value = null;
      if (STRING_COLUMNS.has(k) && value !== null) value = String(value);
      else if (STANDARD.has(k) && typeof value === 'string') {
        const num = Number(value);
        if (!Number.isFinite(num)) throw new Error(`${file}: row ${i}, column ${k}: ${JSON.stringify(value)} is not a number`);
        value = num;
      }
      row[k] = value;
    }
    for (const col of RESULT_COLUMNS) if (!(col in row)) {
      if (NULLABLE_COLUMNS.has(col)) row[col] = null;
      else throw new Error(`${file}: row ${i} has no column ${col}`);
    }
    return row as ResultRow;
  });
  try {
    validateResultRows(rows);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  return rows;
}

/**
 * Reads rows written by `writeResults` (or any CSV/JSON with the standard columns).
 * `target` is a `.csv` or `.json` file, a base path (tries `.json`, then `.csv`) or a directory
 * (tries `results.json`, then `results.csv`). The standard columns get their types back
 * (model/defense/attack as strings, empty fields as `null`); extra CSV columns are typed as
 * numbers, booleans or strings (as PapaParse's dynamic typing would).
 */
export async function readResults(target: string): Promise<ResultRow[]> {
  const file = path.resolve(resolveReadPath(target));
  if (path.extname(file).toLowerCase() === '.json') {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
    return normaliseRows(raw, file);
  }
  const text = fs.readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = parseCsv(text, STRING_COLUMNS);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  return normaliseRows(raw, file);
}

/** The part of a grid cell `robustCells` reads and rewrites (a `CellResult` of `runReproduce`). */
export interface ScoredCell extends BarCell {
  n: number;
  /** Per-example correctness as a string of 0/1. */
  correct: string;
}

/**
 * Cells re-scored with one definition of accuracy under attack, AutoAttack's (the one of
 * `robustAccuracy`): an image counts only when the defense classifies it correctly both clean
 * (its `clean` cell at eps 0) and attacked. Accuracy, Wilson interval and `correct` are rewritten;
 * every other field (calibration, timings) is kept. Clean cells, and cells of a defense without a
 * clean cell, are returned unchanged. Inputs are not modified.
 */
export function robustCells<C extends ScoredCell>(cells: readonly C[]): C[] {
  const clean = new Map(cells.filter((c) => c.attack === 'clean').map((c) => [c.defense, c]));
  return cells.map((c) => {
    const ref = clean.get(c.defense);
    if (c.attack === 'clean' || !ref) return { ...c };
    if (ref.correct.length !== c.correct.length) throw new Error(`robustCells: ${c.defense} · ${c.attack} has ${c.correct.length} images, its clean cell ${ref.correct.length}`);
    const correct = Array.from(c.correct, (ch, i) => (ch === '1' && ref.correct[i] === '1' ? '1' : '0')).join('');
    const k = correct.split('').filter((ch) => ch === '1').length;
    const { low, high } = wilsonInterval(k, c.correct.length);
    return { ...c, correct, accuracy: k / c.correct.length, accuracyLow: low, accuracyHigh: high };
  });
}
