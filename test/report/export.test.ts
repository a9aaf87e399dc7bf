import { spawn } from 'child_process';
import * as zlib from 'zlib';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { accuracyVsEpsFigure, adversarialGridFigure, ChromiumNotFoundError, closeBrowser, exportFigure, exportPaperFigure, learningCurvesFigure, paperFigure, pdfInfo, ResultRow, wilsonInterval } from 'saplab';
import { exportFormat } from '../../lib/report/export';
import { haveChromium } from './chromium_page';
import { decodePng, distinctColours, nonWhitePixels } from './png';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-export-'));

const rows: ResultRow[] = ['dense', 'sap'].flatMap((defense, d) =>
  [0, 0.05, 0.1].map((eps, i) => {
    const correct = 90 - i * (30 - 10 * d);
    const w = wilsonInterval(correct, 100);
    return { model: 'cnn', defense, sampleFraction: d ? 1 : null, attack: 'fgsm', eps, accuracy: correct / 100, accuracyLow: w.low, accuracyHigh: w.high, ece: null, nll: null, brier: null, n: 100, seed: 1 };
  }),
);
const fig = accuracyVsEpsFigure(rows, { width: 600, height: 400 });

/** Checks that `xml` is well formed (balanced tags) and returns its root element's start tag. */
function xmlRoot(xml: string): string {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '').replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>/g;
  const stack: string[] = [];
  let root = '';
  let m: RegExpExecArray | null;
  while ((m = tag.exec(body))) {
    if (!root) root = m[0];
    if (m[1]) {
      const open = stack.pop();
      if (open !== m[2]) throw new Error(`</${m[2]}> closes <${open}>`);
    } else if (!m[4]) stack.push(m[2]);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return root;
}

