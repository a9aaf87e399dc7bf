/** Constructed reproduce results for the comparison and checklist tests. */
import type { GradientStats } from '../../lib/attacks/types';
import { MODEL_INPUT_DEFAULTS, type ReproduceConfig } from '../../lib/reproduce/config';
import type { CellResult } from '../../lib/reproduce/run';
import { cellKey } from '../../lib/reproduce/run_folder';

export const N = 100;

/** A protocol with every attack the checklist needs. */
export function checkConfig(): ReproduceConfig {
  return {
    ...MODEL_INPUT_DEFAULTS,
    n: N,
    seed: 1,
    eps: [0, 0.1, 0.2],
    predictSamples: 2,
    batchSize: 50,
    calibrationBins: 15,
    defenses: [
      { name: 'dense', kind: 'dense' },
      { name: 'SAP-100', kind: 'sap', sampleFraction: 1 },
      { name: 'random-100', kind: 'random', sampleFraction: 1 },
    ],
    attacks: [
      { name: 'FGSM-MC', method: 'fgsm', eotSamples: 4 },
      { name: 'PGD', method: 'pgd', steps: 10, only: ['dense'] },
      { name: 'PGD-EOT', method: 'pgd', steps: 10, eotSamples: 4, only: ['SAP-100', 'random-100'] },
      { name: 'Square', method: 'square', queries: 100, only: ['dense', 'SAP-100'] },
      { name: 'PGD-EOT-2x-steps', method: 'pgd', steps: 20, eotSamples: 4, only: ['SAP-100'], eps: [0.1], variantOf: 'PGD-EOT' },
      { name: 'PGD-EOT-large-eps', method: 'pgd', steps: 10, eotSamples: 4, eps: [0.5] },
      { name: 'Transfer-PGD', method: 'pgd', steps: 10, transferFrom: 'dense', only: ['SAP-100', 'random-100'] },
    ],
  };
}

/** Correctness flags: images in [start, end) are right. */
export function flags(start: number, end: number): string {
  let s = '';
  for (let i = 0; i < N; i++) s += i >= start && i < end ? '1' : '0';
  return s;
}

/** (defense, attack, eps) → [start, end) of the right images; an attack that passes every check. */
export function passingLayout(): Record<string, [number, number]> {
  return {
    'dense|clean|0': [0, 90],
    'SAP-100|clean|0': [0, 88],
    'random-100|clean|0': [0, 87],
    'dense|FGSM-MC|0.1': [0, 20],
    'SAP-100|FGSM-MC|0.1': [0, 40],
    'random-100|FGSM-MC|0.1': [0, 40],
    'dense|FGSM-MC|0.2': [0, 10],
    'SAP-100|FGSM-MC|0.2': [0, 30],
    'random-100|FGSM-MC|0.2': [0, 30],
    'dense|PGD|0.1': [0, 5],
    'dense|PGD|0.2': [0, 0],
    'SAP-100|PGD-EOT|0.1': [0, 10],
    'random-100|PGD-EOT|0.1': [0, 12],
    'SAP-100|PGD-EOT|0.2': [0, 2],
    'random-100|PGD-EOT|0.2': [0, 3],
    'SAP-100|PGD-EOT-2x-steps|0.1': [0, 9],
    'dense|PGD-EOT-large-eps|0.5': [0, 0],
    'SAP-100|PGD-EOT-large-eps|0.5': [0, 1],
    'random-100|PGD-EOT-large-eps|0.5': [0, 0],
    'dense|Square|0.1': [0, 30],
    'SAP-100|Square|0.1': [0, 50],
    'dense|Square|0.2': [0, 20],
    'SAP-100|Square|0.2': [0, 40],
    'SAP-100|Transfer-PGD|0.1': [0, 60],
    'random-100|Transfer-PGD|0.1': [0, 60],
    'SAP-100|Transfer-PGD|0.2': [0, 50],
    'random-100|Transfer-PGD|0.2': [0, 50],
  };
}

/** Cells of a layout; `stats` replaces the gradient statistics of the named cells. */
export function cellsOf(config: ReproduceConfig, layout: Record<string, [number, number] | string>, stats: Record<string, Partial<GradientStats>> = {}): CellResult[] {
  return Object.entries(layout).map(([k, v]) => {
    const [defense, attack, epsText] = k.split('|');
    const eps = Number(epsText);
    const correct = typeof v === 'string' ? v : flags(v[0], v[1]);
    const d = config.defenses.find((x) => x.name === defense)!;
    const spec = config.attacks.find((a) => a.name === attack);
    const ones = [...correct].filter((c) => c === '1').length;
    const gradient = spec && spec.method !== 'square';
    return {
      key: cellKey(defense, attack, eps),
      defense,
      kind: d.kind,
      sampleFraction: d.sampleFraction ?? null,
      attack,
      eps,
      n: N,
      accuracy: ones / N,
      accuracyLow: 0,
      accuracyHigh: 1,
      ece: 0,
      mce: 0,
      nll: 0,
      brier: 0,
      correct,
      bins: [],
      ...(gradient ? { gradientStats: { gradientCalls: 10, draws: 1000, nonFiniteDraws: 0, noFiniteDraw: 0, nonFiniteLogits: 0, ...stats[k] } } : {}),
      seconds: 1,
    };
  });
}
