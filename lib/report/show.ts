/**
 * Figures and tables as notebook outputs (MIME bundles), the way Python's plotly does it.
 *
 * Every figure output carries
 * - `application/vnd.plotly.v1+json`: the figure's JSON `{ data, layout, config }`, which
 *   JupyterLab (plotly extension), Notebook 7 and VS Code draw interactively, trusted or not;
 * - `image/png`: the figure drawn by headless Chromium at 1.5 times its layout size (sharp on
 *   high-density screens) and recompressed losslessly (`compactPng`), for every viewer that shows
 *   images only (GitHub, nbconvert HTML, untrusted notebooks);
 * - `text/plain`: a one-line summary.
 * plotly.js itself is never in the output by default (it is 4.9 MB). `show(fig, { html: true })`
 * opts into the classic interactive HTML instead: the first such output of a kernel process
 * carries the plotly.js bundle (see `plotlyLoaderHtml`), later ones a `<div>` and a small script.
 *
 * Tables are escaped `text/html` plus aligned `text/plain` (`tableBundle`, `showTable`).
 * Figures and tables made displayable (`displayable`, `displayTable`) also implement
 * `[Symbol.for('Jupyter.display')]()`, returning the same bundle, so a kernel that honours it
 * (Deno's) shows them when they are a cell's value.
 *
 * Outside a kernel `show()` does not fail: it prints a one-line notice and returns the bundle.
 */
import { chromiumAvailable, renderFigure } from './browser';
import { compactPng } from './png';
import type { PlotlyFigure } from './figure';
import { checkFigure, figureHtml } from './html';

/** Pixel density of the PNG in notebook outputs: 1.5 keeps an executed notebook of eight
 * figures well under 1.5 MB while staying sharp on high-density screens. Paper figures come from
 * `exportFigure` / `exportPaperFigure` instead. */
const SHOW_SCALE = 1.5;

/** The MIME type of a Plotly figure's JSON (JupyterLab, VS Code, nteract). */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** The symbol Deno's Jupyter kernel calls to get an object's MIME bundle. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');

/** The MIME bundle of one notebook output. */
export interface MimeBundle {
  'text/plain': string;
  /** The figure's JSON `{ data, layout, config }` (figures). */
  'application/vnd.plotly.v1+json'?: PlotlyFigure;
  /** Base64 PNG, when a static image was rendered (figures). */
  'image/png'?: string;
  /** Escaped table HTML (tables), or the interactive figure HTML (opt-in). */
  'text/html'?: string;
}

/** Options of `figureBundle`. */
interface FigureBundleOptions {
  /** PNG bytes of the figure (`image/png`). */
  png?: Uint8Array;
  /** Add the interactive `text/html` of `figureHtml`: `'inline'` with the plotly.js bundle,
   * `'div'` without (a loader sent earlier draws it). Default: no HTML. */
  html?: 'inline' | 'div';
  /** CSS width of the PNG inside the HTML. Default `layout.width`. */
  pngWidth?: number;
}

/** A short text stand-in for the figure (`text/plain`). */
function figureSummary(figure: PlotlyFigure): string {
  const title = typeof figure.layout.title?.text === 'string' ? figure.layout.title.text.replace(/<[^>]*>/g, '') : 'untitled';
  return `Plotly figure "${title}" (${figure.data.length} trace${figure.data.length === 1 ? '' : 's'})`;
}

/** The figure's plain JSON (no symbol-keyed or non-JSON members). */
function plainFigure(figure: PlotlyFigure): PlotlyFigure {
  const out = JSON.parse(JSON.stringify({ data: figure.data, layout: figure.layout })) as PlotlyFigure;
  if (figure.config) out.config = JSON.parse(JSON.stringify(figure.config)) as Record<string, unknown>;
  return out;
}

/** The MIME bundle of a figure: plotly JSON, text, and the PNG / HTML when given. Pure. */
export function figureBundle(figure: PlotlyFigure, options: FigureBundleOptions = {}): MimeBundle {
  checkFigure(figure);
  const bundle: MimeBundle = { [PLOTLY_MIME]: plainFigure(figure), 'text/plain': figureSummary(figure) };
  if (options.png) bundle['image/png'] = Buffer.from(options.png).toString('base64');
  if (options.html) {
    if (options.html !== 'inline' && options.html !== 'div') throw new Error(`figureBundle: html must be 'inline' or 'div', got ${JSON.stringify(options.html)}`);
    bundle['text/html'] = figureHtml(figure, { plotly: options.html === 'inline' ? 'inline' : 'none', fallbackPng: options.png, fallbackWidth: options.pngWidth });
  }
  return bundle;
}

