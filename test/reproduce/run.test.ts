import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runReproduce } from '../../lib/reproduce/run';
import { buildConfig, ReproduceConfig } from '../../lib/reproduce/config';
import { runCli as cli } from '../cli/run_cli';
import { slow } from '../helpers';
import { chromiumAvailable, readResults } from 'saplab';
import type { ComparisonRow } from '../../lib/reproduce/comparisons';
import type { CheckResult } from '../../lib/reproduce/checks';

function tiny(): ReproduceConfig {
  return buildConfig('quick', {
    n: 12,
    eps: [0, 0.1],
    predictSamples: 2,
    batchSize: 8,
    defenses: [
      { name: 'dense', kind: 'dense' },
      { name: 'SAP-100', kind: 'sap', sampleFraction: 1 },
    ],
    attacks: [
      { name: 'FGSM', method: 'fgsm' },
      { name: 'PGD-EOT', method: 'pgd', steps: 2, eotSamples: 2 },
    ],
  });
}

describe('reproduce', () => {
  it('resumes after a stop and ends with the same table as an uninterrupted run', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'repro-'));
    const config = tiny();
    const quiet = { progress: { mode: 'off' as const }, figures: false, log: () => {} };
    const whole = await runReproduce({ config, preset: 'quick', outDir: path.join(tmp, 'a'), ...quiet });
    expect(whole.status).toBe('complete');
    const stopped = await runReproduce({ config, preset: 'quick', outDir: path.join(tmp, 'b'), stopAfterCells: 2, ...quiet });
    expect(stopped.status).toBe('stopped');
    expect(fs.readdirSync(path.join(tmp, 'b', 'cells')).length).toBe(2);
    const resumed = await runReproduce({ config, preset: 'quick', outDir: path.join(tmp, 'b'), ...quiet });
    expect(resumed.status).toBe('complete');
    expect(resumed.reused).toBe(2);
    expect(resumed.computed).toBe(whole.computed - 2);
    const strip = (rows: typeof whole.rows) => rows.map(({ seconds: _s, ...r }) => r);
    expect(strip(resumed.rows)).toEqual(strip(whole.rows));
    // A different protocol in the same folder is refused.
    await expect(runReproduce({ config: { ...config, n: 10 }, preset: 'quick', outDir: path.join(tmp, 'b'), ...quiet })).rejects.toThrow(/different protocol/);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('--quick end to end: every output exists and parses, rows as expected, summary names every attack', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'repro-quick-'));
    const r = await cli(['reproduce', '--quick', '--out', out]);
    expect(r.code, r.err).toBe(0);
    for (const f of ['results.csv', 'results.json', 'comparisons.csv', 'comparisons.json', 'checks.json', 'summary.md', 'run.json', 'config.json', 'figures/accuracy_vs_eps.html', 'figures/reliability_clean.html']) {
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    }
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.status).toBe('complete');
    expect(run.backend).toMatch(/tfjs/);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as ReproduceConfig;
    const rows = await readResults(path.join(out, 'results.json'));
    const csvRows = await readResults(path.join(out, 'results.csv'));
    expect(csvRows.length).toBe(rows.length);
    // One clean row per defense, and per (defense, attack) pair a row at every eps.
    expect(rows.filter((x) => x.attack === 'clean').length).toBe(config.defenses.length);
    for (const a of config.attacks) {
      const mine = rows.filter((x) => x.attack === a.name);
      // Each (defense, attack) line: the clean accuracy at eps 0, then the attack's own eps or the grid's.
      expect(mine.length % (a.eps ? a.eps.length + 1 : config.eps.length), a.name).toBe(0);
      expect(mine.length).toBeGreaterThan(0);
    }
    // Paired comparisons: CSV and JSON agree; defense rows against dense and against random pruning, attack rows.
    const comparisons = JSON.parse(fs.readFileSync(path.join(out, 'comparisons.json'), 'utf8')) as ComparisonRow[];
    const csvLines = fs.readFileSync(path.join(out, 'comparisons.csv'), 'utf8').trim().split('\n');
    expect(csvLines[0]).toBe('kind,defense,attack,reference,referenceAttack,eps,n,accuracy,referenceAccuracy,diff,low,high,pValue,discordant,onlyA,onlyB,nToResolve');
    expect(csvLines.length - 1).toBe(comparisons.length);
    for (const c of comparisons) {
      expect(c.n).toBe(config.n);
      expect(c.diff).toBeCloseTo(c.accuracy - c.referenceAccuracy, 9);
      expect(c.low).toBeLessThanOrEqual(c.diff + 1e-12);
      expect(c.high).toBeGreaterThanOrEqual(c.diff - 1e-12);
      expect(c.pValue > 0 && c.pValue <= 1).toBe(true);
      expect(c.discordant).toBe(c.onlyA + c.onlyB);
    }
    for (const a of ['clean', 'FGSM-MC', 'PGD-EOT', 'BPDA', 'Transfer-PGD', 'AutoAttack']) {
      expect(comparisons.some((c) => c.kind === 'defense' && c.defense === 'SAP-100' && c.reference === 'dense' && c.attack === a), a).toBe(true);
      expect(comparisons.some((c) => c.kind === 'defense' && c.defense === 'SAP-100' && c.reference === 'random-100' && c.attack === a), a).toBe(true);
    }
    // The convergence check compares the suite with its 2x-steps-and-2x-EOT variant.
    expect(comparisons.some((c) => c.kind === 'attack' && c.attack === 'AutoAttack' && c.referenceAttack === 'AutoAttack-2x')).toBe(true);
    expect(comparisons.some((c) => c.kind === 'attack' && c.attack === 'Square')).toBe(true);
    // The checklist: every check present with a verdict and a one-line summary.
    const checks = JSON.parse(fs.readFileSync(path.join(out, 'checks.json'), 'utf8')) as CheckResult[];
    expect(checks.map((c) => c.id)).toEqual(['monotone-eps', 'large-eps', 'more-effort', 'gradient-free', 'transfer', 'adaptive-vs-paper', 'non-finite-gradients']);
    for (const c of checks) {
      expect(['pass', 'warn', 'fail']).toContain(c.status);
      expect(c.summary).not.toMatch(/^Not checked/);
      expect(c.evidence.length, c.id).toBeGreaterThan(0);
    }
    for (const x of rows) expect(x.accuracy >= 0 && x.accuracy <= 1).toBe(true);
    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    for (const a of config.attacks) expect(summary).toContain(a.name);
    expect(summary).toMatch(/What held and what did not/);
    expect(summary).toMatch(/## Robustness checklist/);
    // The headline: the suite's robust accuracy of every defense, with the attack that broke most.
    expect(summary).toMatch(/## Robust accuracy\n/);
    for (const d of config.defenses) expect(summary).toMatch(new RegExp(`\\| ${d.name} \\| 0\\.1 \\| \\*\\*[0-9.]+%\\*\\* \\[`));
    expect(summary).toMatch(/interval excludes 0|not distinguishable at n = 64/);
    for (const c of checks) expect(summary).toContain(c.title);
    // PNG copies are rendered in Chromium: written exactly when it is here (the HTML always is).
    const png = path.join(out, 'figures', 'accuracy_vs_eps.png');
    expect(fs.existsSync(png)).toBe(chromiumAvailable());
    if (chromiumAvailable()) expect(fs.readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    fs.rmSync(out, { recursive: true, force: true });
  }, 600_000);

  it('bad flags and bad config keys exit with 2 and name the problem', async () => {
    const bad = await cli(['reproduce', '--quik']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown flag --quik/);
    const both = await cli(['reproduce', '--quick', '--full']);
    expect(both.code).toBe(2);
    const n = await cli(['reproduce', '--n', 'ten']);
    expect(n.code).toBe(2);
    expect(n.err).toMatch(/--n must be a number/);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    fs.writeFileSync(path.join(tmp, 'c.json'), JSON.stringify({ epz: [0, 1] }));
    const cfg = await cli(['reproduce', '--config', path.join(tmp, 'c.json')]);
    expect(cfg.code).toBe(2);
    expect(cfg.err).toMatch(/unknown config key "epz"/);
    fs.writeFileSync(path.join(tmp, 'd.json'), '{ not json');
    expect((await cli(['reproduce', '--config', path.join(tmp, 'd.json')])).err).toMatch(/not valid JSON/);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // The default protocol on a small subset of its images (every defense, attack, eps and check of
  // the default job, n = 40): every check of the checklist passes. Slow (minutes): SAPLAB_SLOW=1.
  it.runIf(slow)('the default protocol on 40 images: every check passes', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-default-'));
    const config = buildConfig('default', { n: 40, batchSize: 40 });
    const res = await runReproduce({ config, preset: 'default', outDir: tmp, figures: false, progress: { mode: 'off' }, log: () => {} });
    expect(res.status).toBe('complete');
    expect(res.cells.filter((c) => c.error).map((c) => c.key)).toEqual([]);
    const checks = JSON.parse(fs.readFileSync(path.join(tmp, 'checks.json'), 'utf8')) as CheckResult[];
    for (const c of checks) expect(c.status, `${c.id}: ${c.summary}`).toBe('pass');
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 3_600_000);

  // The smoothing preset, small: its every defense, attack and radius on 6 images with small sample
  // counts, through the engine and the report; the certified-vs-empirical check is present and passes.
  it('--preset smoothing, small: certification cells, SmoothAdv, the certified rows, figure and check', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-smoothing-'));
    const preset = buildConfig('smoothing');
    const small = (a: ReproduceConfig['attacks'][number]) => ({ ...a, steps: a.variantOf ? 4 : 2, ...(a.method === 'smoothAdv' ? { noiseSamples: 2 } : {}), ...(a.eotSamples ? { eotSamples: 2 } : {}) });
    const config = buildConfig('smoothing', { n: 6, batchSize: 3, eps: [0, 0.25, 1], predictSamples: 2, certify: { n0: 10, n: 200, alpha: 0.001, predictN: 50 }, attacks: preset.attacks.map(small) });
    const res = await runReproduce({ config, preset: 'smoothing', outDir: tmp, workers: 0, progress: { mode: 'off' }, log: () => {} });
    expect(res.status).toBe('complete');
    expect(res.cells.filter((c) => c.error).map((c) => `${c.key}: ${c.error}`)).toEqual([]);
    // One certification cell per smoothed defense, with a class and a radius per image.
    const certs = res.cells.filter((c) => c.attack === 'certify');
    expect(certs.map((c) => c.defense)).toEqual(['smoothed-0.12', 'smoothed-0.25', 'smoothed-0.5']);
    for (const c of certs) {
      expect(c.certificate!.radii.length).toBe(6);
      expect(c.certificate!.n).toBe(200);
      // n = 200 bounds every radius by sigma * PhiInv(alpha^(1/200)) < 2.2 sigma.
      for (const r of c.certificate!.radii) expect(r).toBeLessThan(2.2 * c.certificate!.sigma);
    }
    // The smoothed classifiers' cells are PREDICT's decisions; SmoothAdv runs on them only.
    for (const c of res.cells.filter((x) => x.kind === 'smoothed' && x.attack !== 'certify')) expect(c.smoothed!.predictions.length, c.key).toBe(6);
    expect(res.cells.filter((c) => c.attack === 'SmoothAdv').map((c) => c.defense)).toEqual(['smoothed-0.12', 'smoothed-0.12', 'smoothed-0.25', 'smoothed-0.25', 'smoothed-0.5', 'smoothed-0.5']);
    // Certified rows at every radius of the grid, never above the clean PREDICT accuracy by more than the Wilson slack.
    const certified = res.rows.filter((r) => r.attack === 'certified');
    expect(certified.length).toBe(3 * config.eps.length);
    const checks = JSON.parse(fs.readFileSync(path.join(tmp, 'checks.json'), 'utf8')) as CheckResult[];
    const check = checks.find((c) => c.id === 'certified-vs-empirical');
    expect(check, 'certified-vs-empirical present').toBeDefined();
    expect(check!.status, check!.summary).toBe('pass');
    expect(check!.evidence.length).toBeGreaterThan(0);
    // Paired comparisons: each smoothed classifier against dense on the same images.
    const comparisons = JSON.parse(fs.readFileSync(path.join(tmp, 'comparisons.json'), 'utf8')) as ComparisonRow[];
    expect(comparisons.some((c) => c.defense === 'smoothed-0.25' && c.attack === 'SmoothAdv' && c.reference === 'dense' && c.referenceAttack === 'PGD-L2')).toBe(true);
    expect(comparisons.some((c) => c.defense === 'SAP-100' && c.attack === 'PGD-L2-EOT' && c.reference === 'dense')).toBe(true);
    const summary = fs.readFileSync(path.join(tmp, 'summary.md'), 'utf8');
    expect(summary).toMatch(/## Certified accuracy/);
    expect(summary).toMatch(/Attacks \(L2, pixels in \[0, 1\]\)/);
    // The paired section: SAP-100 and each smoothed classifier against dense; no L-inf numbers quoted for an L2 run.
    for (const d of ['SAP-100', 'smoothed-0.12', 'smoothed-0.25', 'smoothed-0.5']) expect(summary).toContain(`| ${d} − dense (points) |`);
    expect(summary).not.toMatch(/Athalye et al\. \(2018\) report/);
    expect(summary).toMatch(/\| smoothed-0\.25 \| 0\.25 \| 0 \| \*\*[0-9.]+%\*\* \[[0-9.]+%, [0-9.]+%\] \| [0-9]+ \| clean [0-9.]+% \|/);
    expect(fs.existsSync(path.join(tmp, 'figures', 'certified_vs_empirical.html'))).toBe(true);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 600_000);
});
