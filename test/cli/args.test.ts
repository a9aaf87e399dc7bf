import { describe, expect, it } from 'vitest';
import { parseFlags, UsageError } from '../../lib/cli/args';

const spec = {
  n: { type: 'number' as const, help: 'count', default: 3 },
  out: { type: 'string' as const, help: 'folder' },
  quick: { type: 'boolean' as const, help: 'small run' },
};

describe('parseFlags', () => {
  it('parses values, = forms, booleans and defaults', () => {
    expect(parseFlags(['--out', 'a', '--quick'], spec).flags).toEqual({ n: 3, out: 'a', quick: true });
    expect(parseFlags(['--n=5', '--quick=false'], spec).flags).toEqual({ n: 5, quick: false });
  });
  it('rejects unknown flags, missing values and bad numbers', () => {
    expect(() => parseFlags(['--nope'], spec)).toThrow(UsageError);
    expect(() => parseFlags(['--nope'], spec)).toThrow(/unknown flag --nope/);
    expect(() => parseFlags(['--out'], spec)).toThrow(/needs a value/);
    expect(() => parseFlags(['--n', 'abc'], spec)).toThrow(/must be a number/);
    expect(() => parseFlags(['--quick=yes'], spec)).toThrow(/true or false/);
  });
});
