import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvRecords, typeCsvField } from '../../lib/report/csv';

describe('CSV reader', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and newlines inside quotes; CRLF and LF', () => {
    expect(parseCsvRecords('a,b\r\n"x, y","say ""hi""\nthere"\n\n1,\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
      ['1', ''],
    ]);
    expect(parseCsvRecords('a,b')).toEqual([['a', 'b']]);
    expect(() => parseCsvRecords('a,"b')).toThrow(/inside a quoted field/);
  });

  it('types fields as numbers, booleans and null, except string columns', () => {
    expect(['', '1', '-2.5e-3', '.5', 'true', 'FALSE', '1a', 'NaN'].map(typeCsvField)).toEqual([null, 1, -0.0025, 0.5, true, false, '1a', 'NaN']);
    expect(parseCsv('model,eps,ok\n007,0.1,true\n,2,\n', new Set(['model']))).toEqual([
      { model: '007', eps: 0.1, ok: true },
      { model: null, eps: 2, ok: null },
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(() => parseCsv('a,b\n1\n')).toThrow(/record 1 has 1 fields, the header 2/);
  });
});
