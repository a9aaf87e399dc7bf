import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadPretrained, loadFashionMnist, evaluateAccuracy, FASHION_CNN_PARAMS } from 'saplab';

describe("loadPretrained('fashion-cnn')", () => {
  it('loads the shipped model, which reaches at least 90% on the full test split', async () => {
    const model = await loadPretrained('fashion-cnn');
    expect(model.countParams()).toBe(FASHION_CNN_PARAMS);
    const { x, y } = await loadFashionMnist({ split: 'test' });
    const acc = evaluateAccuracy(model, x, y);
    expect(acc).toBeGreaterThanOrEqual(0.9);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects unknown names', async () => {
    await expect(loadPretrained('resnet-152' as never)).rejects.toThrow(/unknown pretrained model/);
  });
});
