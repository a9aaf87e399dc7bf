/**
 * The calibration of a finished grid cell as a `CalibrationResult`, so that `reliabilityFigure`
 * can draw the cells of a `runReproduce` run: a cell keeps the reliability bins and the scalar
 * metrics of its predictions, from which the mean confidence follows.
 */
import { NLL_EPSILON, type CalibrationResult } from '../metrics/calibration';
import type { CellResult } from './cell';

/** `cell`'s calibration (`classes`: the number of classes, 10 for Fashion-MNIST). Throws for a failed cell. */
export function cellCalibration(cell: CellResult, classes = 10): CalibrationResult {
  if (cell.error) throw new Error(`cellCalibration: cell ${cell.key} failed (${cell.error})`);
  if (!Array.isArray(cell.bins) || cell.bins.length === 0) throw new Error(`cellCalibration: cell ${cell.key} has no reliability bins`);
  const confidence = cell.bins.reduce((s, b) => s + b.count * (b.confidence ?? 0), 0) / cell.n;
  const { ece, mce, nll, brier, accuracy, n, bins } = cell;
  return { ece, mce, nll, brier, accuracy, confidence, n, classes, epsilon: NLL_EPSILON, bins };
}
