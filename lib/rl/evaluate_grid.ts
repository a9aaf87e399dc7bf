/**
 * `saplab rl evaluate`: mean return per (agent, attack, eps) cell on Catch, on the reproduction
 * grid's run folder (`config.json` protocol check, one atomic JSON per finished cell in `cells/`,
 * resume by rerunning into the same folder, Ctrl-C after the current step, `run.json`). Every cell
 * plays the same episode seeds, so any two cells are paired; every random choice derives from the
 * user seed and the cell's key, so a resumed run gives the numbers of an uninterrupted one.
 */
import { loadPretrained } from '../models/pretrained';
import { deriveSeed } from '../seed';
import { Progress, ProgressOptions } from '../util/progress';
import { cellKey, Interrupted, interruptGuard, openRunFolder, readCellFile, runMetadata, writeCellFile, writeRunJson } from '../reproduce/run_folder';
import { meanReturnInterval, playCatch } from './play';
import { RlEvaluateConfig, rlGridPairs } from './evaluate_config';
import { buildRlAgent, buildRlAttack, disposeAgent, rlEpisodeSeeds, type RlCell } from './evaluate_cell';
import { writeRlReport } from './evaluate_report';

export { buildRlAgent, buildRlAttack, disposeAgent, rlEpisodeSeeds } from './evaluate_cell';
export type { RlCell } from './evaluate_cell';

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

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs (or resumes) the grid and writes the report. */
export async function runRlEvaluate(options: RlEvaluateOptions): Promise<RlEvaluateResult> {
  const { config, outDir } = options;
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const cellsDir = openRunFolder(outDir, config);
  const started = new Date();
  const timings: Record<string, number> = {};
  const guard = interruptGuard(log);
  const t0 = Date.now();
  const net = await loadPretrained(config.model);
  const seeds = rlEpisodeSeeds(config);
  timings.setup = (Date.now() - t0) / 1000;
  const cells: RlCell[] = [];
  let computed = 0;
  let reused = 0;
  let status: RlEvaluateResult['status'] = 'complete';
  const stepsPerCell = Math.ceil(config.episodes / config.batchSize) * 9;
  try {
    grid: for (const { agent, attack } of rlGridPairs(config)) {
      const attackName = attack?.name ?? 'clean';
      const epsList = attack ? config.eps.filter((e) => e > 0) : [0];
      const pending: number[] = [];
      for (const eps of epsList) {
        const done = readCellFile<RlCell>(cellsDir, cellKey(agent.name, attackName, eps));
        if (done) {
          cells.push(done);
          reused++;
        } else pending.push(eps);
      }
      if (pending.length === 0) continue;
      const stage = `${agent.name} × ${attackName}`;
      const ts = Date.now();
      const model = buildRlAgent(net, agent, config.seed);
      const stochastic = agent.kind !== 'dense';
      const attackFn = attack ? buildRlAttack(attack, stochastic) : undefined;
      const bar = new Progress(stage, pending.length * stepsPerCell, options.progress);
      for (const [i, eps] of pending.entries()) {
        const key = cellKey(agent.name, attackName, eps);
        const tc = Date.now();
        let cell: RlCell;
        const base = { key, agent: agent.name, kind: agent.kind, sampleFraction: agent.kind === 'dense' ? null : agent.sampleFraction ?? null, attack: attackName, eps, episodes: config.episodes };
        try {
          const played = await playCatch(model, {
            episodeSeeds: seeds,
            seed: deriveSeed(config.seed, key),
            samples: config.samples,
            attack: attackFn,
            eps,
            batchSize: config.batchSize,
            onProgress: (d) => bar.update(i * stepsPerCell + d),
            afterStep: async () => {
              await yieldToEvents();
              guard.check();
            },
          });
          const ci = meanReturnInterval(played.returns);
          cell = { ...base, meanReturn: ci.mean, low: ci.low, high: ci.high, flipRate: played.flipRate, returns: Array.from(played.returns), seconds: (Date.now() - tc) / 1000 };
        } catch (e) {
          if (e instanceof Interrupted) throw e;
          cell = { ...base, meanReturn: NaN, low: NaN, high: NaN, flipRate: NaN, returns: [], seconds: (Date.now() - tc) / 1000, error: e instanceof Error ? e.message : String(e) };
          log(`cell ${key} failed: ${cell.error}`);
        }
        writeCellFile(cellsDir, key, cell);
        cells.push(cell);
        computed++;
        if (options.stopAfterCells !== undefined && computed >= options.stopAfterCells) {
          status = 'stopped';
          bar.finish();
          disposeAgent(model);
          break grid;
        }
      }
      bar.finish();
      disposeAgent(model);
      timings[stage] = (Date.now() - ts) / 1000;
    }
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    status = 'interrupted';
  } finally {
    guard.dispose();
  }
  const run = runMetadata({ status, preset: options.preset, seed: config.seed, started, cellsComputed: computed, cellsReused: reused, timings });
  if (status === 'complete') {
    const tr = Date.now();
    await writeRlReport({ outDir, config, cells, run, figures: options.figures ?? true, log });
    timings.report = (Date.now() - tr) / 1000;
  }
  writeRunJson(outDir, run);
  net.dispose();
  return { status, outDir, cells, computed, reused };
}
