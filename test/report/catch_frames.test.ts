import { describe, expect, it } from 'vitest';
import { catchFramesFigure, Catch } from 'saplab';

function episode(seed: number, actions: number[]) {
  const game = new Catch({ seed });
  const frames = [game.reset()];
  for (const a of actions) frames.push(game.step(a).observation);
  return frames;
}

describe('catchFramesFigure', () => {
  it('draws one heatmap per frame, rows per episode, actions above the boards, changed ones marked', () => {
    const actions = [1, 1, 0, 2, 1, 1, 1, 1, 1];
    const clean = { label: 'clean', frames: episode(1, actions), actions, note: 'return +1' };
    const attacked = { label: 'FGSM, eps 0.3', frames: episode(1, actions), actions, cleanActions: [1, 2, 0, 2, 1, 1, 1, 0, 1] };
    const fig = catchFramesFigure([clean, attacked]);
    expect(fig.data.length).toBe(20);
    expect(fig.data.every((t) => t.type === 'heatmap')).toBe(true);
    const z = fig.data[0].z as number[][];
    expect(z.length).toBe(10);
    expect(z[0].length).toBe(5);
    expect(z.flat().reduce((a, b) => a + b, 0)).toBe(2);
    // Boards are drawn top row first.
    expect((fig.layout.yaxis as { range: number[] }).range).toEqual([9.5, -0.5]);
    const texts = (fig.layout.annotations ?? []).map((a) => a.text);
    expect(texts.filter((t) => t.includes('✗')).length).toBe(2);
    expect(texts.filter((t) => t.startsWith('←') || t.startsWith('·') || t.startsWith('→')).length).toBe(18);
    expect(texts).toContain('<b>clean</b> — return +1');
  });

  it('rejects empty input and frames of the wrong size', () => {
    expect(() => catchFramesFigure([])).toThrow(/no episodes/);
    expect(() => catchFramesFigure([{ label: 'x', frames: [] }])).toThrow(/at least one frame/);
    expect(() => catchFramesFigure([{ label: 'x', frames: [new Float32Array(49)] }])).toThrow(/49 values, expected 10 × 5 = 50/);
  });
});
