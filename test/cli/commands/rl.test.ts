import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as cli } from '../run_cli';

describe('saplab rl train', () => {
  it('trains, evaluates and saves the agent with its learning curve', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rltrain-'));
    const out = path.join(tmp, 'agent');
    const r = await cli(['rl', 'train', '--game', 'catch', '--seed', '3', '--steps', '300', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/greedy evaluation: mean return -?\d\.\d{3} \[95% .*\] over 1000 episodes/);
    expect(fs.readdirSync(out).sort()).toEqual(['model.json', 'training.json', 'weights.bin']);
    const t = JSON.parse(fs.readFileSync(path.join(out, 'training.json'), 'utf8'));
    expect(t.config.seed).toBe(3);
    expect(t.config.totalSteps).toBe(300);
    expect(t.evaluation.episodes).toBe(1000);
    expect(t.curve.length).toBeGreaterThan(0);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  it('bad input exits 2 naming the problem and writes nothing', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rltrain-'));
    const out = path.join(tmp, 'agent');
    for (const [argv, msg] of [
      [['rl'], /missing subcommand/],
      [['rl', 'fly'], /unknown subcommand "fly"/],
      [['rl', 'train', '--game', 'pong', '--out', out], /--game pong is not supported/],
      [['rl', 'train', '--steps', '0', '--out', out], /--steps must be a positive integer/],
      [['rl', 'train', '--seed', '1.5', '--out', out], /--seed must be an integer/],
      [['rl', 'train', '--stepz', '3', '--out', out], /unknown flag --stepz/],
    ] as const) {
      const r = await cli([...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
    expect(fs.existsSync(out)).toBe(false);
    const help = await cli(['rl', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/saplab rl train/);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

describe('saplab rl evaluate', () => {
  it('runs a small grid end to end through the CLI and writes the report with the figure', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rleval-cli-'));
    const out = path.join(tmp, 'run');
    const r = await cli(['rl', 'evaluate', '--quick', '--episodes', '6', '--eps', '0,0.3', '--samples', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/complete: 11 cells computed, 0 reused/);
    expect(r.out).toMatch(/## Mean return under attack \(6 episodes per cell, 95% interval\)/);
    expect(fs.existsSync(path.join(out, 'figures', 'return_vs_eps.html'))).toBe(true);
    const again = await cli(['rl', 'evaluate', '--quick', '--episodes', '6', '--eps', '0,0.3', '--samples', '2', '--out', out, '--no-figures']);
    expect(again.out).toMatch(/complete: 0 cells computed, 11 reused/);
    const other = await cli(['rl', 'evaluate', '--quick', '--episodes', '7', '--eps', '0,0.3', '--samples', '2', '--out', out]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/different protocol/);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 180_000);

  it('bad input exits 2 naming the problem and writes nothing', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rleval-cli-'));
    const out = path.join(tmp, 'run');
    for (const [argv, msg] of [
      [['--eps', '0,abc'], /--eps takes comma-separated numbers in \[0, 1\]/],
      [['--eps', '0,1.5'], /--eps takes/],
      [['--episodes', '0'], /episodes must be a positive integer/],
      [['--samples', '1.5'], /samples must be a positive integer/],
      [['--stop-after', '0'], /--stop-after must be a positive integer/],
      [['--quik'], /unknown flag --quik/],
    ] as const) {
      const r = await cli(['rl', 'evaluate', ...argv, '--out', out]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
    expect(fs.existsSync(out)).toBe(false);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
