import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { bookMain, bookPage, buildBook, checkBook } from '../../lib/cli/book';
import { jupyterMissing, runNotebooks } from '../../lib/cli/notebooks';
import { chromiumAvailable } from '../../lib/report/browser';
import { systemComponent } from '../helpers';

const python = process.env.SAPLAB_PYTHON ?? '/usr/bin/python3';
const distBuilt = fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'index.js'));
const canBuild = systemComponent('Jupyter, Chromium and a built dist/', () => jupyterMissing(python) === undefined && chromiumAvailable() && distBuilt);

describe('bookPage', () => {
  const fig = { data: [{ type: 'scatter', x: [1], y: [2] }], layout: { width: 300 } };
  const notebook = { cells: [{ outputs: [{ output_type: 'display_data', data: { 'image/png': 'AAAA\n', 'application/vnd.plotly.v1+json': fig } }, { output_type: 'display_data', data: { 'image/png': 'BBBB' } }] }] };
  const html = '<html><head></head><body><img src="data:image/png;base64,AAAA"><img src="data:image/png;base64,BBBB"><script src="file:///usr/share/javascript/mathjax/MathJax.js?config=x"></script></body></html>';

  it('tags the figure images, links local assets and adds navigation and scripts', () => {
    const page = bookPage(html, notebook, { index: 'index.html', next: { file: '02_b.html', title: 'B <2>', figures: 0 }, figuresScript: '01_a.figures.js' });
    expect(page.figures).toEqual([fig]);
    expect(page.html).toContain('<img src="data:image/png;base64,AAAA" data-saplab-figure="0">');
    expect(page.html).toContain('<img src="data:image/png;base64,BBBB">');
    expect(page.html).toContain('src="assets/mathjax/MathJax.js?config=x"');
    expect(page.html).not.toContain('file:///');
    expect(page.html).toContain('<a href="02_b.html">next →: B &lt;2&gt;</a>');
    expect(page.html.indexOf('assets/plotly.min.js')).toBeLessThan(page.html.indexOf('assets/book.js'));
  });

  it('rejects unknown flags and a missing --from with exit code 2', async () => {
    const err = process.stderr.write;
    process.stderr.write = () => true;
    try {
      expect(await bookMain(['--nope'])).toBe(2);
      expect(await bookMain(['--from', path.join(__dirname, 'no-such-dir')])).toBe(2);
    } finally {
      process.stderr.write = err;
    }
  });
});

describe.skipIf(!canBuild)('buildBook', () => {
  it('writes an index and a page per notebook whose figures draw without console errors', async () => {
    const dir = fs.mkdtempSync(path.join(__dirname, '..', '..', 'notebooks', '.probe-book-'));
    try {
      const src = path.join(dir, 'src');
      fs.mkdirSync(src);
      const cells = [
        { cell_type: 'markdown', metadata: {}, source: '# A probe\n\nWith math: $x^2$.' },
        { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: "import { learningCurvesFigure, show } from 'saplab';\nawait show(learningCurvesFigure({ loss: [3, 2, 1] }));" },
      ];
      fs.writeFileSync(path.join(src, '01_probe.ipynb'), JSON.stringify({ cells, metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } }, nbformat: 4, nbformat_minor: 5 }));
      const executed = path.join(dir, 'executed');
      expect(runNotebooks({ notebooks: [path.join(src, '01_probe.ipynb')], outDir: executed, log: () => {} }).map((r) => r.ok)).toEqual([true]);
      const book = buildBook({ fromDir: executed, notebooksDir: src, outDir: path.join(dir, 'book'), log: () => {} });
      expect(book.pages).toEqual([{ file: '01_probe.html', title: 'A probe', figures: 1 }]);
      expect(fs.readFileSync(book.index, 'utf8')).toContain('<a href="01_probe.html">A probe</a>');
      expect(await checkBook(book)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
