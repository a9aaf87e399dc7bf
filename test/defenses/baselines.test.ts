import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { BASELINE_KINDS, BASELINE_PARAMETERS, calibrateBaseline, heldOutAccuracy, isBaselineKind, loadFashionMnist, loadPretrained, makeBaseline } from 'saplab';

describe('baselines registry', () => {
  it('builds every kind on the shipped CNN; the matched strength reproduces its accuracy on the slice', async () => {
    const net = await loadPretrained('fashion-cnn');
    // A held-out slice from the end of the test split (the grids evaluate the first images).
    const { x, y } = await loadFashionMnist({ split: 'test' });
    const xs = x.slice([9800, 0, 0, 0], [200, -1, -1, -1]);
    const ys = y.slice([9800], [200]);
    tf.dispose([x, y]);
    for (const kind of BASELINE_KINDS) {
      const m = makeBaseline(net, kind, kind === 'stochastic-weight-pruning' ? 2 : 0.2, { seed: 1 });
      const out = m(xs.slice([0, 0, 0, 0], [2, -1, -1, -1]));
      expect(out.shape).toEqual([2, 10]);
      tf.dispose(out);
      m.dispose?.();
    }
    const target = 0.8;
    const r = calibrateBaseline(net, 'dropout', { x: xs, y: ys, target, samples: 2, seed: 3 });
    expect(r.matched).toBe(true);
    expect(Math.abs(r.accuracy - target)).toBeLessThanOrEqual(r.tolerance);
    expect(r.value).toBeGreaterThan(BASELINE_PARAMETERS.dropout.range[0]);
    expect(heldOutAccuracy(makeBaseline(net, 'dropout', r.value, { seed: 3 }), xs, ys, 2, 3)).toBe(r.accuracy);
    expect(isBaselineKind('dropout')).toBe(true);
    expect(isBaselineKind('sap')).toBe(false);
    expect(() => makeBaseline(net, 'nope' as never, 1)).toThrow(/unknown baseline kind "nope"/);
    expect(() => makeBaseline(net, 'dropout', 1.2)).toThrow(/rate must be a number in \[0, 1\)/);
    tf.dispose([xs, ys]);
    net.dispose();
  });
});
