/**
 * `saplab rl evaluate`: mean return per (agent, attack, eps) cell on Catch, on the grid engine of
 * `saplab reproduce` (`lib/reproduce/engine.ts`: `config.json` protocol check, one atomic JSON per
 * finished cell in `cells/`, resume by rerunning into the same folder, Ctrl-C after the current
 * step, failed cells recorded, `run.json`). Every cell
 * plays the same episode seeds, so any two cells are paired; every random choice derives from the
 * user seed and the cell's key, so a resumed run gives the numbers of an uninterrupted one.
 */
import { loadPretrained } from '../models/pretrained';
import type { ProgressOptions } from '../util/progress';
import type { ResolvedPgdOptions } from '../attacks/pgd';
import { cellKey, openRunFolder, runMetadata, writeRunJson } from '../reproduce/run_folder';
import { runGrid, type GridPlanEntry } from '../reproduce/engine';
import { resolvedRlAttack, RlEvaluateConfig, rlGridPairs } from './evaluate_config';
import { computeRlCell, failedRlCell, type RlCell, type RlCellTask } from './evaluate_cell';
import { writeRlReport } from './evaluate_report';

export { buildRlAgent, buildRlAttack, computeRlCell, disposeAgent, failedRlCell, rlEpisodeSeeds } from './evaluate_cell';
export type { RlCell, RlCellTask } from './evaluate_cell';

/** Steps of a Catch episode (the ball falls 9 rows). */
const CATCH_STEPS = 9;

/** Options of the RL evaluation grid. */
export interface RlEvaluateOptions {
  config: RlEvaluateConfig;
  preset: string;
  outDir: string;
  /** Stop after computing this many new cells (for tests of resuming). */
  stopAfterCells?: number;
  /** Write figures. Default `true`. */
  figures?: boolean;
  progress?: ProgressOptions;
  /** Where messages go. */
  log?: (line: string) => void;
}

/** What the RL evaluation grid did: status and finished cells. */
export interface RlEvaluateResult {
  status: 'complete' | 'stopped' | 'interrupted';
  outDir: string;
  cells: RlCell[];
  computed: number;
  reused: number;
}

/** The cells of the RL grid in the order of the report, with their cost in gradient-pass equivalents per step. */
function rlPlan(config: RlEvaluateConfig): GridPlanEntry<RlCellTask>[] {
  const steps = Math.ceil(config.episodes / config.batchSize) * CATCH_STEPS;
  const plan: GridPlanEntry<RlCellTask>[] = [];
  for (const { agent, attack } of rlGridPairs(config)) {
    const samples = agent.kind === 'dense' ? 1 : config.samples;
    // An attacked step: the clean and the attacked greedy actions, and the attack's gradients.
    const o = attack ? resolvedRlAttack(attack) : undefined;
    const pgd = attack?.method === 'pgd' ? (o as ResolvedPgdOptions) : undefined;
    const gradients = o ? (pgd ? pgd.steps * pgd.restarts : 1) * (agent.kind === 'dense' ? 1 : o.eotSamples) : 0;
    for (const eps of attack ? config.eps.filter((e) => e > 0) : [0]) {
      const key = cellKey(agent.name, attack?.name ?? 'clean', eps);
      plan.push({ key, task: { key, agent, ...(attack ? { attack } : {}), eps }, stage: `${agent.name} × ${attack?.name ?? 'clean'}`, cost: steps * ((o ? 2 : 1) * samples + 3 * gradients), steps });
    }
  }
  return plan;
}

/** Runs (or resumes) the grid on the grid engine and writes the report. */
export async function runRlEvaluate(options: RlEvaluateOptions): Promise<RlEvaluateResult> {
  const { config, outDir } = options;
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const cellsDir = openRunFolder(outDir, config);
  const started = new Date();
  const t0 = Date.now();
  const net = await loadPretrained(config.model);
  const setup = (Date.now() - t0) / 1000;
  try {
    const grid = await runGrid<RlCellTask, RlCell>({
      cellsDir,
      plan: rlPlan(config),
      compute: (task, step) => computeRlCell(net, config, task, step),
      failed: (entry, seconds, error) => failedRlCell(entry.task, config, seconds, error),
      stopAfterCells: options.stopAfterCells,
      progress: options.progress,
      log,
    });
    const { status, cells, computed, reused } = grid;
    const timings: Record<string, number> = { setup, ...grid.timings };
    const run = runMetadata({ status, preset: options.preset, seed: config.seed, started, cellsComputed: computed, cellsReused: reused, timings });
    if (status === 'complete') {
      const tr = Date.now();
      await writeRlReport({ outDir, config, cells, run, figures: options.figures ?? true, log });
      timings.report = (Date.now() - tr) / 1000;
    }
    writeRunJson(outDir, run);
    return { status, outDir, cells, computed, reused };
  } finally {
    net.dispose();
  }
}
