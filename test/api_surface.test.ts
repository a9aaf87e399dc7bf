/**
 * The public API (lib/index.ts) as a list pinned in test/api_surface.txt, so that adding or
 * removing a public name is a deliberate change; and what users are shown — the notebooks, the
 * code blocks of the READMEs, scripts/ and the packed-package test — compiles against it.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { createRequire } from 'module';

const ROOT = path.resolve(__dirname, '..');
const { apiSurface } = createRequire(__filename)(path.join(ROOT, 'scripts', 'api_surface.js')) as {
  apiSurface: () => { name: string; kind: 'value' | 'type'; module: string }[];
};
const SNAPSHOT = path.join(__dirname, 'api_surface.txt');

const surface = apiSurface();
const values = new Set(surface.filter((e) => e.kind === 'value').map((e) => e.name));

/** The code cells of each notebook, joined in order (as the tslab kernel runs them). */
function notebookSources(): Record<string, string> {
  const dir = path.join(ROOT, 'notebooks');
  const out: Record<string, string> = {};
  for (const file of fs.readdirSync(dir).filter((f) => /^\d\d_.*\.ipynb$/.test(f)).sort()) {
    const nb = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { cells: { cell_type: string; source: string | string[] }[] };
    const cells = nb.cells.filter((c) => c.cell_type === 'code').map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
    out[file] = cells.join('\n\n');
  }
  return out;
}

/** The TypeScript/JavaScript code blocks of the documentation that import from 'saplab'. */
function docBlocks(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const doc of ['README.md', 'lib/README.md', 'environment.md']) {
    const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
    [...text.matchAll(/```(?:ts|typescript|js|javascript)\n([\s\S]*?)```/g)]
      .map((m) => m[1])
      .filter((code) => /from 'saplab'/.test(code))
      .forEach((code, i) => (out[`${doc} block ${i + 1}`] = code));
  }
  return out;
}

/** Type-checks each source as an ES module (top-level await, as in tslab) with `saplab` resolved to lib/index.ts; returns the errors. */
function typeCheck(sources: Record<string, string>): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-api-'));
  try {
    const files = Object.entries(sources).map(([name, code], i) => {
      const file = path.join(dir, `source_${i}.ts`);
      fs.writeFileSync(file, `${code}\nexport {};\n`);
      return { file, name };
    });
    const program = ts.createProgram(
      files.map((f) => f.file),
      {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ES2022,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        types: ['node'],
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        esModuleInterop: true,
        baseUrl: ROOT,
        paths: { saplab: ['lib/index.ts'], '*': ['node_modules/*'] },
      },
    );
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const name = files.find((f) => f.file === d.file?.fileName)?.name ?? d.file?.fileName ?? '';
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${name}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the public API', () => {
  it('is the list in test/api_surface.txt (regenerate with `node scripts/api_surface.js --list > test/api_surface.txt`)', () => {
    const list = surface.map((e) => `${e.kind} ${e.name} ${e.module}`);
    expect(list).toEqual(fs.readFileSync(SNAPSHOT, 'utf8').trim().split('\n'));
    expect(surface.every((e) => e.module.startsWith('lib/') && !e.module.startsWith('lib/cli/') && !e.module.startsWith('lib/bench/'))).toBe(true);
  });

  it('compiles the notebooks and the READMEs code blocks (strict, imports from saplab)', () => {
    const sources = { ...notebookSources(), ...docBlocks() };
    expect(Object.keys(sources).length).toBeGreaterThanOrEqual(7);
    expect(typeCheck(sources)).toEqual([]);
    // The check fails on a name the index does not export.
    expect(typeCheck({ probe: "import { notAnExport } from 'saplab';\nnotAnExport();" }).join('\n')).toMatch(/no exported member 'notAnExport'/);
  });

  it('has every name scripts/ and the packed-package test use from the built package', () => {
    const used = new Set<string>();
    for (const file of fs.readdirSync(path.join(ROOT, 'scripts')).filter((f) => f.endsWith('.js'))) {
      const text = fs.readFileSync(path.join(ROOT, 'scripts', file), 'utf8');
      const m = text.match(/const (\w+) = require\('\.\.\/dist'\)/);
      if (m) for (const [, name] of text.matchAll(new RegExp(`\\b${m[1]}\\.(\\w+)`, 'g'))) used.add(name);
    }
    const consumer = fs.readFileSync(path.join(ROOT, 'test', 'package', 'consumer.test.ts'), 'utf8');
    for (const [, name] of consumer.matchAll(/(?:\\n|\b)s\.(\w+)/g)) used.add(name);
    const typed = new Set<string>();
    for (const [, list] of consumer.matchAll(/import \{([^}]*)\} from 'saplab'/g)) {
      for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) (item.startsWith('type ') ? typed : used).add(item.replace(/^type /, ''));
    }
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !values.has(name))).toEqual([]);
    expect([...typed].filter((name) => !surface.some((e) => e.name === name))).toEqual([]);
  });
});
