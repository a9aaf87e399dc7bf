/**
 * `saplab merge`: the shard folders of one `saplab reproduce` protocol (`--shard i/k`, see
 * `shard.ts`) combined into one run folder. Every cell is rebuilt from the shards' per-image
 * probabilities and labels with the code a whole run uses (`cellMetrics`), so its accuracy,
 * calibration and per-image correctness are those of the unsplit run, and the comparisons and
 * checks of the report are computed on the merged per-image results. Everything is checked before
 * anything is written: a shard of another protocol, a missing shard, a shard given twice or an
 * unfinished one is a `ConfigError` naming it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../data/download';
import { addGradientStats, zeroGradientStats, type GradientStats } from '../attacks/types';
import type { MatchedStrength } from './baseline_grid';
import { cellMetrics, type CellResult, type SuiteCellRow } from './cell';
import { wilsonInterval } from '../metrics/accuracy';
import { gridCells } from './grid';
import { cellsToRows, writeRunReport } from './report';
import { canonicalJson, openRunFolder, writeCellFile, writeRunJson, type RunMetadata } from './run_folder';
import { decodeFloat32, readJsonFile, SHARD_FILE, type ShardFile } from './shard';
import { ConfigError, type ReproduceConfig } from './spec';
import { validateConfig } from './validate';

/** Options of `mergeShards`. */
export interface MergeOptions {
  /** The shard run folders, in any order. */
  shards: string[];
  /** The merged run folder. */
  outDir: string;
  /** Write figures. Default `true`. */
  figures?: boolean;
  /** Where messages go. Default: stderr. */
  log?: (line: string) => void;
}

interface ShardRun {
  dir: string;
  config: ReproduceConfig;
  shard: ShardFile;
  run: RunMetadata & Record<string, unknown>;
}

