/**
 * Rendering figures to PNG, SVG and PDF in a real headless Chromium driven by `playwright-core`.
 *
 * The browser is found, never downloaded: `SAPLAB_CHROMIUM` when set, else the usual system
 * paths (`/usr/bin/chromium` on Debian, `google-chrome`, ... on the `PATH`, macOS app bundles).
 * One browser with one page holding plotly.js is shared by all renders and closed after
 * `idleMs` without work (default 2 s, or `SAPLAB_BROWSER_IDLE_MS`), so a script that exports
 * figures exits by itself shortly after the last one; `closeBrowser()` closes it at once.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { checkFigure, plotlyBundlePath, scriptJson } from './html';
import type { PlotlyFigure } from './figure';

/** Flags Chromium is started with: headless, no sandbox, no GPU, no network chatter. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const FIXED_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

/** Raised when no browser can be found; says how to install one. */
export class ChromiumNotFoundError extends Error {
  constructor(detail: string) {
    super(
      `${detail}. Rendering figures to PNG, SVG or PDF needs a Chromium or Chrome browser: install one ` +
        '(Debian/Ubuntu: `sudo apt-get install chromium`; macOS: install Google Chrome) or set SAPLAB_CHROMIUM ' +
        'to the browser executable. Exporting to .html needs no browser.',
    );
    this.name = 'ChromiumNotFoundError';
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The browser executable saplab would use, or `undefined`: `SAPLAB_CHROMIUM` when set (even
 * when it does not exist, so `chromiumPath()` can say so), else the first system Chromium or
 * Chrome found.
 */
export function findChromium(): string | undefined {
  const env = process.env.SAPLAB_CHROMIUM;
  if (env) return env;
  for (const p of FIXED_PATHS) if (isExecutable(p)) return p;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of PATH_NAMES) {
      const p = path.join(dir, name);
      if (isExecutable(p)) return p;
    }
  }
  return undefined;
}

/** The browser executable, or a `ChromiumNotFoundError` explaining how to get one. */
export function chromiumPath(): string {
  const found = findChromium();
  if (!found) throw new ChromiumNotFoundError('No Chromium or Chrome browser found');
  if (!isExecutable(found)) throw new ChromiumNotFoundError(`SAPLAB_CHROMIUM=${found} is not an executable file`);
  return found;
}

/** Whether a browser for PNG/SVG/PDF rendering is available. */
export function chromiumAvailable(): boolean {
  try {
    chromiumPath();
    return true;
  } catch {
    return false;
  }
}

/** Options of rendering a figure in the browser. */
export interface RenderOptions {
  /** Output format. */
  format: 'png' | 'svg' | 'pdf';
  /** Width in CSS pixels. Default `layout.width`, else 800. */
  width?: number;
  /** Height in CSS pixels. Default `layout.height`, else 500. */
  height?: number;
  /** Pixel density of PNG output (2 doubles the pixel dimensions). Default 1; ignored by SVG
   * and PDF, which are vector formats. */
  scale?: number;
  /** Browser executable. Default `chromiumPath()`. */
  executablePath?: string;
  /** Milliseconds the shared browser stays open after the last render. Default 2000, or
   * `SAPLAB_BROWSER_IDLE_MS`. */
  idleMs?: number;
}

interface Session {
  executablePath: string;
  browser: Browser;
  page: Page;
}

let session: Promise<Session> | undefined;
let sessionPath: string | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let active = 0;
let queue: Promise<unknown> = Promise.resolve();
let launches = 0;
let renders = 0;

