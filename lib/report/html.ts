/**
 * HTML for Plotly figures, offline: the plotly.js bundle from the `plotly.js-dist` package is
 * inlined, never fetched from a CDN.
 *
 * - `plotlyLoaderHtml()`: one `<script>` that evaluates the bundle once per page into
 *   `window.__saplabPlotly` (also `window.Plotly` when no other Plotly is there). The bundle
 *   runs with `define`, `module`, `exports` and `require` shadowed, so the require.js of the
 *   classic notebook (or VS Code) cannot capture it. It then draws every figure queued before it.
 * - `figureHtml(figure)`: a `<div>` and a small `<script>` that draws into it as soon as the
 *   loader has run (at once, or later through the queue), so outputs may render in any order.
 *   An optional PNG sits in the `<div>` until then and stays when scripts do not run.
 * - `figureDocument(figure)`: a self-contained HTML page (bundle inlined).
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import type { PlotlyFigure } from './figure';

let bundleCache: { file: string; text: string } | undefined;

/**
 * Path of the plotly.js bundle that figures inline: the minified copy of `plotly.js-dist` that
 * the build writes to `dist/vendor/plotly.min.js` (under 5 MB), when it is there and matches the
 * installed plotly.js version; otherwise the package's unminified `plotly.js` (about 11 MB).
 */
export function plotlyBundlePath(): string {
  const version = plotlyVersion();
  // dist/report/html.js → dist/vendor; lib/report/html.ts (tests from source) → dist/vendor.
  for (const dir of [path.join(__dirname, '..', 'vendor'), path.join(__dirname, '..', '..', 'dist', 'vendor')]) {
    const file = path.join(dir, 'plotly.min.js');
    try {
      if (fs.readFileSync(`${file}.version`, 'utf8') === version && fs.existsSync(file)) return file;
    } catch {
      // not built here
    }
  }
  return plotlyFullBundlePath();
}

/** Path of the unminified plotly.js bundle shipped by `plotly.js-dist`. */
export function plotlyFullBundlePath(): string {
  return require.resolve('plotly.js-dist/plotly.js');
}

