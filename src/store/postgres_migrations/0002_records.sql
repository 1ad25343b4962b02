-- linkvault on PostgreSQL, schema 2: the record path, the tables of the
-- SQLCipher schema 5 (docs/FORMAT.md "Records (schema 5)"), with the same
-- row-level security as every tenant table of schema 1. Applied to a schema
-- 1 vault in one transaction, like every migration.
--
-- Types as in schema 1: times BIGINT (ms since the Unix epoch), the hash
-- BYTEA; stale is a BOOLEAN here (INTEGER 0/1 in the file).

CREATE TABLE field_mappings (
  tenant          TEXT   NOT NULL,
  integration_id  TEXT   NOT NULL,
  rules           TEXT   NOT NULL,
  updated_by      TEXT   NOT NULL,
  updated_at      BIGINT NOT NULL,
  PRIMARY KEY (tenant, integration_id)
);

CREATE TABLE records (
  tenant          TEXT    NOT NULL,
  integration_id  TEXT    NOT NULL,
  external_id     TEXT    NOT NULL,
  hash            BYTEA   NOT NULL CHECK (octet_length(hash) = 32),
  stale           BOOLEAN NOT NULL DEFAULT false,
  seen_job        TEXT,
  seen_at         BIGINT  NOT NULL,
  PRIMARY KEY (tenant, integration_id, external_id)
);

ALTER TABLE field_mappings ENABLE ROW LEVEL SECURITY;
ALTER TABLE field_mappings FORCE ROW LEVEL SECURITY;
CREATE POLICY field_mappings_tenant ON field_mappings
  USING (tenant = linkvault_tenant()) WITH CHECK (tenant = linkvault_tenant());

ALTER TABLE records ENABLE ROW LEVEL SECURITY;
ALTER TABLE records FORCE ROW LEVEL SECURITY;
CREATE POLICY records_tenant ON records
  USING (tenant = linkvault_tenant()) WITH CHECK (tenant = linkvault_tenant());
