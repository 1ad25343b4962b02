-- linkvault schema 4: OAuth token refresh, authorization grants (PKCE) and
-- rate limits (issue 10; rules in docs/SEMANTICS.md, layout in
-- docs/FORMAT.md, "OAuth (schema 4)"). Times are integer milliseconds since
-- the Unix epoch (UTC). None of these rows is in the audit chain: they are
-- bookkeeping, and what they lead to (token_refreshed, connected, ...) is.

-- One row per integration that has been refreshed or is being refreshed.
-- The lease is the single flight across processes: a refresher takes it with
-- a fresh random token, renews it while the provider call runs, and its
-- result is written only while it still holds it (WHERE lease_token = its
-- token), so a refresher whose lease was taken over cannot overwrite the one
-- that took it. An integration without a row reads as the defaults.
CREATE TABLE token_refresh (
  tenant          TEXT    NOT NULL,
  integration_id  TEXT    NOT NULL,
  lease_token     TEXT    NOT NULL DEFAULT '',  -- '' when no one holds the lease
  lease_until     INTEGER NOT NULL DEFAULT 0,   -- the lease is live while now < lease_until
  failures        INTEGER NOT NULL DEFAULT 0,   -- consecutive transient failures
  cooldown_until  INTEGER NOT NULL DEFAULT 0,   -- no refresher call before this (unless forced)
  PRIMARY KEY (tenant, integration_id)
) WITHOUT ROWID;

-- The host's OAuth client per provider (configure_oauth_client). The secret
-- is sealed under the keyring of the reserved tenant "" (no real tenant has
-- that id), context {"", provider, "oauth_client_secret"}: it belongs to the
-- host, not to any tenant, and survives every purge_tenant.
CREATE TABLE oauth_clients (
  provider       TEXT PRIMARY KEY,
  client_id      TEXT    NOT NULL,
  sealed_secret  BLOB,              -- NULL: no secret
  updated_at     INTEGER NOT NULL
) WITHOUT ROWID;

-- Pending authorization grants of begin_oauth, each used at most once:
-- complete_oauth deletes the row in the transaction that reads it. Only the
-- SHA-256 of the state is kept, so the file alone cannot complete a flow.
-- The PKCE verifier is sealed under the tenant's credentials key, context
-- {tenant, integration_id, "pkce_verifier"}.
CREATE TABLE oauth_grants (
  state_hash       BLOB PRIMARY KEY,   -- SHA-256 of the state text, 32 bytes
  tenant           TEXT    NOT NULL,
  integration_id   TEXT    NOT NULL,
  sealed_verifier  BLOB    NOT NULL,
  redirect_uri     TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL    -- created_at + 10 minutes
) WITHOUT ROWID;
-- purge_tenant's delete.
CREATE INDEX oauth_grants_by_tenant ON oauth_grants (tenant);
-- delete_expired_oauth_grants: the expired ones, oldest first.
CREATE INDEX oauth_grants_by_expiry ON oauth_grants (expires_at);

-- Per integration, the two token buckets of acquire() and the block of
-- penalize(). Tokens are REAL: they refill continuously (per_minute/60 and
-- per_hour/3600 a second) from refilled_at, capped at the limit. An
-- integration without a row has full buckets and no block.
CREATE TABLE rate_buckets (
  tenant          TEXT    NOT NULL,
  integration_id  TEXT    NOT NULL,
  minute_tokens   REAL    NOT NULL,
  hour_tokens     REAL    NOT NULL,
  refilled_at     INTEGER NOT NULL,
  blocked_until   INTEGER NOT NULL DEFAULT 0,  -- penalize(): nothing granted before this
  PRIMARY KEY (tenant, integration_id)
) WITHOUT ROWID;

-- expiring() and refresh_expiring(): connected tokens by expiry.
-- Partial: only rows with a token that expires are in it, and a status or
-- expiry change of any other row rewrites no index entry. Queries repeat its
-- WHERE so that SQLite 3.15 uses it.
CREATE INDEX integrations_expiring ON integrations (expires_at, id)
  WHERE status = 'connected' AND expires_at IS NOT NULL;