/** Version of the bundled plotly.js. */
export function plotlyVersion(): string {
  const pkg = require.resolve('plotly.js-dist/package.json');
  return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** The plotly.js source, read once, made safe to inline in a `<script>` element. */
function plotlyBundle(): string {
  const file = plotlyBundlePath();
  if (!bundleCache || bundleCache.file !== file) {
    bundleCache = { file, text: escapeScript(fs.readFileSync(file, 'utf8')) };
  }
  return bundleCache.text;
}

/** Keeps `</script` from ending an inline script (it can only occur in strings, regexes and
 * comments, where `<\/` means the same). */
function escapeScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** JSON that can sit inside an inline script (no `<`, U+2028 or U+2029 left raw). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A `<script>` element carrying the whole plotly.js bundle (under 5 MB minified). Evaluating it twice
 * in one page is harmless: the second time it only drains the queue.
 */
export function plotlyLoaderHtml(): string {
  return [
    `<script type="text/javascript" data-saplab="plotly-loader" data-plotly-version="${escapeAttr(plotlyVersion())}">`,
    '(function () {',
    '  var w = window;',
    '  if (!w.__saplabPlotly) {',
    '    var previous = w.Plotly;',
    '    (function (define, module, exports, require) {',
    plotlyBundle(),
    '    }).call(w);',
    '    w.__saplabPlotly = w.Plotly;',
    '    if (previous) w.Plotly = previous;',
    '  }',
    '  var queue = w.__saplabPlotlyQueue || [];',
    '  w.__saplabPlotlyQueue = [];',
    '  for (var i = 0; i < queue.length; i++) {',
    '    try { queue[i](w.__saplabPlotly); } catch (e) { if (w.console) w.console.error(e); }',
    '  }',
    '})();',
    '</script>',
  ].join('\n');
}

/** Options of `figureHtml`. */
export interface FigureHtmlOptions {
  /** `'inline'` puts the loader (the whole bundle) first; `'none'` expects a loader elsewhere
   * in the page (emitted earlier). Default `'none'`. */
  plotly?: 'inline' | 'none';
  /** Id of the `<div>`. Default: a random `saplab-figure-…` id. */
  divId?: string;
  /** A PNG of the figure shown until Plotly draws, and kept where scripts do not run. */
  fallbackPng?: Uint8Array;
  /** Width the fallback PNG is shown at, CSS px. Default `layout.width`, else none. */
  fallbackWidth?: number;
}

/** A fresh id for a figure `<div>`. */
function newFigureId(): string {
  return `saplab-figure-${randomBytes(6).toString('hex')}`;
}

/**
 * The HTML fragment that shows `figure`: (the loader, with `plotly: 'inline'`), a `<div>` sized
 * from `layout.width` / `layout.height` (width 100% and height 450 px when unset) and a script
 * that calls `Plotly.newPlot` on it. Pure: no I/O beyond reading the bundle once.
 */
export function figureHtml(figure: PlotlyFigure, options: FigureHtmlOptions = {}): string {
  checkFigure(figure);
  const id = options.divId ?? newFigureId();
  if (!/^[A-Za-z][\w-]*$/.test(id)) throw new Error(`figureHtml: divId must be a plain HTML id, got ${JSON.stringify(id)}`);
  const width = typeof figure.layout.width === 'number' ? `${figure.layout.width}px` : '100%';
  const height = typeof figure.layout.height === 'number' ? figure.layout.height : 450;
  let fallback = '';
  if (options.fallbackPng) {
    const w = options.fallbackWidth ?? (typeof figure.layout.width === 'number' ? figure.layout.width : undefined);
    const title = typeof figure.layout.title?.text === 'string' ? figure.layout.title.text.replace(/<[^>]*>/g, '') : 'figure';
    fallback = `<img src="data:image/png;base64,${Buffer.from(options.fallbackPng).toString('base64')}" alt="${escapeAttr(title)}"${w ? ` width="${w}"` : ''} style="max-width:100%;height:auto"/>`;
  }
  const config = { displaylogo: false, responsive: true, ...(figure.config ?? {}) };
  const parts = [
    options.plotly === 'inline' ? plotlyLoaderHtml() : '',
    `<div id="${id}" class="saplab-figure" style="width:${width};max-width:100%;height:${height}px;">${fallback}</div>`,
    '<script type="text/javascript">',
    '(function () {',
    `  var id = ${scriptJson(id)};`,
    `  var fig = ${scriptJson({ data: figure.data, layout: figure.layout, config })};`,
    '  function draw(Plotly) {',
    '    var el = document.getElementById(id);',
    '    if (!el) return;',
    "    el.innerHTML = '';",
    '    Plotly.newPlot(el, fig.data, fig.layout, fig.config);',
    '  }',
    '  var w = window;',
    '  if (w.__saplabPlotly) draw(w.__saplabPlotly);',
    '  else (w.__saplabPlotlyQueue = w.__saplabPlotlyQueue || []).push(draw);',
    '})();',
    '</script>',
  ];
  return parts.filter((p) => p !== '').join('\n');
}

/** Options of `figureDocument`. */
export interface FigureDocumentOptions {
  /** `<title>` of the page. Default: the figure's title without markup, else `'saplab figure'`. */
  title?: string;
}

/** A complete, self-contained HTML page showing `figure`, working offline. */
export function figureDocument(figure: PlotlyFigure, options: FigureDocumentOptions = {}): string {
  const title = options.title ?? (typeof figure.layout.title?.text === 'string' ? figure.layout.title.text.replace(/<[^>]*>/g, '') : 'saplab figure');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    `<title>${escapeAttr(title)}</title>`,
    '<style>body { margin: 0; padding: 8px; background: #fff; }</style>',
    '</head>',
    '<body>',
    plotlyLoaderHtml(),
    figureHtml(figure, { divId: 'saplab-figure' }),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Throws unless `figure` looks like `{ data: [...], layout: {...} }` and is JSON-serialisable. */
export function checkFigure(figure: PlotlyFigure): void {
  if (!figure || typeof figure !== 'object' || !Array.isArray(figure.data) || typeof figure.layout !== 'object' || figure.layout === null) {
    throw new Error('expected a Plotly figure { data: [...], layout: {...} }');
  }
}
