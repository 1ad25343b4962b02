-- linkvault schema 1: keyring, tenants (quota + audit head), integrations,
-- activity. Times are integer milliseconds since the Unix epoch (UTC).

-- Facts about the vault itself (format marker, key derivation profile).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Data keys wrapped under the vault's wrapping key (docs/FORMAT.md).
-- A destroyed key keeps its row (so its version is never reused and errors
-- can say "destroyed") with `wrapped` NULL.
CREATE TABLE keyring (
  tenant     TEXT    NOT NULL,
  purpose    INTEGER NOT NULL,
  version    INTEGER NOT NULL,
  state      INTEGER NOT NULL,
  wrapped    BLOB,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, purpose, version)
) WITHOUT ROWID;

-- Per-tenant settings and the head of the tenant's audit chain.
CREATE TABLE tenants (
  tenant           TEXT PRIMARY KEY,
  max_integrations INTEGER,
  audit_sequence   INTEGER NOT NULL DEFAULT 0,
  audit_head       BLOB
) WITHOUT ROWID;

CREATE TABLE integrations (
  id                TEXT PRIMARY KEY,
  tenant            TEXT    NOT NULL,
  provider          TEXT    NOT NULL,
  name              TEXT    NOT NULL,
  account           TEXT,
  status            TEXT    NOT NULL,
  credentials       BLOB,
  credential_mask   TEXT    NOT NULL DEFAULT '',
  scopes            TEXT    NOT NULL DEFAULT '[]',
  expires_at        INTEGER,
  connected_by      TEXT    NOT NULL,
  connected_at      INTEGER,
  disconnected_at   INTEGER,
  last_used_at      INTEGER,
  last_refreshed_at INTEGER,
  refresh_count     INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT,
  sync_config       TEXT,
  last_sync_at      INTEGER,
  last_sync_status  TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) WITHOUT ROWID;
-- connect's uniqueness rule and find(); also serves tenant scans by provider.
CREATE UNIQUE INDEX integrations_by_tenant_provider_name
  ON integrations (tenant, provider, name);
-- list(status=...) and the quota count.
CREATE INDEX integrations_by_tenant_status ON integrations (tenant, status);

-- The activity log: one HMAC chain per tenant, ordered by sequence.
CREATE TABLE activity (
  tenant         TEXT    NOT NULL,
  sequence       INTEGER NOT NULL,
  id             TEXT    NOT NULL,
  integration_id TEXT,
  action         TEXT    NOT NULL,
  user_id        TEXT    NOT NULL,
  user_name      TEXT    NOT NULL,
  details        TEXT    NOT NULL,
  created_at     INTEGER NOT NULL,
  key_version    INTEGER NOT NULL,
  mac            BLOB    NOT NULL,
  PRIMARY KEY (tenant, sequence)
) WITHOUT ROWID;
CREATE UNIQUE INDEX activity_by_id ON activity (id);
-- activity(integration_id): the newest entries of one integration. It covers
-- every listed column, so a page of 50 entries reads a few adjacent index
-- pages instead of 50 scattered table pages (each a decrypt and HMAC check).
-- Queries name it: the primary key would also match "tenant = ? ORDER BY
-- sequence" and scan the whole tenant.
CREATE INDEX activity_by_integration ON activity
  (tenant, integration_id, sequence, id, action, user_id, user_name, details, created_at);
