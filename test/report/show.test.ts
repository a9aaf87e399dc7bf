import { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { closeBrowser, learningCurvesFigure, show, showTable } from 'saplab';
import { displayable, displayTable, escapeHtml, figureBundle, JUPYTER_DISPLAY, MimeBundle, notebookOutput, PLOTLY_MIME, resetShow, tableBundle, tslabDisplay } from '../../lib/report/show';
import { haveChromium } from './chromium_page';
import { decodePng } from './png';

const fig = learningCurvesFigure({ loss: [3, 2, 1] }, { width: 420, height: 260 });
const LOADER = 'data-saplab="plotly-loader"';
const SUMMARY = 'Plotly figure "Learning dynamics" (1 trace)';

afterEach(() => resetShow());

describe('figureBundle', () => {
  it('carries the plotly JSON and the text, and no plotly.js', () => {
    const b = figureBundle(fig);
    expect(Object.keys(b).sort()).toEqual([PLOTLY_MIME, 'text/plain'].sort());
    expect(PLOTLY_MIME).toBe('application/vnd.plotly.v1+json');
    expect(b[PLOTLY_MIME]).toEqual({ data: fig.data, layout: fig.layout, config: fig.config });
    expect(b['text/plain']).toBe(SUMMARY);
    // Plain JSON: the whole bundle survives a JSON round trip unchanged and stays small.
    expect(JSON.parse(JSON.stringify(b))).toEqual(b);
    expect(JSON.stringify(b).length).toBeLessThan(10_000);
    const withPng = figureBundle(fig, { png: new Uint8Array([0x89, 0x50]) });
    expect(withPng['image/png']).toBe('iVA=');
    expect(withPng['text/html']).toBeUndefined();
  });

  it('adds the interactive HTML only on request', () => {
    const first = notebookOutput(fig, { includePlotly: true });
    expect(first['text/html']).toContain(LOADER);
    expect(first[PLOTLY_MIME]).toBeDefined();
    const later = notebookOutput(fig, { png: new Uint8Array([0x89, 0x50]) });
    expect(later['text/html']).not.toContain(LOADER);
    expect(later['text/html']).toContain('data:image/png;base64,iVA=');
    expect(() => figureBundle(fig, { html: 'yes' as never })).toThrow(/html must be/);
  });
});

describe('show', () => {
  it('sends plotly JSON without plotly.js by default', async () => {
    const sent: MimeBundle[] = [];
    expect(await show(fig, { display: (b) => sent.push(b), staticImage: false })).toBeUndefined();
    await show(fig, { display: (b) => sent.push(b), staticImage: false });
    expect(sent).toHaveLength(2);
    for (const b of sent) {
      expect(Object.keys(b).sort()).toEqual([PLOTLY_MIME, 'text/plain'].sort());
      expect(JSON.stringify(b)).not.toContain('plotly-loader');
    }
  });

  it('with html: true, sends the plotly.js bundle once, then small outputs', async () => {
    const sent: MimeBundle[] = [];
    const display = (b: MimeBundle) => sent.push(b);
    const hasLoader = (i: number) => sent[i]['text/html']!.includes(LOADER);
    await show(fig, { display, staticImage: false, html: true });
    await show(fig, { display, staticImage: false, html: true });
    expect([hasLoader(0), hasLoader(1)]).toEqual([true, false]);
    expect(sent[1]['text/html']!.length).toBeLessThan(10_000);
    expect(sent[1][PLOTLY_MIME]).toBeDefined();
    await show(fig, { display, staticImage: false, html: true, plotly: 'always' });
    resetShow();
    await show(fig, { display, staticImage: false, html: true, plotly: 'never' });
    await show(fig, { display, staticImage: false, html: true });
    expect([hasLoader(2), hasLoader(3), hasLoader(4)]).toEqual([true, false, true]);
  });

  it('sends the bundle once even when calls overlap', async () => {
    const sent: MimeBundle[] = [];
    await Promise.all([0, 1, 2].map(() => show(fig, { display: (b) => sent.push(b), staticImage: false, html: true })));
    expect(sent.filter((b) => b['text/html']!.includes(LOADER))).toHaveLength(1);
  });

  it('rejects a bad scale or plotly mode', async () => {
    await expect(show(fig, { display: () => {}, scale: 0 })).rejects.toThrow(/scale/);
    await expect(show(fig, { display: () => {}, plotly: 'x' as never })).rejects.toThrow(/plotly must be/);
  });

  it('sends nothing and says so outside a kernel', async () => {
    expect(tslabDisplay()).toBeUndefined();
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const r = (await show(fig))!;
      const r2 = (await show(fig))!;
      expect(r.displayed).toBe(false);
      expect(r.png).toBeUndefined();
      expect(r.output[PLOTLY_MIME]).toBeDefined();
      expect(r.output['text/html']).toBeUndefined();
      expect(r2.displayed).toBe(false);
      const notices = spy.mock.calls.map((c) => String(c[0])).filter((s) => s.includes('not running in a tslab kernel'));
      expect(notices).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it("writes the whole bundle, JSON included, to the running tslab kernel's display", async () => {
    // What the kernel process holds: tslab's jupyter module, with the live writer of the cell.
    const req = createRequire(path.resolve('package.json'));
    const file = path.join(os.tmpdir(), 'kernel', 'node_modules', 'tslab', 'dist', 'jupyter.js');
    const calls: unknown[][] = [];
    req.cache[file] = { id: file, filename: file, loaded: true, exports: { lastWriteDisplayData: (...args: unknown[]) => calls.push(args) } } as unknown as NodeJS.Module;
    try {
      expect(tslabDisplay()).toBeDefined();
      expect(await show(fig, { staticImage: false })).toBeUndefined();
      expect(calls).toHaveLength(1);
      const [msg, update] = calls[0] as [{ data: Record<string, unknown>; metadata: object; transient: object }, boolean];
      expect(update).toBe(false);
      expect(Object.keys(msg.data).sort()).toEqual([PLOTLY_MIME, 'text/plain'].sort());
      // tslab sends `data` as JSON: the figure must be an object, not a string.
      expect(typeof msg.data[PLOTLY_MIME]).toBe('object');
      expect(msg.metadata).toEqual({});
    } finally {
      delete req.cache[file];
    }
  });

  it("falls back to the notebook's tslab.display", async () => {
    const html: string[] = [];
    const g = globalThis as { __tslab__?: unknown };
    g.__tslab__ = { require: (id: string) => (id === 'tslab' ? { display: { html: (s: string) => html.push(s) } } : undefined) };
    try {
      expect(await show(fig, { staticImage: false, html: true })).toBeUndefined();
      expect(html).toHaveLength(1);
      expect(html[0]).toContain(LOADER);
    } finally {
      delete g.__tslab__;
    }
  });
});

describe('tables', () => {
  const rows = [
    { defense: '<script>alert(1)</script>', accuracy: 0.91234567, n: 100 },
    { defense: 'SAP-100 & "dense"', accuracy: 0.5, n: 100 },
  ];

  it('escapes every header and cell in the HTML', () => {
    const b = tableBundle(rows, { caption: 'a < b' });
    expect(Object.keys(b).sort()).toEqual(['text/html', 'text/plain']);
    expect(b['text/html']).not.toContain('<script>');
    expect(b['text/html']).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(b['text/html']).toContain('SAP-100 &amp; &quot;dense&quot;');
    expect(b['text/html']).toContain('<caption>a &lt; b</caption>');
    expect(b['text/html']).toContain('<td style="text-align:right">0.9123</td>');
    expect(escapeHtml(`<a href='x'>&</a>`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
    const escapedKey = tableBundle([{ '<b>': 1 }]);
    expect(escapedKey['text/html']).toContain('<th style="text-align:right">&lt;b&gt;</th>');
  });

  it('aligns the text columns, numbers to the right', () => {
    const lines = tableBundle(rows.slice(1), { digits: 2 })['text/plain'].split('\n');
    expect(lines).toEqual(['defense            accuracy    n', '-----------------  --------  ---', 'SAP-100 & "dense"       0.5  100']);
    expect(() => tableBundle(rows, { digits: -1 })).toThrow(/digits/);
  });

  it('answers Jupyter.display and shows through the sink', () => {
    const t = displayTable(rows);
    expect(t[JUPYTER_DISPLAY]()).toEqual(tableBundle(rows));
    expect(Symbol.for('Jupyter.display')).toBe(JUPYTER_DISPLAY);
    const sent: MimeBundle[] = [];
    expect(showTable(rows, { display: (b) => sent.push(b) })).toBeUndefined();
    expect(sent[0]).toEqual(tableBundle(rows));
  });
});

describe('displayable figures', () => {
  it('figure builders return figures that answer Jupyter.display, JSON unchanged', async () => {
    const f = learningCurvesFigure({ loss: [1, 2] });
    expect(typeof (f as unknown as Record<symbol, unknown>)[JUPYTER_DISPLAY]).toBe('function');
    expect(Object.keys(f)).toEqual(['data', 'layout', 'config']);
    expect(JSON.parse(JSON.stringify(f))).toEqual({ data: f.data, layout: f.layout, config: f.config });
    const plain = { data: [{ type: 'scatter', x: [1], y: [2] }], layout: { title: { text: 't' } } };
    expect(displayable(plain)).toBe(plain);
  });
});

const chromiumHere = haveChromium();

describe.skipIf(!chromiumHere)('show with a static image', () => {
  afterAll(async () => {
    await closeBrowser();
  });

  it('adds a PNG at 1.5x next to the plotly JSON', async () => {
    const sent: MimeBundle[] = [];
    await show(fig, { display: (b) => sent.push(b), idleMs: 500 });
    const png = decodePng(Buffer.from(sent[0]['image/png']!, 'base64'));
    expect([png.width, png.height]).toEqual([630, 390]);
    await show(fig, { display: (b) => sent.push(b), idleMs: 500, scale: 2 });
    expect(decodePng(Buffer.from(sent[1]['image/png']!, 'base64')).width).toBe(840);
    expect(Object.keys(sent[0]).sort()).toEqual([PLOTLY_MIME, 'image/png', 'text/plain'].sort());
  });

  it('Jupyter.display resolves to the same bundle, PNG included', async () => {
    const f = learningCurvesFigure({ loss: [3, 2, 1] }, { width: 200, height: 150 });
    const b = await (f as unknown as Record<symbol, () => Promise<MimeBundle>>)[JUPYTER_DISPLAY]();
    expect(b[PLOTLY_MIME]).toEqual({ data: f.data, layout: f.layout, config: f.config });
    const png = decodePng(Buffer.from(b['image/png']!, 'base64'));
    expect([png.width, png.height]).toEqual([300, 225]);
  });
});
