import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listNotebooks, notebookDirtiness, runNotebooks, jupyterMissing } from '../../lib/cli/notebooks';
import { systemComponent } from '../helpers';

const python = process.env.SAPLAB_PYTHON ?? '/usr/bin/python3';
const distBuilt = fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'index.js'));
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

  it.skipIf(!hasJupyter)('executes a notebook that imports saplab on the tslab kernel and fails on a cell error', () => {
    const dir = fs.mkdtempSync(path.join(__dirname, '..', '..', 'notebooks', '.probe-'));
    try {
      const good = path.join(dir, '01_good.ipynb');
      const bad = path.join(dir, '02_bad.ipynb');
      notebook(good, [
        ['markdown', '# probe'],
        ['code', "import { initBackend, deriveSeed } from 'saplab';\nconst info = await initBackend();\nif (deriveSeed(1) <= 0) throw new Error('seed');\ninfo.description"],
      ]);
      notebook(bad, [['code', "throw new Error('boom')"]]);
      const out = path.join(dir, 'out');
      const results = runNotebooks({ notebooks: [good, bad], outDir: out, log: () => {} });
      expect(results.map((r) => r.ok)).toEqual([true, false]);
      expect(fs.readFileSync(results[0].html!, 'utf8')).toMatch(/tfjs/);
      expect(results[1].error).toMatch(/boom/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
