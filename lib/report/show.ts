/**
 * Showing figures in a notebook running the tslab kernel (JupyterLab, Notebook 7, the classic
 * notebook, VS Code), offline.
 *
 * The first `show()` in a kernel process sends one output carrying the plotly.js bundle (about
 * 5 MB minified, evaluated once per page; see `plotlyLoaderHtml`) and the figure; later calls send only
 * a `<div>` and a small script, which draw as soon as the bundle has been evaluated, whatever
 * order the outputs render in. When a headless Chromium is available, each output also carries a
 * PNG of the figure: as `image/png` in the output's MIME bundle (for viewers that pick images)
 * and inside the HTML, where the plot replaces it once Plotly draws (so viewers that strip
 * scripts still show a picture).
 *
 * Outside a kernel `show()` does not fail: it prints a one-line notice and returns the HTML.
 * `notebookOutput()` builds the MIME bundle without any kernel, for tests and other frontends.
 */
import { chromiumAvailable, renderFigure } from './browser';
import type { PlotlyFigure } from './figure';
import { checkFigure, figureHtml } from './html';

/** The MIME bundle of one notebook output. */
export interface MimeBundle {
  'text/html': string;
  'text/plain': string;
  /** Base64 PNG, when a static image was rendered. */
  'image/png'?: string;
}

/** Options of `notebookOutput`. */
export interface NotebookOutputOptions {
  /** Put the plotly.js bundle in this output. Default `false`. */
  includePlotly?: boolean;
  /** PNG bytes of the figure, for viewers without JavaScript. */
  png?: Uint8Array;
  /** CSS width of the PNG inside the HTML. Default `layout.width`. */
  pngWidth?: number;
}

/** A short text stand-in for the figure (`text/plain`). */
export function figureSummary(figure: PlotlyFigure): string {
  const title = typeof figure.layout.title?.text === 'string' ? figure.layout.title.text.replace(/<[^>]*>/g, '') : 'untitled';
  return `Plotly figure "${title}" (${figure.data.length} trace${figure.data.length === 1 ? '' : 's'})`;
}

/** The MIME bundle `show()` sends for `figure`. Pure: builds strings only. */
export function notebookOutput(figure: PlotlyFigure, options: NotebookOutputOptions = {}): MimeBundle {
  checkFigure(figure);
  const bundle: MimeBundle = {
    'text/html': figureHtml(figure, { plotly: options.includePlotly ? 'inline' : 'none', fallbackPng: options.png, fallbackWidth: options.pngWidth }),
    'text/plain': figureSummary(figure),
  };
  if (options.png) bundle['image/png'] = Buffer.from(options.png).toString('base64');
  return bundle;
}

/** Sends one output to the notebook. */
export type DisplaySink = (bundle: MimeBundle) => void;

/** Options of `show`. */
export interface ShowOptions {
  /** Add a static PNG: `'auto'` when a browser is available and the output goes to a notebook,
   * `true` always (throws without a browser), `false` never. Default `'auto'`. */
  staticImage?: boolean | 'auto';
  /** Pixel density of the static PNG. Default 1. */
  scale?: number;
  /** Include the plotly.js bundle: `'auto'` in the first output of this process (and again
   * after `resetShow()`), `'always'`, or `'never'`. Default `'auto'`. */
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
  /** Its HTML (a `<div>` and a script; the plotly.js loader is not included). */
  html: string;
  /** The static PNG, when `staticImage: true` asked for one. */
  png?: Buffer;
}

const SENT = Symbol.for('saplab.show.plotlySent');
const NOTICE = Symbol.for('saplab.show.noticePrinted');
type ShowGlobal = { [SENT]?: boolean; [NOTICE]?: boolean };
const state = globalThis as unknown as ShowGlobal;

/** Forgets that the plotly.js bundle was sent, so the next `show()` sends it again (use after
 * clearing the output that carried it, or in a new browser tab on the same kernel). */
export function resetShow(): void {
  state[SENT] = false;
}

type WriteDisplayData = (
  msg: { data: Record<string, string>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/**
 * The display of the tslab kernel this process runs, captured now (tslab routes an output to
 * the cell executing when it was captured), or `undefined` outside a kernel.
 *
 * A library cannot rely on its own `require('tslab')`: only the notebook's top-level
 * `require('tslab')` is hooked to the kernel, and a nested copy of tslab has no live display.
 * So this looks for the kernel's loaded `tslab/dist/jupyter.js` (whose `lastWriteDisplayData`
 * sends a whole MIME bundle), then falls back to the notebook's `tslab.display.html`.
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
      const t = hooked.require('tslab') as { display?: { html?: (s: string) => void } };
      const html = t.display?.html;
      if (typeof html === 'function') return (bundle) => html.call(t.display, bundle['text/html']);
    } catch {
      // Not a usable tslab.
    }
  }
  return undefined;
}

/**
 * Shows `figure` in the notebook (see the module comment for what is sent). Await it: the output
 * is sent once the optional PNG is rendered (with `staticImage: false`, before the first
 * `await`). Resolves to `undefined` once the output is sent, so the cell prints nothing else
 * (tslab logs a cell's last value). Outside a kernel (and without `display`), prints a notice
 * (unless `quiet`) and resolves to a `ShowResult` with the HTML instead of failing.
 */
export async function show(figure: PlotlyFigure, options: ShowOptions = {}): Promise<ShowResult | undefined> {
  checkFigure(figure);
  const sink = options.display ?? tslabDisplay();
  const mode = options.plotly ?? 'auto';
  if (mode !== 'auto' && mode !== 'always' && mode !== 'never') throw new Error(`show: plotly must be 'auto', 'always' or 'never', got ${JSON.stringify(mode)}`);
  const includePlotly = mode === 'always' || (mode === 'auto' && sink !== undefined && !state[SENT]);
  // Claim the bundle now, so a second show() started before this one finishes does not resend it.
  const claimed = includePlotly && !state[SENT];
  if (claimed) state[SENT] = true;
  try {
    const wantPng = options.staticImage === true || ((options.staticImage ?? 'auto') === 'auto' && sink !== undefined && chromiumAvailable());
    let png: Buffer | undefined;
    if (wantPng) {
      try {
        png = await renderFigure(figure, { format: 'png', scale: options.scale ?? 1, idleMs: options.idleMs ?? 60_000 });
      } catch (e) {
        if (options.staticImage === true) throw e;
        process.stderr.write(`saplab show(): no static image (${(e as Error).message.split('\n')[0]})\n`);
      }
    }
    const output = notebookOutput(figure, { includePlotly, png, pngWidth: typeof figure.layout.width === 'number' ? figure.layout.width : undefined });
    if (sink) {
      sink(output);
      return undefined;
    }
    if (!options.quiet && !state[NOTICE]) {
      state[NOTICE] = true;
      process.stderr.write(
        'saplab show(): not running in a tslab kernel, so nothing is displayed; the HTML is returned ' +
          "(exportFigure(figure, 'figure.html') writes a page you can open).\n",
      );
    }
    return { displayed: false, output, html: output['text/html'], ...(png ? { png } : {}) };
  } catch (e) {
    if (claimed) state[SENT] = false;
    throw e;
  }
}

