/**
 * Masking of personal data, one rule for the whole system: lists, case
 * views, the public tracking page and the logs show 138****5678, never a
 * whole phone, unless the caller may see it (and that read is audited).
 */

/** 138****5678; a shorter number keeps only its last four digits (****3456), one of four or fewer nothing. */
export function maskPhone(phone: string): string;
export function maskPhone(phone: string | null | undefined): string | null;
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return phone ?? null;
  if (phone.length >= 11) return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
  if (phone.length > 4) return `${'*'.repeat(phone.length - 4)}${phone.slice(-4)}`;
  return '****';
}

/** 张**: the first character, then one star per other character (at least one). */
export function maskName(name: string): string;
export function maskName(name: string | null | undefined): string | null;
export function maskName(name: string | null | undefined): string | null {
  if (!name) return name ?? null;
  const chars = [...name];
  return `${chars[0]}${'*'.repeat(Math.max(1, chars.length - 1))}`;
}
