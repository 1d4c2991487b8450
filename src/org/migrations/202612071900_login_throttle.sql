-- Failure counters for sign-in and one-time codes, shared by every instance:
-- one row per key ('login-user:<username>', 'login-client:<address>',
-- 'otp-phone:<phone>', 'otp-client:<address>'). A key with blocked_until in
-- the future is refused (429) until then; delays are bounded, never permanent.
CREATE TABLE auth_throttle (
  key text PRIMARY KEY,
  failures integer NOT NULL DEFAULT 0,
  blocked_until timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_throttle_updated ON auth_throttle (updated_at);

-- Which client address asked for a code: the per-client request limit counts these.
ALTER TABLE otp_codes ADD COLUMN client text;
CREATE INDEX otp_codes_client ON otp_codes (client, created_at DESC);
