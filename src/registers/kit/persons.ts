/**
 * Persons (当事人 / 信访人): one record shared by every register, matched by
 * ID number and phone without keeping either readable in a matchable form.
 *
 * The key: ZHILI_PERSON_KEY, 32 random bytes as 64 hex characters or base64
 * (`openssl rand -hex 32`), validated at start. Two keys are derived from it
 * (HKDF-SHA256): one for the matching hashes (HMAC-SHA256), one for the
 * ciphertext of the ID number (AES-256-GCM). A production start (PostgreSQL,
 * no demo) without it stops; a laptop or test start uses a fixed development
 * key and says so. Changing the key makes stored hashes unmatchable, so keep it
 * with the database backups.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import { ConfigError, type Config } from '../../platform/config.ts';
import { invalid } from '../../platform/errors.ts';
import { maskName, maskPhone } from '../../platform/masking.ts';
import { v7 as uuidv7 } from 'uuid';
import type { Principal } from '../../org/auth.ts';

const DEV_KEY = Buffer.alloc(32, 'zhili-development-person-key-00');

/** The person key from the environment; null means "use the development key" (refused in production). */
export function loadPersonKey(env: NodeJS.ProcessEnv, config: Pick<Config, 'databaseUrl' | 'demo'>): { key: Buffer; development: boolean } {
  const raw = env.ZHILI_PERSON_KEY?.trim();
  const production = /^postgres(ql)?:/.test(config.databaseUrl) && !config.demo;
  if (!raw) {
    if (production) throw new ConfigError(['ZHILI_PERSON_KEY: required on a production start (32 random bytes as hex: openssl rand -hex 32)']);
    return { key: DEV_KEY, development: true };
  }
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : /^[A-Za-z0-9+/_-]{43,}={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : null;
  if (!key || key.length < 32) throw new ConfigError(['ZHILI_PERSON_KEY: expected 32 bytes as 64 hex characters or base64 (openssl rand -hex 32)']);
  return { key, development: false };
}

/** GB 11643 check digit of the first 17 digits. */
function checkDigit(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * w[i];
  return '10X98765432'[sum % 11];
}

/** A resident ID number in canonical form (18 characters, upper-case X), or an error message. */
export function normaliseIdNumber(raw: string): { ok: true; value: string } | { ok: false; message: string } {
  const v = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^\d{17}[\dX]$/.test(v)) return { ok: false, message: '身份证号须为 18 位 (an 18-character resident ID number)' };
  if (checkDigit(v.slice(0, 17)) !== v[17]) return { ok: false, message: '身份证号校验位不正确 (check digit does not match)' };
  return { ok: true, value: v };
}

/** A valid ID number from 17 digits (tests and demo data). */
export function withCheckDigit(first17: string): string {
  return first17 + checkDigit(first17);
}

/** 430602********123X: the region and the last four. */
export function maskIdNumber(id: string): string {
  return `${id.slice(0, 6)}${'*'.repeat(Math.max(0, id.length - 10))}${id.slice(-4)}`;
}

/** A phone as persons store and hash it (no spaces or dashes, no +86 before a mobile number). */
export const normalisePhone = (p: string) => p.replace(/[\s-]/g, '').replace(/^\+?86(?=1\d{10}$)/, '');

