/**
 * Rates of the registers: always a fraction of two counts taken from the
 * records (never a quoted figure), rounded to 4 decimals (0.9091 = 90.91%),
 * null when the denominator is 0.
 */
export function rate(numerator: number, denominator: number): number | null {
  if (!denominator) return null;
  return Math.round((numerator / denominator) * 10_000) / 10_000;
}

/** A rate as the console shows it: 90.91%. */
export function percent(r: number | null): string {
  return r === null ? '—' : `${(r * 100).toFixed(2)}%`;
}
