-- linkvault on PostgreSQL, schema 1: every table of the SQLCipher schema 4
-- (docs/FORMAT.md), in the connection's current schema, with row-level
-- security on every table that holds a tenant's rows.
--
-- Types: every integer and time is BIGINT (times are ms since the Unix
-- epoch, as in the file format), every blob BYTEA, token counts DOUBLE
-- PRECISION. Column names and meanings are those of the SQLCipher tables.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- The tenant context of the current transaction, set by the library with
-- set_config('linkvault.tenant', '=' || tenant, true) (transaction-local).
-- The '=' mark tells "set to the empty tenant" (the vault-wide keyring
-- tenant "") from "never set": a custom setting reads '' once a transaction
-- that set it has ended. NULL (no row matches) when no tenant is set.
CREATE FUNCTION linkvault_tenant() RETURNS TEXT
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN left(current_setting('linkvault.tenant', true), 1) = '='
                THEN substr(current_setting('linkvault.tenant', true), 2) END
  $$;

-- The cross-tenant scope of the current transaction ('workers', 'sweep' or
-- 'verify'; '' when none), set with set_config('linkvault.scope', ..., true).
CREATE FUNCTION linkvault_scope() RETURNS TEXT
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('linkvault.scope', true), '')
  $$;

CREATE TABLE keyring (
  tenant     TEXT   NOT NULL,
  purpose    BIGINT NOT NULL,
  version    BIGINT NOT NULL,
  state      BIGINT NOT NULL,
  wrapped    BYTEA,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, purpose, version)
);

CREATE TABLE tenants (
  tenant           TEXT   PRIMARY KEY,
  max_integrations BIGINT,
  audit_sequence   BIGINT NOT NULL DEFAULT 0,
  audit_head       BYTEA
);

CREATE TABLE integrations (
  id                TEXT   PRIMARY KEY,
  tenant            TEXT   NOT NULL,
  provider          TEXT   NOT NULL,
  name              TEXT   NOT NULL,
  account           TEXT,
  status            TEXT   NOT NULL,
  credentials       BYTEA,
  credential_mask   TEXT   NOT NULL DEFAULT '',
  scopes            TEXT   NOT NULL DEFAULT '[]',
  expires_at        BIGINT,
  connected_by      TEXT   NOT NULL,
  connected_at      BIGINT,
  disconnected_at   BIGINT,
  last_used_at      BIGINT,
  last_refreshed_at BIGINT,
  refresh_count     BIGINT NOT NULL DEFAULT 0,
  last_error        TEXT,
  sync_config       TEXT,
  last_sync_at      BIGINT,
  last_sync_status  TEXT,
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX integrations_by_tenant_provider_name
  ON integrations (tenant, provider, name);
CREATE INDEX integrations_by_tenant_status ON integrations (tenant, status);
CREATE INDEX integrations_expiring ON integrations (expires_at, id)
  WHERE status = 'connected' AND expires_at IS NOT NULL;

CREATE TABLE activity (
  tenant         TEXT   NOT NULL,
  sequence       BIGINT NOT NULL,
  id             TEXT   NOT NULL,
  integration_id TEXT,
  action         TEXT   NOT NULL,
  user_id        TEXT   NOT NULL,
  user_name      TEXT   NOT NULL,
  details        TEXT   NOT NULL,
  created_at     BIGINT NOT NULL,
  key_version    BIGINT NOT NULL,
  mac            BYTEA  NOT NULL,
  PRIMARY KEY (tenant, sequence)
);
CREATE UNIQUE INDEX activity_by_id ON activity (id);
CREATE INDEX activity_by_integration ON activity (tenant, integration_id, sequence);

CREATE TABLE providers (
  key        TEXT   PRIMARY KEY,
  spec       TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE sync_jobs (
  id                 TEXT   PRIMARY KEY,
  tenant             TEXT   NOT NULL,
  integration_id     TEXT   NOT NULL,
  type               TEXT   NOT NULL,
  status             TEXT   NOT NULL,
  config             TEXT   NOT NULL,
  progress_percent   BIGINT NOT NULL DEFAULT 0,
  records_processed  BIGINT NOT NULL DEFAULT 0,
  records_total      BIGINT,
  attempt            BIGINT NOT NULL DEFAULT 0,
  max_attempts       BIGINT NOT NULL,
  retry_base_seconds BIGINT NOT NULL,
  run_after          BIGINT NOT NULL,
  worker_id          TEXT,
  lease_token        TEXT   NOT NULL DEFAULT '',
  lease_ms           BIGINT NOT NULL DEFAULT 0,
  lease_until        BIGINT,
  cancel_requested   BIGINT NOT NULL DEFAULT 0,
  error              TEXT,
  outcome            TEXT,
  summary            TEXT,
  created_at         BIGINT NOT NULL,
  started_at         BIGINT,
  completed_at       BIGINT,
  updated_at         BIGINT NOT NULL
);
-- The one-active-job rule, held by the database itself.
CREATE UNIQUE INDEX sync_jobs_one_active ON sync_jobs (integration_id)
  WHERE status IN ('pending', 'running');
CREATE INDEX sync_jobs_queue ON sync_jobs (status, run_after, created_at, id)
  WHERE status IN ('pending', 'running');
CREATE INDEX sync_jobs_by_tenant ON sync_jobs (tenant, created_at, id);
CREATE INDEX sync_jobs_by_integration ON sync_jobs (tenant, integration_id, created_at, id);

CREATE TABLE token_refresh (
  tenant          TEXT   NOT NULL,
  integration_id  TEXT   NOT NULL,
  lease_token     TEXT   NOT NULL DEFAULT '',
  lease_until     BIGINT NOT NULL DEFAULT 0,
  failures        BIGINT NOT NULL DEFAULT 0,
  cooldown_until  BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, integration_id)
);

CREATE TABLE oauth_clients (
  provider       TEXT   PRIMARY KEY,
  client_id      TEXT   NOT NULL,
  sealed_secret  BYTEA,
  updated_at     BIGINT NOT NULL
);

CREATE TABLE oauth_grants (
  state_hash       BYTEA  PRIMARY KEY,
  tenant           TEXT   NOT NULL,
  integration_id   TEXT   NOT NULL,
  sealed_verifier  BYTEA  NOT NULL,
  redirect_uri     TEXT   NOT NULL,
  created_at       BIGINT NOT NULL,
  expires_at       BIGINT NOT NULL
);
CREATE INDEX oauth_grants_by_tenant ON oauth_grants (tenant);
CREATE INDEX oauth_grants_by_expiry ON oauth_grants (expires_at);

CREATE TABLE rate_buckets (
  tenant          TEXT             NOT NULL,
  integration_id  TEXT             NOT NULL,
  minute_tokens   DOUBLE PRECISION NOT NULL,
  hour_tokens     DOUBLE PRECISION NOT NULL,
  refilled_at     BIGINT           NOT NULL,
  blocked_until   BIGINT           NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, integration_id)
);

