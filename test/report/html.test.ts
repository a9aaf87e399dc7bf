import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureDocument, figureHtml, learningCurvesFigure } from 'saplab';
import { plotlyBundlePath, plotlyFullBundlePath, plotlyLoaderHtml, plotlyVersion } from '../../lib/report/html';
import { haveChromium, loadAndWaitForPlots, openBrowser } from './chromium_page';

const fig = learningCurvesFigure({ 'tricky </script><b>name': [3, 2, 1.5, 1.2] }, { reference: { value: 1, name: 'game value' }, width: 500, height: 300 });
const count = (s: string, sub: string) => s.split(sub).length - 1;

describe('figure HTML (pure)', () => {
  it('inlines the whole plotly.js bundle in the loader, behind a guard', () => {
    const loader = plotlyLoaderHtml();
    expect(loader.length).toBeGreaterThan(fs.statSync(plotlyBundlePath()).size * 0.99);
    // The build minifies plotly.js-dist once; the loader carries that copy, under half the original.
    expect(plotlyBundlePath()).toMatch(/dist[\\/]vendor[\\/]plotly\.min\.js$/);
    expect(loader.length).toBeLessThan(fs.statSync(plotlyFullBundlePath()).size * 0.5);
    expect(loader.length).toBeLessThan(6e6);
    expect(loader).toContain(`data-plotly-version="${plotlyVersion()}"`);
    expect(loader).toContain('if (!w.__saplabPlotly)');
    expect(loader).toContain('(function (define, module, exports, require) {');
    expect(count(loader, '</script')).toBe(1);
    expect(loader).not.toMatch(/<script[^>]+src=/);
  });

  it('builds a small div + script that waits for the loader', () => {
    const html = figureHtml(fig, { divId: 'fig-1' });
    expect(html.length).toBeLessThan(10_000);
    expect(html).toContain('<div id="fig-1" class="saplab-figure" style="width:500px;max-width:100%;height:300px;">');
    expect(html).toContain('w.__saplabPlotlyQueue');
    expect(count(html, '</script>')).toBe(1);
    // Raw markup in the figure JSON cannot close the script early.
    const raw = figureHtml({ ...fig, data: [{ ...fig.data[0], name: '</script><b>x' }] }, { divId: 'fig-2' });
    expect(count(raw, '</script>')).toBe(1);
    expect(raw).toContain('"name":"\\u003c/script>\\u003cb>x"');
    expect(figureHtml(fig)).toMatch(/id="saplab-figure-[0-9a-f]{12}"/);
    expect(figureHtml(fig, { plotly: 'inline' }).startsWith('<script type="text/javascript" data-saplab="plotly-loader"')).toBe(true);
  });

  it('embeds a fallback PNG', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    expect(figureHtml(fig, { divId: 'f', fallbackPng: png })).toContain('<img src="data:image/png;base64,iVBORw==" alt="Learning dynamics" width="500"');
  });

  it('makes a self-contained page', () => {
    const doc = figureDocument(fig);
    expect(doc.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(doc).toContain('<title>Learning dynamics</title>');
    expect(doc).toContain('data-saplab="plotly-loader"');
    expect(doc).not.toMatch(/<script[^>]+src=/);
  });

  it('rejects a bad id or a non-figure', () => {
    expect(() => figureHtml(fig, { divId: 'a"b' })).toThrow(/divId/);
    expect(() => figureHtml({ data: 1 } as never)).toThrow(/expected a Plotly figure/);
  });
});

const chromiumHere = haveChromium();

describe.skipIf(!chromiumHere)('figure HTML in Chromium', () => {
  let browser: Browser;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-html-'));
  beforeAll(async () => {
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws notebook outputs in any order, with require.js present, loading plotly.js once', async () => {
    // As in the classic notebook: an AMD loader is on the page. The second figure's output
    // runs before the output carrying the bundle (e.g. rendered first after a reload).
    const amd = '<script>window.define = function () { window.defineCalled = true; }; window.define.amd = {}; window.require = function () {};</script>';
    const later = figureHtml(fig, { divId: 'second', fallbackPng: new Uint8Array([1, 2, 3]) });
    const first = figureHtml(fig, { divId: 'first', plotly: 'inline' });
    const again = figureHtml(fig, { divId: 'third', plotly: 'inline' }); // a second loader is harmless
    const file = path.join(dir, 'notebook.html');
    fs.writeFileSync(file, `<!DOCTYPE html><html><body>${amd}${later}${first}${again}</body></html>`);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await loadAndWaitForPlots(page, `file://${file}`, 3);
    const state = await page.evaluate(`({
      plots: ['first', 'second', 'third'].map((id) => document.querySelectorAll('#' + id + ' .main-svg').length > 0),
      fallbackGone: document.querySelectorAll('#second img').length === 0,
      saplabPlotly: typeof window.__saplabPlotly,
      plotly: typeof window.Plotly,
      defineCalled: window.defineCalled === true,
      legend: Array.from(document.querySelectorAll('#first .legendtext')).map((e) => e.textContent),
    })`);
    expect(state).toEqual({
      plots: [true, true, true],
      fallbackGone: true,
      saplabPlotly: 'object',
      plotly: 'object',
      defineCalled: false,
      legend: ['tricky </script><b>name', 'game value = 1'],
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('exported pages work offline from a file', async () => {
    const file = path.join(dir, 'page.html');
    fs.writeFileSync(file, figureDocument(fig));
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await loadAndWaitForPlots(page, `file://${file}`, 1);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });
});