const PAGE_URL = 'http://saplab.invalid/render.html';
// Page-side helpers, kept as plain JavaScript so that no transpiler touches what runs in the page.
const PAGE_HELPERS = `
window.__saplabRender = {
  clear: function () {
    document.querySelectorAll('.saplab-render').forEach(function (el) { window.Plotly.purge(el); el.remove(); });
    return true;
  },
  toImage: function (a) {
    return window.Plotly.toImage({ data: a.fig.data, layout: a.fig.layout, config: a.fig.config },
      { format: a.format, width: a.width, height: a.height, scale: a.scale });
  },
  draw: function (a) {
    this.clear();
    var div = document.createElement('div');
    div.className = 'saplab-render';
    div.style.width = a.width + 'px';
    div.style.height = a.height + 'px';
    document.body.appendChild(div);
    var layout = Object.assign({}, a.fig.layout, { width: a.width, height: a.height });
    var config = Object.assign({}, a.fig.config, { staticPlot: true, responsive: false });
    return window.Plotly.newPlot(div, a.fig.data, layout, config).then(function () { return true; });
  }
};`;
const PAGE_HTML =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><style>html, body { margin: 0; padding: 0; background: #fff; }</style></head>' +
  `<body><script src="plotly.js"></script><script>${PAGE_HELPERS}</script></body></html>`;

/** Calls a page helper with JSON arguments and returns its (awaited) result. */
function callPage<T>(page: Page, helper: 'clear' | 'toImage' | 'draw', arg: unknown = {}): Promise<T> {
  return page.evaluate(`window.__saplabRender.${helper}(${scriptJson(arg)})`) as Promise<T>;
}

async function launch(executablePath: string): Promise<Session> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: 90_000 });
  } catch (e) {
    throw new Error(`could not start the browser at ${executablePath}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    const page = await browser.newPage();
    page.on('crash', () => void closeBrowser());
    // Serve the page and plotly.js from memory and disk: nothing goes to the network.
    await page.route('http://saplab.invalid/**', (route) => {
      if (route.request().url().endsWith('/plotly.js')) {
        return route.fulfill({ path: plotlyBundlePath(), contentType: 'text/javascript; charset=utf-8' });
      }
      return route.fulfill({ body: PAGE_HTML, contentType: 'text/html; charset=utf-8' });
    });
    await page.goto(PAGE_URL, { waitUntil: 'load', timeout: 120_000 });
    const ok = await page.evaluate("typeof window.Plotly === 'object' && typeof window.__saplabRender === 'object'");
    if (!ok) throw new Error('plotly.js did not load in the browser');
    browser.on('disconnected', () => {
      if (sessionPath === executablePath) {
        session = undefined;
        sessionPath = undefined;
      }
    });
    return { executablePath, browser, page };
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw e;
  }
}

async function getSession(executablePath: string): Promise<Session> {
  if (session && sessionPath !== executablePath) await closeBrowser();
  if (!session) {
    sessionPath = executablePath;
    launches++;
    session = launch(executablePath);
    session.catch(() => {
      if (sessionPath === executablePath) {
        session = undefined;
        sessionPath = undefined;
      }
    });
  }
  return session;
}

function idleDelay(options: { idleMs?: number }): number {
  const env = Number(process.env.SAPLAB_BROWSER_IDLE_MS);
  const ms = options.idleMs ?? (Number.isFinite(env) && process.env.SAPLAB_BROWSER_IDLE_MS ? env : 2000);
  if (!(ms >= 0)) throw new Error(`idleMs must be >= 0, got ${ms}`);
  return ms;
}

/** Closes the shared browser now (no-op when none is open). Renders in flight finish first. */
export async function closeBrowser(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  const s = session;
  session = undefined;
  sessionPath = undefined;
  if (!s) return;
  await queue.catch(() => undefined);
  try {
    const { browser } = await s;
    await browser.close();
  } catch {
    // The launch failed or the browser is gone: nothing to close.
  }
}

/** The shared browser's state: open (or starting) now, launches and renders so far. */
export function browserStats(): { open: boolean; launches: number; renders: number } {
  return { open: session !== undefined, launches, renders };
}

/** Runs `job` on the shared page, one job at a time, keeping the browser open meanwhile. */
async function withPage<T>(options: { executablePath?: string; idleMs?: number }, job: (page: Page) => Promise<T>): Promise<T> {
  const executablePath = options.executablePath ?? chromiumPath();
  const idle = idleDelay(options);
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  active++;
  try {
    const s = await getSession(executablePath);
    const run = queue.then(() => {
      renders++;
      return job(s.page);
    });
    queue = run.catch(() => undefined);
    return await run;
  } finally {
    active--;
    if (active === 0 && session) {
      idleTimer = setTimeout(() => {
        idleTimer = undefined;
        if (active === 0) void closeBrowser();
      }, idle);
    }
  }
}

function dimension(v: number | undefined, fallback: number, what: string): number {
  const d = v ?? fallback;
  if (!Number.isFinite(d) || d < 10 || d > 10_000) throw new Error(`${what} must be between 10 and 10000 pixels, got ${d}`);
  return Math.round(d);
}

/**
 * Renders `figure` in headless Chromium and returns the file bytes: PNG (`Plotly.toImage`,
 * `width·scale × height·scale` pixels), SVG (`Plotly.toImage`; heatmaps inside are embedded
 * images) or PDF (one page of `width × height` CSS px, vector, from the drawn plot).
 * Throws `ChromiumNotFoundError` when no browser is available.
 */
export async function renderFigure(figure: PlotlyFigure, options: RenderOptions): Promise<Buffer> {
  checkFigure(figure);
  const { format } = options;
  if (format !== 'png' && format !== 'svg' && format !== 'pdf') throw new Error(`renderFigure: unknown format ${JSON.stringify(format)}; use png, svg or pdf`);
  const width = dimension(options.width, typeof figure.layout.width === 'number' ? figure.layout.width : 800, 'width');
  const height = dimension(options.height, typeof figure.layout.height === 'number' ? figure.layout.height : 500, 'height');
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10) throw new Error(`scale must be in (0, 10], got ${scale}`);
  const fig = { data: figure.data, layout: figure.layout, config: figure.config ?? {} };
  return withPage(options, async (page) => {
    if (format === 'pdf') {
      await callPage(page, 'draw', { fig, width, height });
      try {
        return await page.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, margin: { top: '0', right: '0', bottom: '0', left: '0' }, pageRanges: '1' });
      } finally {
        await callPage(page, 'clear');
      }
    }
    const url = await callPage<string>(page, 'toImage', { fig, format, width, height, scale });
    const comma = url.indexOf(',');
    if (comma < 0) throw new Error(`renderFigure: unexpected image data from plotly.js: ${url.slice(0, 40)}`);
    const head = url.slice(0, comma);
    const body = url.slice(comma + 1);
    return head.endsWith(';base64') ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'utf8');
  });
}