-- Row-level security. FORCE makes it apply to the tables' owner too (the
-- library's role owns them); a role with BYPASSRLS or SUPERUSER would skip
-- it, which is why the library's role must have neither.
--
-- Every tenant table: a transaction sees and writes only the rows of the
-- tenant it set.
ALTER TABLE keyring ENABLE ROW LEVEL SECURITY;
ALTER TABLE keyring FORCE ROW LEVEL SECURITY;
CREATE POLICY keyring_tenant ON keyring
  USING (tenant = linkvault_tenant()) WITH CHECK (tenant = linkvault_tenant());

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_tenant ON tenants
  USING (tenant = linkvault_tenant()) WITH CHECK (tenant = linkvault_tenant());

ALTER TABLE integrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations FORCE ROW LEVEL SECURITY;
CREATE POLICY integrations_tenant ON integrations
  USING (tenant = linkvault_tenant()) WITH CHECK (tenant = linkvault_tenant());

ALTER TABLE activity ENABLE ROW LEVEL SECURITY;
ALTER TABLE activity FORCE ROW LEVEL SECURITY;
CREATE POLICY activity_tenant ON activity
  USING (tenant = linkvault_tenant()) WITH CHECK (tenant = linkvault_tenant());

ALTER TABLE sync_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY sync_jobs_tenant ON sync_jobs
  USING (tenant = linkvault_tenant()) WITH CHECK (tenant = linkvault_tenant());

ALTER TABLE token_refresh ENABLE ROW LEVEL SECURITY;
ALTER TABLE token_refresh FORCE ROW LEVEL SECURITY;
CREATE POLICY token_refresh_tenant ON token_refresh
  USING (tenant = linkvault_tenant()) WITH CHECK (tenant = linkvault_tenant());

ALTER TABLE oauth_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY oauth_grants_tenant ON oauth_grants
  USING (tenant = linkvault_tenant()) WITH CHECK (tenant = linkvault_tenant());

ALTER TABLE rate_buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE rate_buckets FORCE ROW LEVEL SECURITY;
CREATE POLICY rate_buckets_tenant ON rate_buckets
  USING (tenant = linkvault_tenant()) WITH CHECK (tenant = linkvault_tenant());

-- The narrow cross-tenant policies (docs/FORMAT.md "PostgreSQL"). None lets
-- a row be inserted or changed under another tenant: every write still
-- passes a tenant policy's check, under the row's own tenant.
--
-- 'workers' (claiming and reclaiming jobs, finding a job by id alone):
-- read every tenant's jobs. A claim then enters the job's tenant (tenant
-- row, then job row, each FOR UPDATE SKIP LOCKED) to lock and write it.
CREATE POLICY sync_jobs_workers_read ON sync_jobs FOR SELECT
  USING (linkvault_scope() = 'workers');

-- 'sweep' (scheduling due syncs, refreshing expiring tokens, dropping
-- expired OAuth grants): read integrations' metadata rows of every tenant,
-- and delete expired grants.
CREATE POLICY integrations_sweep_read ON integrations FOR SELECT
  USING (linkvault_scope() = 'sweep');
CREATE POLICY sync_jobs_sweep_read ON sync_jobs FOR SELECT
  USING (linkvault_scope() = 'sweep');
CREATE POLICY oauth_grants_sweep_read ON oauth_grants FOR SELECT
  USING (linkvault_scope() = 'sweep');
CREATE POLICY oauth_grants_sweep_delete ON oauth_grants FOR DELETE
  USING (linkvault_scope() = 'sweep');

-- 'verify' (verify_audit, audit_heads): list which tenants have a chain.
CREATE POLICY tenants_verify_read ON tenants FOR SELECT
  USING (linkvault_scope() = 'verify');
CREATE POLICY activity_verify_read ON activity FOR SELECT
  USING (linkvault_scope() = 'verify');