afterAll(async () => {
  await closeBrowser();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('exportFigure without a browser', () => {
  it('writes self-contained HTML even when no browser is found', async () => {
    const old = process.env.SAPLAB_CHROMIUM;
    process.env.SAPLAB_CHROMIUM = path.join(dir, 'no-such-browser');
    try {
      const file = await exportFigure(fig, path.join(dir, 'fig.html'), { width: 640 });
      const html = fs.readFileSync(file, 'utf8');
      expect(file).toBe(path.join(dir, 'fig.html'));
      expect(html).toContain('data-saplab="plotly-loader"');
      expect(html).toContain('style="width:640px;');
      expect(html).not.toMatch(/<script[^>]+src=/);
      const err = await exportFigure(fig, path.join(dir, 'fig.png')).catch((e: Error) => e);
      expect(err).toBeInstanceOf(ChromiumNotFoundError);
      expect((err as Error).message).toMatch(/sudo apt-get install chromium/);
      expect(fs.existsSync(path.join(dir, 'fig.png'))).toBe(false);
    } finally {
      if (old === undefined) delete process.env.SAPLAB_CHROMIUM;
      else process.env.SAPLAB_CHROMIUM = old;
    }
  });

  it('chooses the format by extension', () => {
    expect(exportFormat('a/b.PNG')).toBe('png');
    expect(exportFormat('x.htm')).toBe('html');
    expect(() => exportFormat('x.jpg')).toThrow(/use one of .html, .png, .svg, .pdf/);
    expect(() => exportFormat('noext')).toThrow(/cannot tell the format/);
  });
});

const chromiumHere = haveChromium();

describe.skipIf(!chromiumHere)('exportFigure with Chromium', () => {
  it('writes a PNG of the right size with a drawn plot', async () => {
    const file = await exportFigure(fig, path.join(dir, 'fig.png'), { scale: 2 });
    const png = decodePng(fs.readFileSync(file));
    expect([png.width, png.height]).toEqual([1200, 800]);
    // Lines, bands, text and axes: far from blank, many colours (anti-aliasing, bands).
    expect(nonWhitePixels(png)).toBeGreaterThan(0.02 * png.width * png.height);
    expect(distinctColours(png)).toBeGreaterThan(50);
    const small = decodePng(fs.readFileSync(await exportFigure(fig, path.join(dir, 'small.png'), { width: 300, height: 200 })));
    expect([small.width, small.height]).toEqual([300, 200]);
  });

  it('writes heatmaps too', async () => {
    const img = (v: number) => Array.from({ length: 8 }, (_, r) => Array.from({ length: 8 }, (_, c) => [((r + c) % 8) / 8 + v]));
    const grid = adversarialGridFigure({ clean: [img(0), img(0)], adv: [img(0.05), img(0.1)], labels: [0, 1], predAdv: [1, 1] });
    const png = decodePng(fs.readFileSync(await exportFigure(grid, path.join(dir, 'grid.png'))));
    expect(distinctColours(png)).toBeGreaterThan(20);
  });

  it('writes a well-formed SVG', async () => {
    const file = await exportFigure(fig, path.join(dir, 'fig.svg'));
    const svg = fs.readFileSync(file, 'utf8');
    const root = xmlRoot(svg);
    expect(root).toMatch(/^<svg\b/);
    expect(root).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(root).toMatch(/width="600"/);
    expect(root).toMatch(/height="400"/);
    expect(svg).toContain('Accuracy under attack');
    expect(svg).toContain('dense');
  });

  it('writes a one-page PDF of the figure size', async () => {
    const file = await exportFigure(fig, path.join(dir, 'fig.pdf'));
    const pdf = fs.readFileSync(file);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-1024).toString('latin1')).toContain('%%EOF');
    const text = pdf.toString('latin1');
    expect(text.match(/\/Type\s*\/Page\b/g)).toHaveLength(1);
    // 600 × 400 CSS px = 450 × 300 pt.
    const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(text);
    expect(box).not.toBeNull();
    expect(Number(box![1])).toBeCloseTo(450, 0);
    expect(Number(box![2])).toBeCloseTo(300, 0);
  });

  it('lets a script exit by itself after exporting', async () => {
    const bin = path.resolve('node_modules/.bin/vite-node');
    const child = spawn(bin, ['test/report/fixtures/export_and_exit.ts', dir], { cwd: path.resolve('.'), env: { ...process.env, SAPLAB_BROWSER_IDLE_MS: '500' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const exitedAt = Date.now();
    expect({ code, err: err.replace(/.*unexpected operator\n?/g, '') }).toEqual({ code: 0, err: '' });
    expect(out).toContain('"launches":1,"renders":2');
    const done = Number(/DONE (\d+)/.exec(out)![1]);
    expect(exitedAt - done).toBeLessThan(15_000);
    expect(fs.existsSync(path.join(dir, 'a.png')) && fs.existsSync(path.join(dir, 'a.svg'))).toBe(true);
  }, 180_000);
});

/** The PDF's objects and inflated streams, enough to check page size, fonts, text and images. */
function readPdf(bytes: Buffer): { text: string; streams: string[] } {
  const text = bytes.toString('latin1');
  const streams: string[] = [];
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    const raw = bytes.subarray(start, end);
    try {
      streams.push(zlib.inflateSync(raw).toString('latin1'));
    } catch {
      streams.push(raw.toString('latin1'));
    }
    re.lastIndex = end;
  }
  return { text, streams };
}

describe.skipIf(!haveChromium())('exportPaperFigure', () => {
  const lineFig = learningCurvesFigure({ 'SAP-100': [0.9, 0.5, 0.2], dense: [0.9, 0.3, 0.05] }, { title: 'accuracy', xTitle: 'λ', yTitle: 'accuracy' });

  it('writes a one-page vector PDF of the requested size with embedded fonts and real text', async () => {
    const out = await exportPaperFigure(lineFig, path.join(dir, 'paper.pdf'), { widthInches: 3.25, heightInches: 2 });
    expect([out.widthPx, out.heightPx]).toEqual([312, 192]);
    const bytes = fs.readFileSync(out.file);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const { text, streams } = readPdf(bytes);
    expect(text.match(/\/Type\s*\/Page\b/g)).toHaveLength(1);
    const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(text)!;
    expect(Math.abs(Number(box[1]) - 3.25 * 72)).toBeLessThan(0.5);
    expect(Math.abs(Number(box[2]) - 2 * 72)).toBeLessThan(0.5);
    expect(text).toMatch(/\/Type\s*\/Font\b/);
    expect(text).toMatch(/\/FontFile2?\b/);
    const content = streams.join('\n');
    expect(content).toMatch(/\bBT\b[\s\S]*?\bT[jJ]\b[\s\S]*?\bET\b/);
    expect(text).not.toMatch(/\/Subtype\s*\/Image/);
    // pdfInfo reads the same facts.
    expect(pdfInfo(bytes)).toMatchObject({ pages: 1, fontsEmbedded: true, hasText: true, images: 0 });
    expect(pdfInfo(bytes).fonts.length).toBeGreaterThan(0);
    expect(Math.round(pdfInfo(bytes).widthPt)).toBe(234);
    expect(() => pdfInfo(Buffer.from('no'))).toThrow(/not a PDF/);
  });

  it('writes SVG sized in inches and a 300 dpi PNG of the implied pixel size', async () => {
    const svg = fs.readFileSync((await exportPaperFigure(lineFig, path.join(dir, 'paper.svg'), { widthInches: 6.75, heightInches: 3 })).file, 'utf8');
    const root = xmlRoot(svg);
    expect(root).toMatch(/width="6.75in"/);
    expect(root).toMatch(/height="3in"/);
    expect(root).toMatch(/viewBox="0 0 648 288"/);
    expect(svg).toContain('<text');
    const png = fs.readFileSync((await exportPaperFigure(lineFig, path.join(dir, 'paper.png'), { widthInches: 3.25, heightInches: 2 })).file);
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([975, 600]);
    const phys = png.indexOf('pHYs');
    expect(phys).toBeGreaterThan(0);
    expect([png.readUInt32BE(phys + 4), png.readUInt32BE(phys + 8), png[phys + 12]]).toEqual([11811, 11811, 1]);
    expect(nonWhitePixels(img)).toBeGreaterThan(1000);
  });

  it('lays the figure out in points, without the title by default', () => {
    const p = paperFigure(lineFig, { widthInches: 3.25, fontPt: 9 });
    expect(p.layout.width).toBe(312);
    expect(p.layout.title).toBeUndefined();
    expect((p.layout.font as { size: number }).size).toBe(12);
    expect(paperFigure(lineFig, { keepTitle: true }).layout.title?.text).toBe('accuracy');
    expect(p.layout.legend).toMatchObject({ orientation: 'h', y: 1.02, yanchor: 'bottom', title: { text: '' } });
    const onePanel = { ...lineFig, layout: { ...lineFig.layout, annotations: [{ text: 'panel', x: 0.5, y: 1 }] } };
    expect(paperFigure(onePanel).layout.annotations).toBeUndefined();
    const twoPanels = { ...lineFig, layout: { ...lineFig.layout, annotations: [{ text: 'a', x: 0.2, y: 1 }, { text: 'b', x: 0.8, y: 1 }] } };
    expect(paperFigure(twoPanels).layout.annotations).toHaveLength(2);
    expect((paperFigure(twoPanels).layout.legend as { y: number }).y).toBe(1.12);
    expect(lineFig.layout.width).toBe(760);
    expect(() => paperFigure(lineFig, { widthInches: 0.2 })).toThrow(/widthInches/);
  });

  it('rejects HTML and a bad dpi', async () => {
    await expect(exportPaperFigure(lineFig, path.join(dir, 'x.html'))).rejects.toThrow(/pdf, .svg or .png/);
    await expect(exportPaperFigure(lineFig, path.join(dir, 'x.png'), { dpi: 5 })).rejects.toThrow(/dpi/);
    expect(fs.existsSync(path.join(dir, 'x.png'))).toBe(false);
  });
});
