/**
 * The package as a user gets it: `npm pack`, then `npm install <tarball>` into a fresh project
 * with npm's cache (registry only, nothing else fetched), then a CommonJS script, an ESM script
 * and a strict type check of a consumer `.ts` file. Packs the current `dist/` (built by
 * `npm install`/`npm ci`, or `npm run build`).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  }
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

const CONSUMER_TS = `import * as tf from '@tensorflow/tfjs';
import { withSap, pgd, calibration, predictProbs, type Model, type CalibrationResult } from 'saplab';

export async function check(): Promise<number> {
  const net = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const sapNet: Model = withSap(net, { sampleFraction: 1, seed: 3 });
  const x = tf.randomUniform([6, 4, 4, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
  const adv: tf.Tensor4D = pgd(sapNet, x, y, { eps: 0.1, steps: 3, seed: 5 });
  const probs = predictProbs(sapNet, adv, { samples: 4, seed: 6 });
  const cal: CalibrationResult = calibration(probs, y);
  return cal.ece;
}
`;

describe('the packed package in a fresh project', () => {
  it('installs from the tarball with the registry only; CommonJS, ESM and a strict consumer .ts work', () => {
    const dist = path.join(ROOT, 'dist', 'index.js');
    expect(fs.existsSync(dist), 'dist/ is missing: run npm run build').toBe(true);
    expect(fs.statSync(dist).mtimeMs >= newestMtime(path.join(ROOT, 'lib')) - 1000, 'dist/ is older than lib/: run npm run build').toBe(true);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-consumer-'));
    try {
      const packed = JSON.parse(run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT))[0] as { filename: string; size: number; files: { path: string }[] };
      const files = packed.files.map((f) => f.path);
      expect(files).toContain('dist/index.js');
      expect(files).toContain('dist/index.d.ts');
      expect(files).toContain('data/models/fashion-cnn/model.json');
      expect(files).toContain('data/fashion-mnist/t10k-images-idx3-ubyte.gz');
      expect(files).toContain('README.md');
      expect(files).toContain('environment.md');
      expect(files.filter((f) => /^(test|results|notebooks|lib)\//.test(f))).toEqual([]);
      process.stderr.write(`packed ${packed.filename}: ${(packed.size / 1e6).toFixed(1)} MB, ${files.length} files\n`);

      const app = path.join(tmp, 'app');
      fs.mkdirSync(app);
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
      run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, packed.filename)], app);
      const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'saplab', 'package.json'), 'utf8'));
      expect(installed.version).toBe(packed.filename.match(/-(\d+\.\d+\.\d+)\.tgz$/)![1]);
      // Neither the optional peer nor the notebook kernel comes along.
      expect(fs.existsSync(path.join(app, 'node_modules', 'danfojs-node'))).toBe(false);
      expect(fs.existsSync(path.join(app, 'node_modules', 'tslab'))).toBe(false);

      fs.writeFileSync(path.join(app, 'cjs.js'), "const s = require('saplab');\nconsole.log(JSON.stringify({ n: Object.keys(s).length, f: [typeof s.withSap, typeof s.pgd, typeof s.calibration] }));\n");
      const cjs = JSON.parse(run('node', ['cjs.js'], app));
      expect(cjs.f).toEqual(['function', 'function', 'function']);
      fs.writeFileSync(
        path.join(app, 'esm.mjs'),
        "import { withSap, pgd, calibration } from 'saplab';\nimport * as all from 'saplab';\nimport { createRequire } from 'module';\nconst cjs = createRequire(import.meta.url)('saplab');\nconst missing = Object.keys(cjs).filter((k) => !(k in all));\nconsole.log(JSON.stringify({ f: [typeof withSap, typeof pgd, typeof calibration], missing }));\n",
      );
      const esm = JSON.parse(run('node', ['esm.mjs'], app));
      expect(esm.f).toEqual(['function', 'function', 'function']);
      expect(esm.missing, 'names a CommonJS export has that ESM named imports do not see').toEqual([]);
      // danfojs-node is not installed: CSV/JSON results work, a DataFrame names the package.
      fs.writeFileSync(
        path.join(app, 'tables.js'),
        "const s = require('saplab');\nconst row = s.makeResultRow({ model: 'm', defense: 'dense', attack: 'clean', eps: 0 }, { accuracy: 0.5, low: 0.4, high: 0.6, n: 10, correct: 5 });\nconst w = s.writeResults([row], require('path').join(__dirname, 'out'));\ns.readResults(w.csv).then((r) => { let msg = ''; try { s.resultsTable(r); } catch (e) { msg = e.message; } console.log(JSON.stringify({ rows: r.length, msg })); });\n",
      );
      const tables = JSON.parse(run('node', ['tables.js'], app));
      expect(tables.rows).toBe(1);
      expect(tables.msg).toMatch(/optional package danfojs-node, which is not installed/);

      fs.writeFileSync(path.join(app, 'consumer.ts'), CONSUMER_TS);
      // TF.js's own declarations need skipLibCheck (as its docs say); the consumer's code is still
      // checked against saplab's declarations, which a deliberate type error below proves.
      const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const args = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'ES2020', '--module', 'commonjs', '--moduleResolution', 'node', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), 'consumer.ts'];
      run('node', [tsc, ...args], app);
      fs.appendFileSync(path.join(app, 'consumer.ts'), 'export const wrong: number = withSap;\n');
      expect(() => run('node', [tsc, ...args], app)).toThrow(/consumer\.ts.*TS2322/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 600_000);
});
