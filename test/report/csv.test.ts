import { describe, expect, it } from 'vitest';
import { csvField, parseCsv, parseCsvRecords, toCsv, typeCsvField } from '../../lib/report/csv';

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

describe('CSV writer', () => {
  it('writes RFC 4180 fields that the reader reads back, numbers as printed or rounded', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(true)).toBe('true');
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField(0.1 + 0.2, { decimals: 6 })).toBe('0.3');
    expect(csvField(NaN, { decimals: 6 })).toBe('NaN');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(' pad')).toBe('" pad"');
    expect(csvField('')).toBe('""');
    const rows = [
      { name: 'SAP-100, r/N=1', eps: 0.1, n: 3, ok: false, note: null },
      { name: 'line\nbreak', eps: 1 / 3, n: 4, ok: true, note: 'x' },
    ];
    const text = toCsv(['name', 'eps', 'n', 'ok', 'note'], rows, { decimals: 4 });
    expect(text).toBe('name,eps,n,ok,note\n"SAP-100, r/N=1",0.1,3,false,\n"line\nbreak",0.3333,4,true,x\n');
    expect(parseCsv(text)).toEqual([
      { name: 'SAP-100, r/N=1', eps: 0.1, n: 3, ok: false, note: null },
      { name: 'line\nbreak', eps: 0.3333, n: 4, ok: true, note: 'x' },
    ]);
    expect(toCsv(['a'], [])).toBe('a\n');
    expect(toCsv([], [])).toBe('');
  });
});