/** Options of `notebookOutput` (the classic interactive HTML bundle). */
interface NotebookOutputOptions {
  /** Put the plotly.js bundle in this output. Default `false`. */
  includePlotly?: boolean;
  /** PNG bytes of the figure, for viewers without JavaScript. */
  png?: Uint8Array;
  /** CSS width of the PNG inside the HTML. Default `layout.width`. */
  pngWidth?: number;
}

/** The bundle of `show(figure, { html: true })`: `figureBundle` with the interactive HTML. */
export function notebookOutput(figure: PlotlyFigure, options: NotebookOutputOptions = {}): MimeBundle {
  return figureBundle(figure, { png: options.png, pngWidth: options.pngWidth, html: options.includePlotly ? 'inline' : 'div' });
}

/** Sends one output to the notebook. */
export type DisplaySink = (bundle: MimeBundle) => void;

/** Options of `show`. */
export interface ShowOptions {
  /** Add a static PNG: `'auto'` when a browser is available and the output goes to a notebook,
   * `true` always (throws without a browser), `false` never. Default `'auto'`. */
  staticImage?: boolean | 'auto';
  /** Pixel density of the static PNG. Default `SHOW_SCALE` (1.5). */
  scale?: number;
  /** Also send the interactive HTML (scripts; drawn only in a trusted live notebook). Default
   * `false`, or `true` when `SAPLAB_SHOW_HTML=1`. */
  html?: boolean;
  /** With `html`, include the plotly.js bundle: `'auto'` in the first HTML output of this
   * process (and again after `resetShow()`), `'always'`, or `'never'`. Default `'auto'`. */
  plotly?: 'auto' | 'always' | 'never';
  /** Where the output goes. Default: the tslab kernel this code runs in, if any. */
  display?: DisplaySink;
  /** Do not print the notice outside a kernel. Default `false`. */
  quiet?: boolean;
  /** Milliseconds the browser rendering PNGs stays open between figures. Default 60000. */
  idleMs?: number;
}

/** What `show()` returns outside a notebook: the output it would have sent. */
export interface ShowResult {
  /** Always `false`: nothing was sent (inside a notebook `show()` resolves to `undefined`). */
  displayed: false;
  /** The MIME bundle that would have been sent. */
  output: MimeBundle;
  /** The static PNG, when `staticImage: true` asked for one. */
  png?: Buffer;
}

const SENT = Symbol.for('saplab.show.plotlySent');
const NOTICE = Symbol.for('saplab.show.noticePrinted');
type ShowGlobal = { [SENT]?: boolean; [NOTICE]?: boolean };
const state = globalThis as unknown as ShowGlobal;

/** Forgets that the plotly.js bundle was sent, so the next `show(fig, { html: true })` sends it
 * again (use after clearing the output that carried it, or in a new browser tab on the same kernel). */
export function resetShow(): void {
  state[SENT] = false;
}

