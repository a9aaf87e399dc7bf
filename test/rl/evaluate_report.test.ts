import { describe, expect, it } from 'vitest';
import { buildRlConfig, returnVsEpsFigure, rlComparisons, type RlCell } from 'saplab';
import { rlChecks, rlConclusions, rlFigureRows } from '../../lib/rl/evaluate_report';

describe('rl evaluate report', () => {
  it('conclusions state held / not held from the numbers', () => {
    const config = buildRlConfig('quick', { episodes: 4, eps: [0, 0.2] });
    const cell = (agent: string, kind: RlCell['kind'], attack: string, eps: number, returns: number[]): RlCell => ({ key: `${agent}-${attack}-${eps}`, agent, kind, sampleFraction: kind === 'dense' ? null : 1, attack, eps, episodes: returns.length, meanReturn: returns.reduce((a, b) => a + b, 0) / returns.length, low: -1, high: 1, flipRate: 0, returns, seconds: 0 });
    const ones = new Array(20).fill(1);
    const minus = new Array(20).fill(-1);
    const cells = [
      cell('dense', 'dense', 'clean', 0, ones),
      cell('SAP-100', 'sap', 'clean', 0, ones),
      cell('dense', 'dense', 'FGSM', 0.2, minus),
      cell('dense', 'dense', 'PGD-EOT', 0.2, minus),
      cell('SAP-100', 'sap', 'FGSM', 0.2, ones),
      cell('SAP-100', 'sap', 'FGSM-MC', 0.2, ones),
      cell('SAP-100', 'sap', 'PGD-EOT', 0.2, minus),
    ];
    const conf = { ...config, agents: config.agents.slice(0, 2) };
    const text = rlConclusions(conf, cells, rlComparisons(conf, cells)).join('\n');
    expect(text).toMatch(/Held: SAP keeps more reward at eps 0.2/);
    expect(text).toMatch(/The gain does not survive/);
    // The adaptive attack is named with the steps it runs: the quick preset's 5, or PGD's own 40 when left out.
    expect(text).toMatch(/PGD-EOT: PGD-5 with 2-sample EOT/);
    const { steps: _s, ...noSteps } = conf.attacks.find((a) => a.name === 'PGD-EOT')!;
    const defaults = { ...conf, attacks: conf.attacks.map((a) => (a.name === 'PGD-EOT' ? noSteps : a)) };
    expect(rlConclusions(defaults, cells, rlComparisons(defaults, cells)).join('\n')).toMatch(/PGD-EOT: PGD-40 with 2-sample EOT/);
    // The figure: a panel per attack, the dense agent drawn in the FGSM-MC panel through its FGSM cells, returns on [-1, 1].
    const fig = returnVsEpsFigure(conf, cells);
    const y = fig.layout.yaxis as { range: number[]; tickformat?: string };
    expect(y.range).toEqual([-1.05, 1.05]);
    expect(y.tickformat).toBeUndefined();
    const rows = rlFigureRows(conf, cells);
    expect(rows.filter((r) => r.attack === 'FGSM-MC' && r.defense === 'dense').map((r) => [r.eps, r.accuracy])).toEqual([[0, 1], [0.2, -1]]);
  });

  it('checks: the adaptive attack must not leave more reward than the paper\'s, returns must not rise with eps, large eps must defeat every agent', () => {
    const config = buildRlConfig('quick', { episodes: 20, eps: [0, 0.2] });
    const conf = { ...config, agents: config.agents.slice(0, 2) };
    const cell = (agent: string, kind: RlCell['kind'], attack: string, eps: number, returns: number[], low = -1, high = 1): RlCell => ({ key: `${agent}-${attack}-${eps}`, agent, kind, sampleFraction: kind === 'dense' ? null : 1, attack, eps, episodes: returns.length, meanReturn: returns.reduce((a, b) => a + b, 0) / returns.length, low, high, flipRate: 0, returns, seconds: 0 });
    const ones = new Array(20).fill(1);
    const minus = new Array(20).fill(-1);
    const base = [cell('dense', 'dense', 'clean', 0, ones, 0.8, 1), cell('SAP-100', 'sap', 'clean', 0, ones, 0.8, 1), cell('dense', 'dense', 'FGSM', 0.2, minus, -1, -0.8), cell('SAP-100', 'sap', 'FGSM', 0.2, minus, -1, -0.8)];
    const good = rlChecks(conf, [...base, cell('dense', 'dense', 'PGD-EOT', 0.2, minus, -1, -0.8), cell('SAP-100', 'sap', 'FGSM-MC', 0.2, ones, 0.8, 1), cell('SAP-100', 'sap', 'PGD-EOT', 0.2, minus, -1, -0.8)]);
    expect(good.map((c) => [c.id, c.status])).toEqual([['monotone', 'pass'], ['adaptive-not-weaker', 'pass'], ['large-eps', 'pass']]);
    const bad = rlChecks(conf, [...base, cell('dense', 'dense', 'PGD-EOT', 0.2, minus, -1, -0.8), cell('SAP-100', 'sap', 'FGSM-MC', 0.2, minus, -1, -0.8), cell('SAP-100', 'sap', 'PGD-EOT', 0.2, ones, 0.8, 1)]);
    expect(bad.find((c) => c.id === 'adaptive-not-weaker')!.status).toBe('fail');
    expect(bad.find((c) => c.id === 'large-eps')!.status).toBe('warn');
    // A curve that rises beyond its intervals fails `monotone`.
    const rising = rlChecks(conf, [cell('dense', 'dense', 'clean', 0, minus, -1, -0.8), cell('dense', 'dense', 'FGSM', 0.2, ones, 0.8, 1)]);
    expect(rising.find((c) => c.id === 'monotone')!.status).toBe('fail');
  });
});
