-- linkvault schema 3: sync jobs (DESIGN.md §4; rules in docs/SEMANTICS.md,
-- "Sync jobs"). Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE sync_jobs (
  id                 TEXT    PRIMARY KEY,  -- UUIDv7
  tenant             TEXT    NOT NULL,
  integration_id     TEXT    NOT NULL,
  type               TEXT    NOT NULL,     -- full_import | incremental_sync | export | field_mapping_update
  status             TEXT    NOT NULL,     -- pending | running | completed | failed | cancelled
  config             TEXT    NOT NULL,     -- a JSON object
  progress_percent   INTEGER NOT NULL DEFAULT 0,
  records_processed  INTEGER NOT NULL DEFAULT 0,
  records_total      INTEGER,
  attempt            INTEGER NOT NULL DEFAULT 0,
  max_attempts       INTEGER NOT NULL,
  retry_base_seconds INTEGER NOT NULL,
  run_after          INTEGER NOT NULL,
  worker_id          TEXT,                 -- holding, or last holding, the job
  lease_token        TEXT    NOT NULL DEFAULT '',  -- fresh per claim; '' when not held
  lease_ms           INTEGER NOT NULL DEFAULT 0,   -- the claim's lease length
  lease_until        INTEGER,
  cancel_requested   INTEGER NOT NULL DEFAULT 0,
  error              TEXT,
  outcome            TEXT,                 -- success | partial | failed
  summary            TEXT,                 -- a JSON object
  created_at         INTEGER NOT NULL,
  started_at         INTEGER,
  completed_at       INTEGER,
  updated_at         INTEGER NOT NULL
) WITHOUT ROWID;

-- The one-active-job rule: at most one pending or running job per
-- integration, whatever the code above the store checks.
CREATE UNIQUE INDEX sync_jobs_one_active ON sync_jobs (integration_id)
  WHERE status IN ('pending', 'running');
-- The queue: pending jobs by due time (claim_job takes the first), then the
-- running ones (lease recovery reads each one's lease_until; there are about
-- as many as workers). Only status and run_after are keyed, so a heartbeat,
-- which moves lease_until and progress, rewrites the row and no index.
CREATE INDEX sync_jobs_queue ON sync_jobs (status, run_after, created_at, id)
  WHERE status IN ('pending', 'running');
-- Tenant::jobs(), newest first, of the tenant or of one integration.
CREATE INDEX sync_jobs_by_tenant ON sync_jobs (tenant, created_at, id);
CREATE INDEX sync_jobs_by_integration ON sync_jobs (tenant, integration_id, created_at, id);
