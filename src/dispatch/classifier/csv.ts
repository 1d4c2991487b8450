/**
 * A small streaming CSV reader (RFC 4180): quoted fields with doubled quotes,
 * commas and line breaks inside quotes, CRLF or LF, a UTF-8 byte-order mark
 * or none. Reads chunk by chunk, so a file of a million rows is never held in
 * memory; yields one array of fields per record.
 */
import { createReadStream } from 'node:fs';

export interface CsvOptions {
  delimiter?: string;
}

/** Parses CSV text arriving in chunks. */
export async function* parseCsv(chunks: AsyncIterable<string> | Iterable<string>, opts: CsvOptions = {}): AsyncGenerator<string[]> {
  const delim = opts.delimiter ?? ',';
  if (delim.length !== 1 || delim === '"' || delim === '\n' || delim === '\r') throw new Error('CSV delimiter must be one character other than a quote or line break');
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  /** the previous chunk ended on a quote inside a quoted field: it closes the field or starts a doubled quote */
  let quotePending = false;
  let sawCR = false;
  let first = true;
  let fieldStarted = false;

  for await (let chunk of chunks) {
    if (first) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      if (!chunk.length) continue;
      first = false;
    }
    let i = 0;
    const n = chunk.length;
    if (quotePending) {
      quotePending = false;
      if (chunk[0] === '"') {
        field += '"';
        i = 1;
      } else inQuotes = false;
    }
    while (i < n) {
      if (inQuotes) {
        const q = chunk.indexOf('"', i);
        if (q < 0) {
          field += chunk.slice(i);
          i = n;
          break;
        }
        field += chunk.slice(i, q);
        if (q + 1 === n) {
          quotePending = true;
          i = n;
          break;
        }
        if (chunk[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          inQuotes = false;
          i = q + 1;
        }
        continue;
      }
      const ch = chunk[i];
      if (sawCR) {
        sawCR = false;
        if (ch === '\n') {
          i++;
          continue;
        }
      }
      if (ch === delim) {
        record.push(field);
        field = '';
        fieldStarted = true;
        i++;
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r') sawCR = true;
        record.push(field);
        yield record;
        record = [];
        field = '';
        fieldStarted = false;
        i++;
      } else if (ch === '"' && field === '') {
        inQuotes = true;
        fieldStarted = true;
        i++;
      } else {
        // plain run up to the next special character
        let j = i + 1;
        while (j < n) {
          const c = chunk[j];
          if (c === delim || c === '\n' || c === '\r') break;
          j++;
        }
        field += chunk.slice(i, j);
        fieldStarted = true;
        i = j;
      }
    }
  }
  if (field !== '' || record.length || fieldStarted || inQuotes || quotePending) {
    record.push(field);
    yield record;
  }
}

/** Streams the records of a CSV file (UTF-8). Tab-separated when the name ends in .tsv. */
export function readCsvFile(path: string, opts: CsvOptions = {}): AsyncGenerator<string[]> {
  const delimiter = opts.delimiter ?? (/\.tsv$/i.test(path) ? '\t' : ',');
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  return parseCsv(stream as AsyncIterable<string>, { delimiter });
}