export class PersonVault {
  private readonly macKey: Buffer;
  private readonly encKey: Buffer;
  constructor(master: Buffer, readonly development = false) {
    this.macKey = Buffer.from(hkdfSync('sha256', master, 'zhili', 'person-match', 32));
    this.encKey = Buffer.from(hkdfSync('sha256', master, 'zhili', 'person-id-cipher', 32));
  }
  hash(kind: 'id' | 'phone', value: string): string {
    return createHmac('sha256', this.macKey).update(`${kind}:${value}`).digest('base64url');
  }
  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.encKey, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}.${c.getAuthTag().toString('base64url')}`;
  }
  decrypt(stored: string): string {
    const [v, iv, body, tag] = stored.split('.');
    if (v !== 'v1') throw new Error('unknown cipher version');
    const d = createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
  }
}

declare module '../../platform/context.ts' {
  interface Services {
    /** Keyed hashing and encryption of persons' ID numbers and phones (ZHILI_PERSON_KEY). */
    persons: PersonVault;
  }
}

export const PERSON_INPUT = z.strictObject({
  name: z.string().trim().min(1).max(50),
  idNumber: z.string().max(30).optional(),
  phone: z.string().trim().regex(/^[0-9+\-\s]{5,20}$/, '电话号码格式不正确 (a phone number)').optional(),
  gender: z.enum(['male', 'female']).optional(),
  address: z.string().max(200).optional(),
});
export type PersonInput = z.infer<typeof PERSON_INPUT>;

/**
 * Finds the person by ID number (then by phone and the same name) or creates
 * one; fills in what the record lacked. Returns the person's id.
 */
export async function upsertPerson(q: Queryable, vault: PersonVault, input: PersonInput, field = 'person'): Promise<string> {
  let idNo: string | null = null;
  if (input.idNumber) {
    const n = normaliseIdNumber(input.idNumber);
    if (!n.ok) throw invalid(`${field}.idNumber`, n.message);
    idNo = n.value;
  }
  const phone = input.phone ? normalisePhone(input.phone) : null;
  const idHash = idNo ? vault.hash('id', idNo) : null;
  const phoneHash = phone ? vault.hash('phone', phone) : null;
  let found: { id: string } | undefined;
  if (idHash) found = (await q.query<{ id: string }>(`SELECT id FROM persons WHERE id_hash = $1`, [idHash]))[0];
  if (!found && phoneHash) found = (await q.query<{ id: string }>(`SELECT id FROM persons WHERE phone_hash = $1 AND name = $2 ORDER BY created_at LIMIT 1`, [phoneHash, input.name]))[0];
  if (found) {
    await q.query(
      `UPDATE persons SET id_hash = coalesce(id_hash, $2), id_cipher = coalesce(id_cipher, $3), id_masked = coalesce(id_masked, $4),
         phone = coalesce($5, phone), phone_hash = coalesce($6, phone_hash), gender = coalesce(gender, $7), address = coalesce($8, address), updated_at = now()
       WHERE id = $1`,
      [found.id, idHash, idNo ? vault.encrypt(idNo) : null, idNo ? maskIdNumber(idNo) : null, phone, phoneHash, input.gender ?? null, input.address ?? null],
    );
    return found.id;
  }
  const id = uuidv7();
  await q.query(
    `INSERT INTO persons (id, name, id_hash, id_cipher, id_masked, phone, phone_hash, gender, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id_hash) DO NOTHING`,
    [id, input.name, idHash, idNo ? vault.encrypt(idNo) : null, idNo ? maskIdNumber(idNo) : null, phone, phoneHash, input.gender ?? null, input.address ?? null],
  );
  if (idHash) return (await q.query<{ id: string }>(`SELECT id FROM persons WHERE id_hash = $1`, [idHash]))[0].id;
  return id;
}

/**
 * Roles that see persons' names and phones unmasked (each such read is
 * audited). ID numbers are always masked except on an explicit, audited reveal.
 */
export const PERSON_PII_ROLES: readonly string[] = ['admin', 'mediator', 'supervisor', 'petition_officer'];

export const seesPersons = (p: Principal) => p.roles.some((r) => PERSON_PII_ROLES.includes(r));

export interface PersonRow {
  id: string;
  name: string;
  id_masked: string | null;
  id_cipher?: string | null;
  phone: string | null;
  gender: string | null;
  address: string | null;
}

export const PERSON_VIEW = z.object({
  id: z.uuid(),
  name: z.string(),
  idNumber: z.string().nullable().describe('masked (430602********123X) unless revealed'),
  phone: z.string().nullable(),
  gender: z.string().nullable(),
  address: z.string().nullable(),
  masked: z.boolean().describe('true when name and phone are masked for the caller'),
});
export type PersonView = z.infer<typeof PERSON_VIEW>;

/** A person as the caller may see it; `reveal` (audited by the caller) shows the ID number itself. */
export function personView(r: PersonRow, p: Principal, vault: PersonVault, reveal = false): PersonView {
  const full = seesPersons(p);
  return {
    id: r.id,
    name: full ? r.name : maskName(r.name),
    idNumber: reveal && full && r.id_cipher ? vault.decrypt(r.id_cipher) : r.id_masked,
    phone: full ? r.phone : maskPhone(r.phone),
    gender: r.gender,
    address: full ? r.address : null,
    masked: !full,
  };
}
