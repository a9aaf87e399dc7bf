import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkExecutedNotebook, checkPageInChromium, listNotebooks, MAX_EXECUTED_NOTEBOOK_BYTES, notebookDirtiness, runNotebooks, jupyterMissing } from '../../lib/cli/notebooks';
import { chromiumAvailable } from '../../lib/report/browser';
import { encodePng } from '../../lib/report/png';
import { systemComponent } from '../helpers';

const python = process.env.SAPLAB_PYTHON ?? '/usr/bin/python3';
const distBuilt = fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'index.js'));
const hasChromium = systemComponent('chromium', () => chromiumAvailable());
const hasJupyter = systemComponent('Jupyter (nbconvert, nbclient) and a built dist/', () => jupyterMissing(python) === undefined && distBuilt);

function notebook(file: string, cells: [string, string][], dirty = false): void {
  const nb = {
    cells: cells.map(([type, src]) => ({ cell_type: type, metadata: {}, source: src, ...(type === 'code' ? { outputs: dirty ? [{ output_type: 'stream', name: 'stdout', text: 'x' }] : [], execution_count: dirty ? 1 : null } : {}) })),
    metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(file, JSON.stringify(nb));
}

describe('notebooks', () => {
  it('committed notebooks carry no outputs or execution counts', () => {
    for (const nb of listNotebooks()) expect(notebookDirtiness(nb), nb).toEqual([]);
  });

  it('detects outputs and execution counts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-'));
    const f = path.join(dir, '01_x.ipynb');
    notebook(f, [['code', '1 + 1']], true);
    expect(notebookDirtiness(f)).toEqual(['cell 0 has outputs', 'cell 0 has execution_count 1']);
    fs.rmSync(dir, { recursive: true });
  });

  it.skipIf(!hasJupyter)('executes a notebook that imports saplab on the tslab kernel, checks its outputs and fails on a cell error', async () => {
    const dir = fs.mkdtempSync(path.join(__dirname, '..', '..', 'notebooks', '.probe-'));
    try {
      const good = path.join(dir, '01_good.ipynb');
      const bad = path.join(dir, '02_bad.ipynb');
      notebook(good, [
        ['markdown', '# probe'],
        ['code', "import { initBackend, deriveSeed } from 'saplab';\nconst info = await initBackend();\nif (deriveSeed(1) <= 0) throw new Error('seed');\ninfo.description"],
        ['code', "import { learningCurvesFigure, show, showTable } from 'saplab';\nawait show(learningCurvesFigure({ loss: [3, 2, 1] }));\nshowTable([{ a: '<b>', n: 1 }]);"],
      ]);
      notebook(bad, [['code', "throw new Error('boom')"]]);
      const out = path.join(dir, 'out');
      const results = runNotebooks({ notebooks: [good, bad], outDir: out, log: () => {} });
      expect(results.map((r) => r.ok)).toEqual([true, false]);
      expect(fs.readFileSync(results[0].html!, 'utf8')).toMatch(/tfjs/);
      // The figure reached the notebook as plotly JSON plus PNG; the table as escaped HTML.
      expect(results[0].report).toMatchObject({ figures: hasChromium ? 1 : 0, problems: hasChromium ? [] : expect.anything() });
      const executed = JSON.parse(fs.readFileSync(results[0].executed!, 'utf8'));
      const outputs = executed.cells[2].outputs as { output_type: string; data?: Record<string, unknown> }[];
      const fig = outputs.find((o) => o.data?.['application/vnd.plotly.v1+json']);
      expect(fig?.output_type).toBe('display_data');
      expect(typeof (fig!.data!['application/vnd.plotly.v1+json'] as { layout: object }).layout).toBe('object');
      const table = outputs.find((o) => o.data?.['text/html'] && String(o.data['text/html']).includes('<table'));
      expect(String(table!.data!['text/html'])).toContain('&lt;b&gt;');
      if (hasChromium) {
        // nbconvert's HTML shows the figure as an image even with scripts disabled.
        const page = await checkPageInChromium(results[0].html!, { scripts: false });
        expect(page.images).toBeGreaterThanOrEqual(1);
        expect(page.broken).toBe(0);
      }
      expect(results[1].error).toMatch(/boom/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the output rules of executed notebooks', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-out-'));
  const write = (name: string, outputs: unknown[]) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, JSON.stringify({ cells: [{ cell_type: 'code', source: 'x', metadata: {}, execution_count: 1, outputs }], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    return f;
  };
  const figure = (png?: string) => ({ output_type: 'display_data', metadata: {}, data: { 'application/vnd.plotly.v1+json': { data: [], layout: {} }, 'text/plain': 'fig', ...(png ? { 'image/png': png } : {}) } });

  it('accepts figures with plotly JSON and PNG, and counts them', () => {
    const r = checkExecutedNotebook(write('ok.ipynb', [figure('iVBORw0KGgo='), figure('iVBORw0KGgo='), { output_type: 'stream', name: 'stdout', text: 'hi' }]));
    expect(r).toMatchObject({ figures: 2, figuresWithPng: 2, problems: [] });
  });

  it('rejects a figure without PNG, inlined plotly.js, and a notebook over the limit', () => {
    const inline = { output_type: 'display_data', metadata: {}, data: { 'text/html': ['<script data-saplab="plotly-loader">', '…</script>'] } };
    const r = checkExecutedNotebook(write('bad.ipynb', [figure(), inline]));
    expect(r.problems).toEqual(['cell 0: a figure without image/png', 'cell 0: an output inlines plotly.js']);
    const big = checkExecutedNotebook(write('big.ipynb', [figure('A'.repeat(600_000)), figure('A'.repeat(600_000)), figure('A'.repeat(600_000))]));
    expect(big.bytes).toBeGreaterThan(MAX_EXECUTED_NOTEBOOK_BYTES);
    expect(big.problems[0]).toMatch(/^1\.80 MB, more than 1\.50 MB$/);
  });

  it.skipIf(!hasChromium)('an nbconvert-style page shows its figure images with scripts disabled', async () => {
    const png = encodePng({ width: 4, height: 3, channels: 3, pixels: new Uint8Array(36).fill(200) }).toString('base64');
    const html = path.join(dir, 'page.html');
    fs.writeFileSync(html, `<html><body><img src="data:image/png;base64,${png}"><img src="missing.png"><script>console.error('ran')</script></body></html>`);
    expect(await checkPageInChromium(html, { scripts: false })).toEqual({ images: 1, broken: 1, errors: [] });
    const withScripts = await checkPageInChromium(html);
    expect(withScripts.errors.some((e) => e.includes('ran'))).toBe(true);
  });
});
