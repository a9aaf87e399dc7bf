import { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { closeBrowser, learningCurvesFigure, MimeBundle, notebookOutput, resetShow, show, tslabDisplay } from 'saplab';
import { haveChromium } from './chromium_page';
import { decodePng } from './png';

const fig = learningCurvesFigure({ loss: [3, 2, 1] }, { width: 420, height: 260 });
const LOADER = 'data-saplab="plotly-loader"';

afterEach(() => resetShow());

describe('notebookOutput', () => {
  it('builds the MIME bundle without a kernel', () => {
    const first = notebookOutput(fig, { includePlotly: true });
    expect(first['text/html']).toContain(LOADER);
    expect(first['text/plain']).toBe('Plotly figure "Learning dynamics" (1 trace)');
    expect(first['image/png']).toBeUndefined();
    const later = notebookOutput(fig, { png: new Uint8Array([0x89, 0x50]) });
    expect(later['text/html']).not.toContain(LOADER);
    expect(later['text/html'].length).toBeLessThan(10_000);
    expect(later['image/png']).toBe('iVA=');
    expect(later['text/html']).toContain('data:image/png;base64,iVA=');
  });
});

describe('show', () => {
  it('sends the plotly.js bundle once, then small outputs', async () => {
    const sent: MimeBundle[] = [];
    const display = (b: MimeBundle) => sent.push(b);
    const hasLoader = (i: number) => sent[i]['text/html'].includes(LOADER);
    // Resolves to undefined once displayed, so a notebook cell prints nothing more.
    expect(await show(fig, { display, staticImage: false })).toBeUndefined();
    await show(fig, { display, staticImage: false });
    expect(sent).toHaveLength(2);
    expect([hasLoader(0), hasLoader(1)]).toEqual([true, false]);
    expect(sent[1]['text/html'].length).toBeLessThan(10_000);
    expect(sent[1]['text/plain']).toBe('Plotly figure "Learning dynamics" (1 trace)');
    // Forced either way, and again after resetShow().
    await show(fig, { display, staticImage: false, plotly: 'always' });
    resetShow();
    await show(fig, { display, staticImage: false, plotly: 'never' });
    await show(fig, { display, staticImage: false });
    expect([hasLoader(2), hasLoader(3), hasLoader(4)]).toEqual([true, false, true]);
  });

  it('sends the bundle once even when calls overlap', async () => {
    const sent: MimeBundle[] = [];
    await Promise.all([0, 1, 2].map(() => show(fig, { display: (b) => sent.push(b), staticImage: false })));
    expect(sent.filter((b) => b['text/html'].includes(LOADER))).toHaveLength(1);
  });

  it('sends nothing and says so outside a kernel', async () => {
    expect(tslabDisplay()).toBeUndefined();
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const r = (await show(fig))!;
      const r2 = (await show(fig))!;
      expect(r.displayed).toBe(false);
      expect(r.html).not.toContain(LOADER);
      expect(r.png).toBeUndefined();
      expect(r.html).toContain('Plotly.newPlot');
      expect(r.output['text/html']).toBe(r.html);
      expect(r2.displayed).toBe(false);
      const notices = spy.mock.calls.map((c) => String(c[0])).filter((s) => s.includes('not running in a tslab kernel'));
      expect(notices).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it("writes to the running tslab kernel's display", async () => {
    // What the kernel process holds: tslab's jupyter module, with the live writer of the cell.
    const req = createRequire(path.resolve('package.json'));
    const file = path.join(os.tmpdir(), 'kernel', 'node_modules', 'tslab', 'dist', 'jupyter.js');
    const calls: unknown[][] = [];
    req.cache[file] = { id: file, filename: file, loaded: true, exports: { lastWriteDisplayData: (...args: unknown[]) => calls.push(args) } } as unknown as NodeJS.Module;
    try {
      expect(tslabDisplay()).toBeDefined();
      expect(await show(fig, { staticImage: false })).toBeUndefined();
      expect(calls).toHaveLength(1);
      const [msg, update] = calls[0] as [{ data: MimeBundle; metadata: object; transient: object }, boolean];
      expect(update).toBe(false);
      expect(Object.keys(msg.data).sort()).toEqual(['text/html', 'text/plain']);
      expect(msg.data['text/html']).toContain(LOADER);
      expect(msg.metadata).toEqual({});
    } finally {
      delete req.cache[file];
    }
  });

  it("falls back to the notebook's tslab.display.html", async () => {
    const html: string[] = [];
    const g = globalThis as { __tslab__?: unknown };
    g.__tslab__ = { require: (id: string) => (id === 'tslab' ? { display: { html: (s: string) => html.push(s) } } : undefined) };
    try {
      expect(await show(fig, { staticImage: false })).toBeUndefined();
      expect(html).toHaveLength(1);
      expect(html[0]).toContain(LOADER);
    } finally {
      delete g.__tslab__;
    }
  });
});

const chromiumHere = haveChromium();

describe.skipIf(!chromiumHere)('show with a static image', () => {
  afterAll(async () => {
    await closeBrowser();
  });

  it('adds a PNG to the output and inside the HTML', async () => {
    const sent: MimeBundle[] = [];
    await show(fig, { display: (b) => sent.push(b), scale: 2, idleMs: 500 });
    const png = decodePng(Buffer.from(sent[0]['image/png']!, 'base64'));
    expect([png.width, png.height]).toEqual([840, 520]);
    expect(sent[0]['text/html']).toContain(`<img src="data:image/png;base64,${sent[0]['image/png']}"`);
    expect(sent[0]['text/html']).toContain('width="420"');
  });
});