/** Reads and checks the shard folders; a `ConfigError` names the first problem. */
export function checkShards(dirs: string[]): ShardRun[] {
  if (dirs.length === 0) throw new ConfigError('merge needs the shard folders: saplab merge --out DIR SHARD_DIR...');
  const runs: ShardRun[] = dirs.map((dir) => {
    const config = readJsonFile<ReproduceConfig>(path.join(dir, 'config.json'));
    if (!config) throw new ConfigError(`${dir} is not a reproduce run folder (no readable config.json)`);
    const shard = readJsonFile<ShardFile>(path.join(dir, SHARD_FILE));
    if (!shard) throw new ConfigError(`${dir} is not a shard (no ${SHARD_FILE}; run reproduce with --shard i/k)`);
    const run = readJsonFile<ShardRun['run']>(path.join(dir, 'run.json'));
    if (run?.status !== 'complete') throw new ConfigError(`shard ${shard.index}/${shard.count} in ${dir} is not finished (status ${run?.status ?? 'none'}); rerun it with the same --out`);
    return { dir, config, shard, run };
  });
  const first = runs[0];
  for (const r of runs.slice(1)) {
    if (canonicalJson(r.config) !== canonicalJson(first.config)) throw new ConfigError(`shard ${r.shard.index}/${r.shard.count} in ${r.dir} is of a different protocol than ${first.dir}`);
    if (r.shard.count !== first.shard.count) throw new ConfigError(`${r.dir} is shard ${r.shard.index}/${r.shard.count} but ${first.dir} is shard ${first.shard.index}/${first.shard.count}`);
  }
  const byIndex = new Map<number, ShardRun>();
  for (const r of runs) {
    const twin = byIndex.get(r.shard.index);
    if (twin) throw new ConfigError(`shard ${r.shard.index}/${r.shard.count} is given twice (${twin.dir} and ${r.dir})`);
    byIndex.set(r.shard.index, r);
  }
  const missing = Array.from({ length: first.shard.count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) throw new ConfigError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${first.shard.count}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`);
  return [...runs].sort((a, b) => a.shard.index - b.shard.index);
}

const sumStats = (parts: (GradientStats | undefined)[]): GradientStats | undefined =>
  parts[0] === undefined
    ? undefined
    : parts.reduce<GradientStats>((a, s) => addGradientStats(a, s!), zeroGradientStats());

/** The suite record of an autoattack cell from its shards: the attacks' counts summed, the per-image attributions joined. */
function mergeSuite(parts: CellResult[]): NonNullable<CellResult['suite']> {
  const rows = new Map<string, SuiteCellRow>();
  for (const p of parts) {
    for (const r of p.suite!.attacks) {
      const row = rows.get(r.name) ?? { name: r.name, label: r.label, attacked: 0, broken: 0 };
      row.attacked += r.attacked;
      row.broken += r.broken;
      rows.set(r.name, row);
    }
  }
  return { attacks: [...rows.values()], brokenBy: parts.map((p) => p.suite!.brokenBy).join(',') };
}

/** Merges the shards into `outDir` and writes its report; returns the merged cells in grid order. */
export async function mergeShards(options: MergeOptions): Promise<{ cells: CellResult[]; outDir: string }> {
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const shards = checkShards(options.shards);
  const config = validateConfig(shards[0].config);
  const plan = gridCells(config);
  // Every cell of every shard, read before anything is written.
  const parts = plan.map((c) =>
    shards.map((s) => {
      const cell = readJsonFile<CellResult>(path.join(s.dir, 'cells', `${c.key}.json`));
      if (!cell || cell.error || cell.probs === undefined) throw new ConfigError(`shard ${s.shard.index}/${s.shard.count} in ${s.dir} has no finished cell ${c.key}${cell?.error ? ` (it failed: ${cell.error})` : ''}; rerun it with the same --out`);
      return cell;
    }),
  );
  const labels = shards.flatMap((s) => s.shard.labels);
  if (labels.length !== config.n) throw new ConfigError(`the shards hold ${labels.length} images, the protocol ${config.n}`);
  const cellsDir = openRunFolder(options.outDir, config);
  const y = tf.tensor1d(labels, 'int32');
  const cells: CellResult[] = [];
  try {
    for (const [i, cellParts] of parts.entries()) {
      const values = cellParts.map((p) => decodeFloat32(p.probs!));
      const all = new Float32Array(values.reduce((a, v) => a + v.length, 0));
      let at = 0;
      for (const v of values) (all.set(v, at), (at += v.length));
      const probs = tf.tensor2d(all, [config.n, all.length / config.n]);
      const metrics = cellMetrics(probs, y, config.calibrationBins);
      probs.dispose();
      // An autoattack cell: its accuracy is the suite's per-image worst case, its record summed.
      const suite = cellParts[0].suite ? mergeSuite(cellParts) : undefined;
      if (suite) {
        metrics.correct = cellParts.map((p) => p.correct).join('');
        const k = [...metrics.correct].filter((v) => v === '1').length;
        const ci = wilsonInterval(k, config.n);
        Object.assign(metrics, { accuracy: k / config.n, accuracyLow: ci.low, accuracyHigh: ci.high });
      }
      const { key, defense, kind, sampleFraction, attack, eps } = cellParts[0];
      const stats = sumStats(cellParts.map((p) => p.gradientStats));
      const cell: CellResult = { key, defense, kind, sampleFraction, attack, eps, ...metrics, ...(stats ? { gradientStats: stats } : {}), ...(suite ? { suite } : {}), seconds: cellParts.reduce((a, p) => a + p.seconds, 0) };
      if (key !== plan[i].key) throw new Error(`merge: cell ${key} out of order`);
      writeCellFile(cellsDir, key, cell);
      cells.push(cell);
    }
  } finally {
    y.dispose();
  }
  const matchedFile = path.join(shards[0].dir, 'calibration.json');
  const matched = readJsonFile<Record<string, MatchedStrength>>(matchedFile);
  if (matched) writeFileAtomic(path.join(options.outDir, 'calibration.json'), JSON.stringify(matched, null, 2) + '\n');
  const timings: Record<string, number> = {};
  for (const s of shards) for (const [k, v] of Object.entries(s.run.timings ?? {})) timings[k] = (timings[k] ?? 0) + v;
  const { shard: _shard, ...first } = shards[0].run;
  const run: RunMetadata & Record<string, unknown> = {
    ...first,
    status: 'complete',
    cellsComputed: shards.reduce((a, s) => a + s.run.cellsComputed, 0),
    cellsReused: shards.reduce((a, s) => a + s.run.cellsReused, 0),
    seconds: shards.reduce((a, s) => a + s.run.seconds, 0),
    started: shards.map((s) => s.run.started).sort()[0],
    finished: shards.map((s) => s.run.finished).sort().slice(-1)[0],
    timings,
    mergedFrom: shards.map((s) => ({ shard: `${s.shard.index}/${s.shard.count}`, dir: s.dir, images: [s.shard.start, s.shard.stop], gitCommit: s.run.gitCommit, backend: s.run.backend })),
  };
  const tr = Date.now();
  await writeRunReport({ outDir: options.outDir, config, cells, rows: cellsToRows(cells, config), run, figures: options.figures ?? true, log, matched: matched ?? {} });
  timings.report = (Date.now() - tr) / 1000;
  writeRunJson(options.outDir, run);
  return { cells, outDir: options.outDir };
}
