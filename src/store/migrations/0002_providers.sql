-- linkvault schema 2: providers a host registered (Vault::register_provider),
-- shared by every process that opens the vault. Built-in providers are
-- compiled into the library and never stored here.

CREATE TABLE providers (
  key        TEXT    PRIMARY KEY,  -- [a-z0-9_]{1,64}, never a built-in key
  spec       TEXT    NOT NULL,     -- canonical JSON: to_json(parse_provider_spec(...))
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL      -- = created_at until replaced
) WITHOUT ROWID;
