-- The per-user daily upload quota sums a user's recent uploads; the sweeper looks for old unattached ones.
CREATE INDEX attachments_uploader_time ON attachments (uploaded_by, created_at);
CREATE INDEX attachments_unattached ON attachments (created_at) WHERE case_id IS NULL;
