/**
 * The generic parts of an experiment grid's output folder, shared by `saplab reproduce` and the
 * other experiments built on the same grid (e.g. `saplab rl evaluate`):
 * - the protocol check: `config.json` is written on the first run and a later run into the same
 *   folder with a different protocol is refused (`openRunFolder`);
 * - one JSON file per finished cell in `cells/`, written atomically, read back on resume
 *   (`writeCellFile`, `readCellFile`, `cellKey`);
 * - Ctrl-C handling that lets the current batch finish (`interruptGuard`);
 * - the metadata of `run.json`: versions, backend, seed, git commit, timings (`runMetadata`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { backendInfo } from '../backend';
import { writeFileAtomic } from '../data/download';
import { ConfigError } from './spec';

/** A file-name-safe key of a cell from its parts, e.g. `cellKey('SAP-100', 'FGSM', 0.1)`. */
export function cellKey(defense: string, attack: string, eps: number): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_');
  return `${safe(defense)}__${safe(attack)}__eps${eps.toFixed(6)}`;
}

/** JSON with object keys sorted at every level (so key order never makes two protocols differ). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/**
 * Creates `outDir/cells/` and checks the protocol: writes `config.json` on the first run, throws a
 * `ConfigError` when the folder holds a run with a different protocol. Returns the cells folder.
 */
export function openRunFolder(outDir: string, config: unknown): string {
  const cellsDir = path.join(outDir, 'cells');
  fs.mkdirSync(cellsDir, { recursive: true });
  const configFile = path.join(outDir, 'config.json');
  if (fs.existsSync(configFile)) {
    const previous = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    if (canonicalJson(previous) !== canonicalJson(config)) {
      throw new ConfigError(`${outDir} holds a run with a different protocol (config.json differs); choose another --out or delete the folder`);
    }
  } else writeFileAtomic(configFile, JSON.stringify(config, null, 2) + '\n');
  return cellsDir;
}

/** Writes one finished (or failed) cell atomically to `cellsDir/<key>.json`. */
export function writeCellFile(cellsDir: string, key: string, cell: unknown): void {
  writeFileAtomic(path.join(cellsDir, `${key}.json`), JSON.stringify(cell) + '\n');
}

/** Reads a finished cell; a missing, unreadable or failed (`error` set) cell counts as not finished. */
export function readCellFile<T extends { error?: string }>(cellsDir: string, key: string): T | undefined {
  const file = path.join(cellsDir, `${key}.json`);
  if (!fs.existsSync(file)) return undefined;
  try {
    const cell = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    return cell.error ? undefined : cell;
  } catch {
    return undefined;
  }
}

/** Thrown inside a grid loop to unwind after Ctrl-C (see `interruptGuard`). */
export class Interrupted extends Error {}

/** The state of a Ctrl-C guard: `interrupted` turns true on the first SIGINT. */
interface InterruptGuard {
  readonly interrupted: boolean;
  /** Throws `Interrupted` when a SIGINT arrived (call between batches). */
  check(): void;
  /** Removes the SIGINT handler. */
  dispose(): void;
}

/**
 * Installs a SIGINT handler for the duration of a run: the first Ctrl-C asks the loop to stop
 * after the current batch (finished cells are kept), a second one exits at once (status 130).
 */
export function interruptGuard(log: (line: string) => void): InterruptGuard {
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupt: finishing the current batch; finished cells are kept (press Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  return {
    get interrupted() {
      return interrupted;
    },
    check() {
      if (interrupted) throw new Interrupted();
    },
    dispose() {
      process.removeListener('SIGINT', onSigint);
    },
  };
}

/** The git commit of the package's checkout, or `null` outside a git checkout. */
function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The package version from `package.json`. */
function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** What `run.json` records about a run. */
export type RunMetadata = {
  status: string;
  preset: string;
  saplab: string;
  tfjs: string;
  node: string;
  backend: string;
  seed: number;
  gitCommit: string | null;
  started: string;
  finished: string;
  seconds: number;
  cellsComputed: number;
  cellsReused: number;
  timings: Record<string, number>;
};

/** `run.json`'s content for a run that started at `started` and ends now. */
export function runMetadata(info: { status: string; preset: string; seed: number; started: Date; cellsComputed: number; cellsReused: number; timings: Record<string, number> }): RunMetadata {
  return {
    status: info.status,
    preset: info.preset,
    saplab: packageVersion(),
    tfjs: tf.version_core,
    node: process.version,
    backend: backendInfo()?.description ?? tf.getBackend(),
    seed: info.seed,
    gitCommit: gitCommit(),
    started: info.started.toISOString(),
    finished: new Date().toISOString(),
    seconds: (Date.now() - info.started.getTime()) / 1000,
    cellsComputed: info.cellsComputed,
    cellsReused: info.cellsReused,
    timings: info.timings,
  };
}

/** Writes `run.json` atomically. */
export function writeRunJson(outDir: string, run: RunMetadata): void {
  writeFileAtomic(path.join(outDir, 'run.json'), JSON.stringify(run, null, 2) + '\n');
}
