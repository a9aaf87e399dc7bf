/**
 * Runs the tutorial notebooks headless with real Jupyter (nbconvert + nbclient) on the tslab
 * kernel: each notebook is executed, any cell error fails the run, and an executed `.ipynb` plus a
 * rendered `.html` copy are written to the output folder. An executed notebook also fails when it
 * breaks the output rules (`checkExecutedNotebook`: at most 1.5 MB, every figure with its plotly
 * JSON and a PNG, no plotly.js inlined). `QUICK=1` in the environment makes the
 * notebooks small (CI); the notebooks read it themselves.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { pathToFileURL } from 'url';
import { CHROMIUM_ARGS, chromiumPath } from '../report/browser';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const NOTEBOOK_DIR = path.join(PACKAGE_ROOT, 'notebooks');

interface NotebookRunOptions {
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

interface NotebookResult {
  notebook: string;
  ok: boolean;
  seconds: number;
  /** The check of the executed notebook (size, figure outputs). */
  report?: ExecutedNotebookReport;
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

/** The largest executed notebook the project accepts (figures as plotly JSON plus a PNG). */
export const MAX_EXECUTED_NOTEBOOK_BYTES = 1_500_000;

/** What a check of an executed notebook found. */
interface ExecutedNotebookReport {
  bytes: number;
  /** Outputs carrying a plotly figure (`application/vnd.plotly.v1+json`). */
  figures: number;
  /** Of those, the ones that also carry `image/png`. */
  figuresWithPng: number;
  /** What is wrong; empty when the notebook is fine. */
  problems: string[];
}

/**
 * Checks an executed notebook: at most `maxBytes` (default 1.5 MB); every figure output carries
 * both `application/vnd.plotly.v1+json` and `image/png`; no output inlines plotly.js (the
 * `plotly-loader` script of the opt-in HTML mode, or any output over 1 MB).
 */
export function checkExecutedNotebook(file: string, options: { maxBytes?: number } = {}): ExecutedNotebookReport {
  const text = fs.readFileSync(file, 'utf8');
  const bytes = Buffer.byteLength(text);
  const maxBytes = options.maxBytes ?? MAX_EXECUTED_NOTEBOOK_BYTES;
  const nb = JSON.parse(text) as { cells: { cell_type: string; outputs?: { output_type: string; data?: Record<string, unknown> }[] }[] };
  const problems: string[] = [];
  if (bytes > maxBytes) problems.push(`${(bytes / 1e6).toFixed(2)} MB, more than ${(maxBytes / 1e6).toFixed(2)} MB`);
  let figures = 0;
  let figuresWithPng = 0;
  nb.cells.forEach((cell, i) => {
    for (const out of cell.outputs ?? []) {
      const size = JSON.stringify(out).length;
      if (size > 1024 * 1024) problems.push(`cell ${i}: an output of ${(size / 1048576).toFixed(1)} MB`);
      const data = out.data ?? {};
      const html = typeof data['text/html'] === 'string' ? data['text/html'] : Array.isArray(data['text/html']) ? (data['text/html'] as string[]).join('') : '';
      if (html.includes('data-saplab="plotly-loader"')) problems.push(`cell ${i}: an output inlines plotly.js`);
      if (data['application/vnd.plotly.v1+json'] === undefined) continue;
      figures++;
      if (typeof data['image/png'] === 'string' && (data['image/png'] as string).length > 0) figuresWithPng++;
      else problems.push(`cell ${i}: a figure without image/png (show() draws it with Chromium: is a browser installed? see environment.md)`);
    }
  });
  return { bytes, figures, figuresWithPng, problems };
}

/** What a page showed in Chromium. */
interface PageCheck {
  /** `<img>` elements that loaded (natural width > 0). */
  images: number;
  /** `<img>` elements that did not load. */
  broken: number;
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** With `count`: the number of elements matching that selector once the page has settled. */
  count?: number;
}

/**
 * Opens an HTML file in headless Chromium (`scripts: false` disables JavaScript, as a viewer that
 * strips scripts would) and reports its images and console errors, and with `count` the number of
 * elements matching a selector once the page has settled (e.g. drawn plots). Needs a browser
 * (`chromiumPath()`).
 */
export async function checkPageInChromium(file: string, options: { scripts?: boolean; count?: string } = {}): Promise<PageCheck> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true, timeout: 90_000 });
  try {
    const context = await browser.newContext({ javaScriptEnabled: options.scripts ?? true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: 'load', timeout: 120_000 });
    // Evaluated in the page (plain JavaScript, no DOM types needed here).
    let count: number | undefined;
    if (options.count) {
      await page.waitForLoadState('networkidle', { timeout: 60_000 }).catch(() => undefined);
      await page.waitForTimeout(500);
      count = (await page.evaluate(`document.querySelectorAll(${JSON.stringify(options.count)}).length`)) as number;
    }
    const counts = (await page.evaluate("Array.from(document.images, (i) => i.complete && i.naturalWidth > 0)")) as boolean[];
    return { images: counts.filter(Boolean).length, broken: counts.filter((ok) => !ok).length, errors, ...(count !== undefined ? { count } : {}) };
  } finally {
    await browser.close();
  }
}

/** Checks that Python can run nbconvert; returns a reason when it cannot. */
export function jupyterMissing(python: string): string | undefined {
  const r = spawnSync(python, ['-c', 'import nbconvert, nbclient, jupyter_client'], { encoding: 'utf8' });
  if (r.error) return `${python} not found`;
  if (r.status !== 0) return `${python} cannot import nbconvert/nbclient/jupyter_client (${(r.stderr || '').trim().split('\n').pop()})`;
  return undefined;
}

/** Installs the tslab kernelspec into a private Jupyter data folder; returns that folder. */
function installTslabKernel(python: string): string {
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
    const report = checkExecutedNotebook(executed);
    if (report.problems.length > 0) {
      const err = `the executed notebook breaks the output rules:\n${report.problems.join('\n')}`;
      log(`notebook ${name}: FAILED: ${err}`);
      results.push({ notebook: nb, ok: false, seconds, executed, report, error: err });
      continue;
    }
    const html = spawnSync(python, ['-m', 'nbconvert', '--to', 'html', '--output-dir', outDir, '--output', name, executed], { env, encoding: 'utf8' });
    const htmlFile = path.join(outDir, `${name}.html`);
    log(`notebook ${name}: ok in ${seconds.toFixed(0)} s, ${(report.bytes / 1e6).toFixed(2)} MB, ${report.figures} figures with PNG${html.status === 0 ? ` -> ${htmlFile}` : ' (HTML conversion failed)'}`);
    results.push({ notebook: nb, ok: true, seconds, executed, report, html: html.status === 0 ? htmlFile : undefined });
  }
  return results;
}
