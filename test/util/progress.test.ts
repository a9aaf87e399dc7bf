import { describe, expect, it } from 'vitest';
import { Progress } from 'saplab';
import { formatElapsed } from '../../lib/util/progress';

describe('formatElapsed', () => {
  it('rounds to the shown unit before splitting it', () => {
    expect(formatElapsed(0)).toBe('0s');
    expect(formatElapsed(59.4)).toBe('59s');
    expect(formatElapsed(59.6)).toBe('1m00s');
    expect(formatElapsed(187)).toBe('3m07s');
    expect(formatElapsed(1379.7)).toBe('23m00s');
    expect(formatElapsed(3599.6)).toBe('1h00m');
    expect(formatElapsed(7500)).toBe('2h05m');
    expect(formatElapsed(7170)).toBe('2h00m');
    expect(formatElapsed(Infinity)).toBe('?');
    expect(formatElapsed(NaN)).toBe('?');
  });
});

describe('Progress', () => {
  it('writes plain lines with counts and a final line', () => {
    const out: string[] = [];
    const stream = { write: (s: string) => (out.push(s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const bar = new Progress('job', 4, { mode: 'lines', stream, lineInterval: 0 });
    for (let i = 0; i < 4; i++) bar.tick();
    bar.finish();
    const text = out.join('');
    expect(text).toMatch(/job: 4\/4 \(100%\)/);
    expect(text).toMatch(/job: done 4\/4 in \d+s/);
  });

  it("shows only the share of weighted work with show: 'share'", () => {
    const out: string[] = [];
    const stream = { write: (s: string) => (out.push(s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const bar = new Progress('grid', 10, { mode: 'lines', stream, lineInterval: 0, show: 'share' });
    bar.tick(7.5, '(1/2 cells done)');
    bar.finish();
    const text = out.join('');
    expect(text).toMatch(/grid: 75% elapsed \S+ eta \S+ \(1\/2 cells done\)/);
    expect(text).toMatch(/grid: done in \d+s/);
    expect(text).not.toMatch(/7\.5|\/10/);
  });
});
