"""Reads a PostgreSQL vault as docs/FORMAT.md "PostgreSQL" describes it,
with nothing of linkvault's: psql for the rows (as the server's superuser,
whom row-level security does not filter, as an operator with the database's
own credentials), Python's hmac and `cryptography` for the keys, and then
format_reader's file-format checks unchanged on the same rows copied into
an in-memory SQLite database: the keyring unwraps, every sealed credential
opens, every audit chain verifies.

Run as a program (`postgres_format_reader.py URI KEY_HEX`, printing JSON),
never imported into a process that has loaded linkvault: Python's SQLite
and linkvault's SQLCipher cannot share one (format_reader.py says why).
"""

import hashlib
import hmac
import json
import sqlite3
import sys

import format_reader
from postgres_support import query

KEY_CHECK_LABEL = b"linkvault/v1/postgres-key-check"
# The tables of PostgreSQL schema 2, which are the file format's schema 5.
TABLES = ("meta", "keyring", "tenants", "integrations", "activity", "sync_jobs",
          "token_refresh", "oauth_clients", "oauth_grants", "rate_buckets",
          "field_mappings", "records")
FILE_SCHEMA_VERSION = 5


def key_check(raw_key, salt):
    database_key = format_reader.hkdf(raw_key, salt, "linkvault/v1/sqlcipher-key")
    return hmac.new(database_key, KEY_CHECK_LABEL, hashlib.sha256).hexdigest()


def as_superuser(location):
    return location.replace("linkvault_app@", "postgres@", 1)


def copy_into_sqlite(location):
    """Every table's rows, read as JSON through psql, in an in-memory SQLite
    database with the same table and column names (bytea as bytes, and
    booleans, which JSON carries as true/false, as SQLite's 1/0)."""
    db = sqlite3.connect(":memory:")
    for table in TABLES:
        columns = query(location,
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND table_name = '%s' "
                        "ORDER BY ordinal_position" % table)
        names = [name for name, _ in columns]
        binary = {name for name, data_type in columns if data_type == "bytea"}
        db.execute("CREATE TABLE %s (%s)" % (table, ", ".join(names)))
        # One JSON object per line (JSON escapes any newline or tab in a value).
        for (line,) in query(location, "SELECT row_to_json(t) FROM %s t" % table):
            row = json.loads(line)
            values = []
            for name in names:
                value = row[name]
                if name in binary and value is not None:
                    assert value.startswith("\\x")
                    value = bytes.fromhex(value[2:])
                values.append(value)
            db.execute("INSERT INTO %s VALUES (%s)" % (table, ", ".join("?" * len(names))),
                       values)
    db.execute("PRAGMA user_version = %d" % FILE_SCHEMA_VERSION)
    return db


def read_postgres_vault(location, raw_key):
    location = as_superuser(location)
    meta = dict(query(location, "SELECT key, value FROM meta"))
    assert meta["format"] == "linkvault"
    assert meta["backend"] == "postgresql"
    salt = bytes.fromhex(meta["salt"])
    assert len(salt) == 16
    assert meta["key_check"] == key_check(raw_key, salt), "key check mismatch"
    db = copy_into_sqlite(location)
    try:
        wrapping_key = format_reader.hkdf(raw_key, salt, "linkvault/v1/keyring-wrapping-key")
        return format_reader.read_tables(db, wrapping_key)
    finally:
        db.close()


if __name__ == "__main__":
    print(json.dumps(read_postgres_vault(sys.argv[1], bytes.fromhex(sys.argv[2]))))
