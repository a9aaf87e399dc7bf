import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { asModel, loadPretrained, type Model } from 'saplab';
import { presetConfig, type ReproduceConfig } from '../../lib/reproduce/config';
import { buildRow, matchStrengths, stochasticSections } from '../../lib/reproduce/baseline_grid';

const cell = (defense: string, attack: string, eps: number, correct: string) => {
  const k = [...correct].filter((c) => c === '1').length;
  return { defense, attack, eps, accuracy: k / correct.length, accuracyLow: 0, accuracyHigh: 1, correct };
};

describe('stochasticSections', () => {
  it('compares each trained model with and without SAP under the worst attack, with paired intervals', () => {
    const config = { ...presetConfig('adversarial-training'), n: 20, eps: [0, 0.1] };
    const ones = (k: number) => '1'.repeat(k) + '0'.repeat(20 - k);
    const cells = [
      // dense: SAP far better than plain under the worst attack (18 vs 2 of 20 on the same images).
      cell('dense', 'FGSM-MC', 0.1, ones(5)),
      cell('dense', 'PGD', 0.1, ones(2)),
      cell('dense+SAP-100', 'FGSM-MC', 0.1, ones(19)),
      cell('dense+SAP-100', 'PGD-EOT', 0.1, ones(18)),
      cell('dense+SAP-100', 'BPDA', 0.1, ones(19)),
      // PGD-AT: identical correctness with and without SAP.
      cell('PGD-AT', 'FGSM-MC', 0.1, ones(15)),
      cell('PGD-AT', 'PGD', 0.1, ones(12)),
      cell('PGD-AT+SAP-100', 'FGSM-MC', 0.1, ones(16)),
      cell('PGD-AT+SAP-100', 'PGD-EOT', 0.1, ones(14)),
      cell('PGD-AT+SAP-100', 'BPDA', 0.1, ones(12)),
    ];
    const md = stochasticSections(config, cells, {});
    expect(md).toMatch(/## Does SAP add robustness on top of adversarial training\?/);
    expect(md).toMatch(/dense\+SAP-100 vs dense, eps 0\.1\.\*\* Worst attack: dense 10\.0% .* \(PGD\), dense\+SAP-100 90\.0% .* \(PGD-EOT\): \+80\.0 points .* SAP adds robustness/);
    expect(md).toMatch(/PGD-AT\+SAP-100 vs PGD-AT, eps 0\.1\.\*\* Worst attack: PGD-AT 60\.0% .* PGD-AT\+SAP-100 60\.0% .* \(BPDA\): \+0\.0 points .* McNemar p = 1\.000 — no detectable difference/);
    expect(md).not.toMatch(/FGSM-AT\+SAP-100 vs/); // no cells, no line
    expect(stochasticSections({ ...presetConfig('default') }, [], {})).toBe('');
  });
});

describe('matchStrengths and buildRow', () => {
  it('calibrates matchTo rows on the held-out slice once and reads them back on resume', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saplab-match-'));
    const config: ReproduceConfig = {
      ...presetConfig('baselines'),
      n: 4,
      predictSamples: 2,
      heldOut: { n: 60 },
      defenses: [
        { name: 'dense', kind: 'dense' },
        { name: 'SAP-100', kind: 'sap', sampleFraction: 1 },
        { name: 'dropout', kind: 'dropout', matchTo: 'SAP-100' },
      ],
    };
    const net = await loadPretrained('fashion-cnn');
    const nets = { inputs: { net, wrap: (m: Model | tf.LayersModel) => asModel(m) }, extraNets: new Map<string, tf.LayersModel>() };
    const logs: string[] = [];
    const m = await matchStrengths(config, nets, dir, (l) => logs.push(l));
    expect(Object.keys(m)).toEqual(['dropout']);
    expect(m.dropout.key).toBe('rate');
    expect(m.dropout.heldOut).toBe(60);
    expect(Math.abs(m.dropout.accuracy - m.dropout.target) <= m.dropout.tolerance || !m.dropout.matched).toBe(true);
    expect(logs.some((l) => /calibration: dropout rate = /.test(l))).toBe(true);
    const file = path.join(dir, 'calibration.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    stored.dropout.value = 0.123;
    fs.writeFileSync(file, JSON.stringify(stored));
    expect((await matchStrengths(config, nets, dir, () => {})).dropout.value).toBe(0.123);
    // Rows: the matched value is used; baselines come with a BPDA twin, dense without.
    const before = tf.memory().numTensors;
    const row = buildRow(net, config.defenses[2], 1, { dropout: { ...m.dropout, value: 0.123 } });
    expect(row.model.label).toBe('dropout-0.123');
    expect(row.bpda).toBeDefined();
    expect(buildRow(net, config.defenses[0], 1).bpda).toBeUndefined();
    expect(() => buildRow(net, config.defenses[2], 1, {})).toThrow(/no rate \(matchTo SAP-100 was not calibrated\)/);
    const dwp = buildRow(net, { name: 'w', kind: 'weight-pruning', fraction: 0.2 }, 1);
    dwp.model.dispose?.();
    dwp.bpda?.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});