type WriteDisplayData = (
  msg: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/**
 * The display of the tslab kernel this process runs, captured now (tslab routes an output to
 * the cell executing when it was captured), or `undefined` outside a kernel.
 *
 * A library cannot rely on its own `require('tslab')`: only the notebook's top-level
 * `require('tslab')` is hooked to the kernel, and a nested copy of tslab has no live display.
 * So this looks for the kernel's loaded `tslab/dist/jupyter.js`, whose `lastWriteDisplayData`
 * sends a whole MIME bundle as one `display_data` message (JSON values such as the plotly
 * figure go through as JSON), then falls back to the notebook's `tslab.display.html`.
 */
export function tslabDisplay(): DisplaySink | undefined {
  const cache = typeof require !== 'undefined' ? require.cache : undefined;
  if (cache) {
    for (const [file, mod] of Object.entries(cache)) {
      if (!mod || !/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
      const write = (mod.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
      if (typeof write === 'function') {
        return (bundle) => (write as WriteDisplayData)({ data: { ...bundle }, metadata: {}, transient: {} }, false);
      }
    }
  }
  const hooked = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  if (hooked?.require) {
    try {
      const t = hooked.require('tslab') as { display?: { html?: (s: string) => void; png?: (b: Uint8Array) => void } };
      const d = t.display;
      if (d && typeof d.html === 'function') {
        return (bundle) => {
          if (bundle['image/png'] && typeof d.png === 'function' && !bundle['text/html']) d.png.call(d, Buffer.from(bundle['image/png'], 'base64'));
          else d.html!.call(d, bundle['text/html'] ?? `<pre>${escapeHtml(bundle['text/plain'])}</pre>`);
        };
      }
    } catch {
      // Not a usable tslab.
    }
  }
  return undefined;
}

function printNotice(options: { quiet?: boolean }): void {
  if (!options.quiet && !state[NOTICE]) {
    state[NOTICE] = true;
    process.stderr.write(
      'saplab show(): not running in a tslab kernel, so nothing is displayed; the MIME bundle is returned ' +
        "(exportFigure(figure, 'figure.html') writes a page you can open).\n",
    );
  }
}

/**
 * The bundle `show` sends, built without sending it: the PNG rendered when `staticImage` asks
 * for one (`'auto'`: when a browser is available), the HTML when `html` asks for it.
 */
async function renderBundle(figure: PlotlyFigure, options: Omit<ShowOptions, 'display' | 'quiet'> & { includePlotly?: boolean } = {}): Promise<{ bundle: MimeBundle; png?: Buffer }> {
  checkFigure(figure);
  const wantPng = options.staticImage === true || ((options.staticImage ?? 'auto') === 'auto' && chromiumAvailable());
  let png: Buffer | undefined;
  if (wantPng) {
    try {
      png = compactPng(await renderFigure(figure, { format: 'png', scale: options.scale ?? SHOW_SCALE, idleMs: options.idleMs ?? 60_000 }));
    } catch (e) {
      if (options.staticImage === true) throw e;
      process.stderr.write(`saplab show(): no static image (${(e as Error).message.split('\n')[0]})\n`);
    }
  }
  const html = options.html ? (options.includePlotly ? 'inline' : 'div') : undefined;
  const width = typeof figure.layout.width === 'number' ? figure.layout.width : undefined;
  return { bundle: figureBundle(figure, { png, html, pngWidth: width }), png };
}

/**
 * Shows `figure` in the notebook (see the module comment for what is sent). Await it: the output
 * is sent once the PNG is rendered. Resolves to `undefined` once the output is sent, so the cell
 * prints nothing else (tslab logs a cell's last value). Outside a kernel (and without `display`),
 * prints a notice (unless `quiet`) and resolves to a `ShowResult` instead of failing.
 */
export async function show(figure: PlotlyFigure, options: ShowOptions = {}): Promise<ShowResult | undefined> {
  checkFigure(figure);
  const sink = options.display ?? tslabDisplay();
  const html = options.html ?? process.env.SAPLAB_SHOW_HTML === '1';
  const mode = options.plotly ?? 'auto';
  if (mode !== 'auto' && mode !== 'always' && mode !== 'never') throw new Error(`show: plotly must be 'auto', 'always' or 'never', got ${JSON.stringify(mode)}`);
  const scale = options.scale ?? SHOW_SCALE;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10) throw new Error(`show: scale must be in (0, 10], got ${scale}`);
  const includePlotly = html && (mode === 'always' || (mode === 'auto' && sink !== undefined && !state[SENT]));
  // Claim the bundle now, so a second show() started before this one finishes does not resend it.
  const claimed = includePlotly && !state[SENT];
  if (claimed) state[SENT] = true;
  try {
    const staticImage = options.staticImage ?? 'auto';
    const { bundle, png } = await renderBundle(figure, { ...options, scale, html, includePlotly, staticImage: staticImage === 'auto' && sink === undefined ? false : staticImage });
    if (sink) {
      sink(bundle);
      return undefined;
    }
    printNotice(options);
    return { displayed: false, output: bundle, ...(png ? { png } : {}) };
  } catch (e) {
    if (claimed) state[SENT] = false;
    throw e;
  }
}

/** A figure that also answers `[Symbol.for('Jupyter.display')]()` with its bundle. */
interface DisplayableFigure extends PlotlyFigure {
  /** Resolves to the figure's MIME bundle (plotly JSON, PNG when a browser is available, text). */
  [JUPYTER_DISPLAY](): Promise<MimeBundle>;
}

/**
 * `figure` with a non-enumerable `[Symbol.for('Jupyter.display')]()` method that resolves to the
 * bundle `show` would send (PNG included when a browser is available). The figure's JSON is
 * unchanged (`JSON.stringify` and deep equality ignore the method). Returns the same object.
 */
export function displayable<F extends PlotlyFigure>(figure: F): F & DisplayableFigure {
  checkFigure(figure);
  if (!Object.prototype.hasOwnProperty.call(figure, JUPYTER_DISPLAY)) {
    Object.defineProperty(figure, JUPYTER_DISPLAY, {
      value: async function (this: PlotlyFigure) {
        return (await renderBundle(this)).bundle;
      },
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }
  return figure as F & DisplayableFigure;
}

/** A table cell value. */
export type TableValue = string | number | boolean | null | undefined;

/** Options of `tableBundle`. */
export interface TableOptions {
  /** Columns, in order. Default: the keys of the rows, in order of first appearance. */
  columns?: string[];
  /** Significant decimals of non-integer numbers. Default 4. */
  digits?: number;
  /** A caption above the table. */
  caption?: string;
}

/** `&`, `<`, `>`, `"` and `'` as HTML entities. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function formatCell(v: TableValue, digits: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    return String(Number(v.toFixed(digits)));
  }
  return String(v);
}

/**
 * A table of rows as a MIME bundle: `text/html` (a `<table>` with every header and cell
 * escaped, numbers right-aligned) and `text/plain` (aligned columns). Pure.
 */
export function tableBundle(rows: readonly Record<string, TableValue>[], options: TableOptions = {}): MimeBundle {
  if (!Array.isArray(rows)) throw new Error('tableBundle: rows must be an array of objects');
  const digits = options.digits ?? 4;
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) throw new Error(`tableBundle: digits must be an integer in [0, 15], got ${digits}`);
  const columns = options.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c], digits)));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'));
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j].length)));
  const pad = (s: string, j: number) => (numeric[j] ? s.padStart(widths[j]) : s.padEnd(widths[j]));
  const plain = [
    ...(options.caption ? [options.caption] : []),
    columns.map(pad).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((row) => row.map(pad).join('  ')),
  ].join('\n');
  const align = (j: number) => (numeric[j] ? ' style="text-align:right"' : '');
  const html = [
    '<table class="saplab-table">',
    ...(options.caption ? [`<caption>${escapeHtml(options.caption)}</caption>`] : []),
    `<thead><tr>${columns.map((c, j) => `<th${align(j)}>${escapeHtml(c)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...cells.map((row) => `<tr>${row.map((v, j) => `<td${align(j)}>${escapeHtml(v)}</td>`).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
  return { 'text/html': html, 'text/plain': plain };
}

/** A table that answers `[Symbol.for('Jupyter.display')]()` with its `tableBundle`. */
interface DisplayableTable {
  /** The rows shown. */
  rows: readonly Record<string, TableValue>[];
  /** The bundle. */
  [JUPYTER_DISPLAY](): MimeBundle;
}

/** Wraps rows as a displayable table (for kernels that honour `Symbol.for('Jupyter.display')`). */
export function displayTable(rows: readonly Record<string, TableValue>[], options: TableOptions = {}): DisplayableTable {
  const bundle = tableBundle(rows, options);
  return { rows, [JUPYTER_DISPLAY]: () => bundle };
}

/** Options of `showTable`. */
export interface ShowTableOptions extends TableOptions {
  /** Where the output goes. Default: the tslab kernel this code runs in, if any. */
  display?: DisplaySink;
  /** Do not print the notice outside a kernel. Default `false`. */
  quiet?: boolean;
}

/**
 * Shows rows as a table in the notebook (`tableBundle`). Returns `undefined` once sent;
 * outside a kernel, prints the text table to stdout and returns the bundle.
 */
export function showTable(rows: readonly Record<string, TableValue>[], options: ShowTableOptions = {}): MimeBundle | undefined {
  const bundle = tableBundle(rows, options);
  const sink = options.display ?? tslabDisplay();
  if (sink) {
    sink(bundle);
    return undefined;
  }
  if (!options.quiet) process.stdout.write(bundle['text/plain'] + '\n');
  return bundle;
}
