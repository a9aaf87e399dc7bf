import { describe, expect, it } from 'vitest';
import { calibration, cellCalibration, type CellResult } from 'saplab';

const probs = [
  [0.7, 0.2, 0.1],
  [0.1, 0.8, 0.1],
  [0.3, 0.3, 0.4],
  [0.5, 0.45, 0.05],
  [0.2, 0.2, 0.6],
];
const y = [0, 2, 2, 1, 2];

function cellOf(cal: ReturnType<typeof calibration>): CellResult {
  return {
    key: 'SAP-100__PGD-EOT__eps0.100000',
    defense: 'SAP-100',
    kind: 'sap',
    sampleFraction: 1,
    attack: 'PGD-EOT',
    eps: 0.1,
    n: cal.n,
    accuracy: cal.accuracy,
    accuracyLow: 0,
    accuracyHigh: 1,
    ece: cal.ece,
    mce: cal.mce,
    nll: cal.nll,
    brier: cal.brier,
    correct: '10100',
    bins: cal.bins,
    seconds: 1,
  };
}

describe('cellCalibration', () => {
  it('gives back the calibration result the cell was made from, mean confidence included', () => {
    const cal = calibration(probs, y, { bins: 5 });
    const back = cellCalibration(cellOf(cal), 3);
    expect(back.confidence).toBeCloseTo(cal.confidence, 12);
    expect({ ...back, confidence: 0 }).toEqual({ ...cal, confidence: 0 });
  });

  it('defaults to 10 classes and rejects failed or binless cells', () => {
    const cell = cellOf(calibration(probs, y));
    expect(cellCalibration(cell).classes).toBe(10);
    expect(() => cellCalibration({ ...cell, error: 'boom' })).toThrow(/failed/);
    expect(() => cellCalibration({ ...cell, bins: [] })).toThrow(/no reliability bins/);
  });
});
