-- In-app inbox. A notification goes to one user or to one unit (every member sees it).
CREATE TABLE notifications (
  id uuid PRIMARY KEY,
  recipient_user_id uuid REFERENCES users(id) ON DELETE CASCADE,
  recipient_unit_id uuid REFERENCES units(id) ON DELETE CASCADE,
  case_id uuid REFERENCES cases(id) ON DELETE SET NULL,
  kind text NOT NULL,
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Read state of a user notification; unit notifications are read per member in notification_reads.
  read_at timestamptz,
  CONSTRAINT notifications_one_recipient CHECK (num_nonnulls(recipient_user_id, recipient_unit_id) = 1),
  CONSTRAINT notifications_read_only_for_user CHECK (read_at IS NULL OR recipient_user_id IS NOT NULL)
);
-- Inbox pages (newest first) and unread counts, one index per kind of recipient.
CREATE INDEX notifications_user_inbox ON notifications (recipient_user_id, created_at DESC, id DESC) WHERE recipient_user_id IS NOT NULL;
CREATE INDEX notifications_user_unread ON notifications (recipient_user_id, created_at DESC) WHERE recipient_user_id IS NOT NULL AND read_at IS NULL;
CREATE INDEX notifications_unit_inbox ON notifications (recipient_unit_id, created_at DESC, id DESC) WHERE recipient_unit_id IS NOT NULL;
CREATE INDEX notifications_case ON notifications (case_id) WHERE case_id IS NOT NULL;

-- Each member of a unit reads a unit notification on their own.
CREATE TABLE notification_reads (
  notification_id uuid NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  read_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (notification_id, user_id)
);
CREATE INDEX notification_reads_user ON notification_reads (user_id);

-- Outbound delivery (webhook, SMS, email), written in the same transaction as the
-- notification and delivered by a worker that takes due rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE notification_outbox (
  id uuid PRIMARY KEY,
  notification_id uuid NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('webhook', 'sms', 'email')),
  target text NOT NULL,
  payload jsonb NOT NULL,
  -- Attempts started; also the fencing token of the current claim.
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  -- Set when the last allowed attempt failed; the row is kept with its last error.
  failed_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX notification_outbox_notification ON notification_outbox (notification_id);
CREATE INDEX notification_outbox_delivered ON notification_outbox (delivered_at) WHERE delivered_at IS NOT NULL;
