/**
 * Runs the tutorial notebooks headless with real Jupyter (nbconvert + nbclient) on the tslab
 * kernel: each notebook is executed, any cell error fails the run, and an executed `.ipynb` plus a
 * rendered `.html` copy are written to the output folder. `QUICK=1` in the environment makes the
 * notebooks small (CI); the notebooks read it themselves.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
export const NOTEBOOK_DIR = path.join(PACKAGE_ROOT, 'notebooks');

export interface NotebookRunOptions {
  /** Notebooks to run (file names or paths). Default: every `notebooks/NN_*.ipynb`. */
  notebooks?: string[];
  /** Output folder for executed notebooks and HTML. Default `results/notebooks`. */
  outDir?: string;
  /** Python with nbconvert/nbclient. Default `$SAPLAB_PYTHON` or `/usr/bin/python3`. */
  python?: string;
  /** Per-cell timeout in seconds. Default 1800. */
  cellTimeout?: number;
  /** Extra environment for the kernel (e.g. `{ QUICK: '1' }`). */
  env?: Record<string, string>;
  /** Called with a line of progress. */
  log?: (line: string) => void;
}

export interface NotebookResult {
  notebook: string;
  ok: boolean;
  seconds: number;
  executed?: string;
  html?: string;
  error?: string;
}

/** Every `NN_topic.ipynb` in `notebooks/`, in order. */
export function listNotebooks(dir = NOTEBOOK_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d\d_.+\.ipynb$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Problems that make a committed notebook unclean: outputs or execution counts. */
export function notebookDirtiness(file: string): string[] {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[] };
  const problems: string[] = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== 'code') return;
    if (c.outputs && c.outputs.length > 0) problems.push(`cell ${i} has outputs`);
    if (c.execution_count != null) problems.push(`cell ${i} has execution_count ${c.execution_count}`);
  });
  return problems;
}

/** Checks that Python can run nbconvert; returns a reason when it cannot. */
export function jupyterMissing(python: string): string | undefined {
  const r = spawnSync(python, ['-c', 'import nbconvert, nbclient, jupyter_client'], { encoding: 'utf8' });
  if (r.error) return `${python} not found`;
  if (r.status !== 0) return `${python} cannot import nbconvert/nbclient/jupyter_client (${(r.stderr || '').trim().split('\n').pop()})`;
  return undefined;
}

/** Installs the tslab kernelspec into a private Jupyter data folder; returns that folder. */
export function installTslabKernel(python: string): string {
  const tslab = path.join(PACKAGE_ROOT, 'node_modules', '.bin', 'tslab');
  if (!fs.existsSync(tslab)) throw new Error(`tslab is not installed (${tslab}); run npm install`);
  const prefix = path.join(os.tmpdir(), `saplab-jupyter-${process.getuid?.() ?? 'user'}`);
  const r = spawnSync(tslab, ['install', `--python=${python}`, `--binary=${tslab}`, `--prefix=${prefix}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tslab install failed: ${r.stderr || r.stdout}`);
  return path.join(prefix, 'share', 'jupyter');
}

/** Executes notebooks; returns one result per notebook (never throws for a failing notebook). */
export function runNotebooks(options: NotebookRunOptions = {}): NotebookResult[] {
  const python = options.python ?? process.env.SAPLAB_PYTHON ?? '/usr/bin/python3';
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const missing = jupyterMissing(python);
  if (missing) {
    throw new Error(`cannot run notebooks: ${missing}.\nInstall Jupyter: sudo apt-get install jupyter-client python3-nbconvert python3-nbclient jupyter-notebook`);
  }
  const jupyterPath = installTslabKernel(python);
  const outDir = path.resolve(options.outDir ?? path.join('results', 'notebooks'));
  fs.mkdirSync(outDir, { recursive: true });
  const notebooks = (options.notebooks?.length ? options.notebooks.map((n) => (fs.existsSync(n) ? n : path.join(NOTEBOOK_DIR, n))) : listNotebooks()).map((n) => path.resolve(n));
  const env = {
    ...process.env,
    ...options.env,
    JUPYTER_PATH: [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    PATH: [path.join(PACKAGE_ROOT, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter),
    SAPLAB_PROGRESS: process.env.SAPLAB_PROGRESS ?? 'off',
  };
  const results: NotebookResult[] = [];
  for (const nb of notebooks) {
    const name = path.basename(nb, '.ipynb');
    log(`notebook ${name}: running`);
    const t0 = Date.now();
    const exec = spawnSync(
      python,
      ['-m', 'nbconvert', '--to', 'notebook', '--execute', `--ExecutePreprocessor.kernel_name=tslab`, `--ExecutePreprocessor.timeout=${options.cellTimeout ?? 1800}`, '--output-dir', outDir, '--output', `${name}.executed.ipynb`, nb],
      { env, encoding: 'utf8', cwd: path.dirname(nb), maxBuffer: 256 * 1024 * 1024 },
    );
    const seconds = (Date.now() - t0) / 1000;
    if (exec.status !== 0) {
      const err = (exec.stderr || exec.stdout || String(exec.error)).split('\n').slice(-40).join('\n');
      log(`notebook ${name}: FAILED after ${seconds.toFixed(0)} s\n${err}`);
      results.push({ notebook: nb, ok: false, seconds, error: err });
      continue;
    }
    const executed = path.join(outDir, `${name}.executed.ipynb`);
    const html = spawnSync(python, ['-m', 'nbconvert', '--to', 'html', '--output-dir', outDir, '--output', name, executed], { env, encoding: 'utf8' });
    const htmlFile = path.join(outDir, `${name}.html`);
    log(`notebook ${name}: ok in ${seconds.toFixed(0)} s${html.status === 0 ? ` -> ${htmlFile}` : ' (HTML conversion failed)'}`);
    results.push({ notebook: nb, ok: true, seconds, executed, html: html.status === 0 ? htmlFile : undefined });
  }
  return results;
}
