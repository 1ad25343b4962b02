-- linkvault schema 5: the record path (issue 12; rules in docs/SEMANTICS.md,
-- layout in docs/FORMAT.md, "Records (schema 5)"). Times are integer
-- milliseconds since the Unix epoch (UTC). Record values are never stored:
-- only each record's HMAC (the tenant's records key, KeyPurpose 3), which is
-- all change detection needs. None of these rows is in the audit chain.

-- An integration's own field mapping rules (set_field_mappings); no row:
-- the provider's defaults apply. A blind write, last writer wins.
CREATE TABLE field_mappings (
  tenant          TEXT    NOT NULL,
  integration_id  TEXT    NOT NULL,
  rules           TEXT    NOT NULL,  -- a JSON array of rule objects (to_json)
  updated_by      TEXT    NOT NULL,  -- the actor's user id
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (tenant, integration_id)
) WITHOUT ROWID;

-- What change detection remembers per (integration, external id). The key
-- is the primary key, so remembered_records is one point lookup per id and
-- forget_unseen_records walks one integration's rows only.
CREATE TABLE records (
  tenant          TEXT    NOT NULL,
  integration_id  TEXT    NOT NULL,
  external_id     TEXT    NOT NULL,
  -- HMAC-SHA256 of the mapped record; 32 zero bytes while stale.
  hash            BLOB    NOT NULL CHECK (length(hash) = 32),
  -- 1 once a field_mapping_update job was claimed since the record was
  -- last remembered with a hash: the next map_records reports it updated.
  stale           INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1)),
  seen_job        TEXT,              -- the job whose commit last saw it; NULL: none
  seen_at         INTEGER NOT NULL,  -- when a commit last saw it
  PRIMARY KEY (tenant, integration_id, external_id)
) WITHOUT ROWID;
