/**
 * A small RFC 4180 CSV reader (quoted fields with commas, quotes and newlines; CRLF or LF) with
 * PapaParse-style typing: fields that read as finite numbers become numbers, `true`/`false`
 * booleans, empty fields `null`, except in the columns kept as strings. Reading results needs
 * nothing else (no danfo.js).
 */

/** Splits CSV text into records of raw string fields. Blank lines are skipped. */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    record.push(field);
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
    field = '';
  };
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      endRecord();
      i += 2;
    } else if (ch === '\n' || ch === '\r') {
      endRecord();
      i++;
    } else {
      field += ch;
      i++;
    }
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || record.length) endRecord();
  return records;
}

/** A CSV field typed as PapaParse's `dynamicTyping` would. */
export function typeCsvField(v: string): string | number | boolean | null {
  if (v === '') return null;
  if (v === 'true' || v === 'TRUE') return true;
  if (v === 'false' || v === 'FALSE') return false;
  if (/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
  return v;
}

/**
 * CSV text with a header row as an array of objects. Columns in `stringColumns` keep their text;
 * the others are typed by `typeCsvField`. A record with a different number of fields than the
 * header is an error naming its line.
 */
export function parseCsv(text: string, stringColumns: ReadonlySet<string> = new Set()): Record<string, string | number | boolean | null>[] {
  const [header, ...records] = parseCsvRecords(text);
  if (!header) return [];
  return records.map((r, i) => {
    if (r.length !== header.length) throw new Error(`CSV record ${i + 1} has ${r.length} fields, the header ${header.length}`);
    return Object.fromEntries(header.map((h, j) => [h, stringColumns.has(h) ? (r[j] === '' ? null : r[j]) : typeCsvField(r[j])]));
  });
}

/** Options of `toCsv`. */
interface CsvOptions {
  /** Round numbers to this many decimals (e.g. 6). Default: written as they are. */
  decimals?: number;
}

/**
 * One CSV field (RFC 4180): empty for `null`/`undefined`, numbers as JavaScript prints them (or
 * rounded to `decimals`), booleans `true`/`false`, strings quoted when they hold a quote, comma or
 * line break, start or end with a space, or are empty.
 */
export function csvField(v: unknown, options: CsvOptions = {}): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return options.decimals === undefined ? String(v) : String(Math.round(v * 10 ** options.decimals) / 10 ** options.decimals);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = String(v);
  return /[",\r\n]|^\s|\s$|^$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The one CSV writer of saplab (results, comparisons, RL tables): a header of `columns`, then one
 * line per row, `\n` line ends; no columns and no rows give the empty text.
 */
export function toCsv(columns: readonly string[], rows: readonly object[], options: CsvOptions = {}): string {
  if (columns.length === 0 && rows.length === 0) return '';
  const lines = [columns.map((c) => csvField(c)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField((row as Record<string, unknown>)[c], options)).join(','));
  return `${lines.join('\n')}\n`;
}
