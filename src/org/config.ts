/**
 * Sign-in settings from the environment, validated at start: a wrong value
 * stops the server with a message naming the variable.
 *
 * - ZHILI_LOGIN_FREE_ATTEMPTS         failed sign-ins per account before delays start (5)
 * - ZHILI_LOGIN_CLIENT_FREE_ATTEMPTS  failed sign-ins per client address, over all accounts (20)
 * - ZHILI_LOGIN_MAX_DELAY_SECONDS     the longest delay; delays double from 1 s up to it (900)
 * - ZHILI_HASH_CONCURRENCY            password hashes computed at once, 19 MiB each (2)
 * - ZHILI_HASH_QUEUE                  sign-ins that may wait for a hashing slot; more get 503 (16)
 * - ZHILI_OTP_PHONE_PER_HOUR          one-time codes sent to one phone per hour (5)
 * - ZHILI_OTP_CLIENT_PER_HOUR         one-time codes requested by one client address per hour (10)
 * - ZHILI_OTP_FREE_ATTEMPTS           wrong codes per phone and per client before delays start (10)
 * - ZHILI_SMS_*                       the SMS gateway for one-time codes (see platform/sms.ts)
 */
import { z } from 'zod';
import { envIssues, loadSmsGatewayConfig, type SmsGatewayConfig } from '../platform/sms.ts';

/** Failures allowed free, then a delay that doubles from baseSeconds up to maxSeconds. */
export interface Backoff {
  free: number;
  baseSeconds: number;
  maxSeconds: number;
  /** A key's count starts again after this long without a failure. */
  windowSeconds: number;
}

export interface AuthConfig {
  loginAccount: Backoff;
  loginClient: Backoff;
  otpVerify: Backoff;
  hashConcurrency: number;
  hashQueue: number;
  otpPhonePerHour: number;
  otpClientPerHour: number;
  /** The SMS gateway for one-time codes; undefined = the log sender in the demo, a refusal to send otherwise. */
  sms?: SmsGatewayConfig;
}

const int = (dflt: number, min: number, max: number) => {
  const message = `an integer from ${min} to ${max} (default ${dflt})`;
  return z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message }).default(dflt),
  );
};

const AUTH_ENV = z.object({
  ZHILI_LOGIN_FREE_ATTEMPTS: int(5, 1, 1000),
  ZHILI_LOGIN_CLIENT_FREE_ATTEMPTS: int(20, 1, 100_000),
  ZHILI_LOGIN_MAX_DELAY_SECONDS: int(900, 1, 86_400),
  ZHILI_HASH_CONCURRENCY: int(2, 1, 64),
  ZHILI_HASH_QUEUE: int(16, 0, 10_000),
  ZHILI_OTP_PHONE_PER_HOUR: int(5, 1, 1000),
  ZHILI_OTP_CLIENT_PER_HOUR: int(10, 1, 100_000),
  ZHILI_OTP_FREE_ATTEMPTS: int(10, 1, 1000),
});

const backoff = (free: number, maxSeconds: number): Backoff => ({ free, baseSeconds: 1, maxSeconds, windowSeconds: Math.max(3600, 2 * maxSeconds) });

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AuthConfig> = {}): AuthConfig {
  const r = AUTH_ENV.safeParse(env);
  let sms: SmsGatewayConfig | undefined;
  let smsError = '';
  try {
    if (!('sms' in overrides)) sms = loadSmsGatewayConfig(env);
  } catch (err) {
    smsError = (err as Error).message;
  }
  // Every wrong variable at once, each named, rather than one per start.
  if (!r.success) throw new Error([`invalid sign-in configuration:\n${envIssues(r.error)}`, smsError].filter(Boolean).join('\n'));
  if (smsError) throw new Error(smsError);
  const e = r.data;
  return {
    loginAccount: backoff(e.ZHILI_LOGIN_FREE_ATTEMPTS, e.ZHILI_LOGIN_MAX_DELAY_SECONDS),
    loginClient: backoff(e.ZHILI_LOGIN_CLIENT_FREE_ATTEMPTS, e.ZHILI_LOGIN_MAX_DELAY_SECONDS),
    otpVerify: backoff(e.ZHILI_OTP_FREE_ATTEMPTS, e.ZHILI_LOGIN_MAX_DELAY_SECONDS),
    hashConcurrency: e.ZHILI_HASH_CONCURRENCY,
    hashQueue: e.ZHILI_HASH_QUEUE,
    otpPhonePerHour: e.ZHILI_OTP_PHONE_PER_HOUR,
    otpClientPerHour: e.ZHILI_OTP_CLIENT_PER_HOUR,
    sms,
    ...overrides,
  };
}
