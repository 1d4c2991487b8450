-- Attempts to track a case by number + phone without signing in, counted in fixed
-- windows per bucket ('ip:<addr>' or 'no:<case number>'), so every instance of the
-- server shares one count. Old windows are pruned by the server as it goes.
CREATE TABLE public_track_attempts (
  bucket text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, window_start)
);
CREATE INDEX public_track_attempts_window ON public_track_attempts (window_start);
