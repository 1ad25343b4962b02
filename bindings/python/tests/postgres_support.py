"""The PostgreSQL side of the suite (not a test module): where the test
server is, a fresh schema per vault, and raw SQL through psql.

There is no PostgreSQL driver for the system interpreter, so the suite
speaks to the server through `psql`, the server's own client: one psql
process, kept for the session, makes and drops the per-test schemas (a
vault lives in its connection's current schema, so a fresh schema is a
fresh vault); `query` runs one-off SQL for the tests that look at rows
behind the library's back.

LINKVAULT_TEST_POSTGRES names the server (scripts/test-postgres.sh starts
a throwaway one and sets it). Without it the PostgreSQL tests are skipped,
unless LINKVAULT_REQUIRE_POSTGRES=1 (CI), which makes that a failure.
"""

import os
import secrets
import shutil
import subprocess

import pytest

SERVER_VARIABLE = "LINKVAULT_TEST_POSTGRES"
REQUIRE_VARIABLE = "LINKVAULT_REQUIRE_POSTGRES"
# Debian's client in PATH, else the server package's own copy.
PSQL_CANDIDATES = ("/usr/lib/postgresql/15/bin/psql", "/usr/bin/psql")
# A DROP SCHEMA waits for any transaction still using the schema; one left
# open by a leaked vault would otherwise hang the run instead of failing it.
LOCK_TIMEOUT = "60s"


def server_uri():
    """The test server's URI (a database the test role owns), or skips the
    test — fails it under LINKVAULT_REQUIRE_POSTGRES=1."""
    uri = os.environ.get(SERVER_VARIABLE, "")
    if uri:
        return uri
    reason = "%s is not set (run under scripts/test-postgres.sh)" % SERVER_VARIABLE
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(reason + ", and %s=1 requires PostgreSQL" % REQUIRE_VARIABLE, pytrace=False)
    pytest.skip(reason)


def psql_environment():
    """The environment for psql: ours without the sanitizer preload of
    scripts/test-sanitized.sh, under which psql hangs when it exits (psql
    is not what that run checks)."""
    environment = dict(os.environ)
    for name in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS"):
        environment.pop(name, None)
    return environment


def psql_program():
    found = shutil.which("psql")
    if found:
        return found
    for candidate in PSQL_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("psql not found (apt-get install postgresql-client)", pytrace=False)


def with_parameter(uri, name, value):
    """uri with one more query parameter (value already percent-encoded)."""
    return "%s%s%s=%s" % (uri, "&" if "?" in uri else "?", name, value)


def schema_location(base_uri, schema):
    """The vault location whose current schema is `schema`: libpq passes
    `-c search_path=<schema>` to the server for every pooled connection."""
    return with_parameter(base_uri, "options", "-csearch_path%3D" + schema)


def query(location, sql, settings=None):
    """Runs sql (one or more statements) as the test role on `location` (a
    server or vault URI), after `SET name = 'value'` for each of `settings`
    (test-chosen text, e.g. {"linkvault.tenant": "=acme"}); the rows every
    statement printed, each a list of text fields (NULL is '')."""
    script = "".join("SET %s = '%s';\n" % (name, value)
                     for name, value in (settings or {}).items()) + sql + "\n"
    completed = subprocess.run(
        [psql_program(), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
         "-d", location, "-f", "-"],
        input=script, capture_output=True, text=True, timeout=120, env=psql_environment())
    if completed.returncode != 0:
        raise AssertionError("psql failed (%d): %s" % (completed.returncode, completed.stderr))
    return [line.split("\t") for line in completed.stdout.splitlines() if line]


class SchemaMaker:
    """Creates and drops the per-test schemas lv_<random hex> through one
    long-lived psql reading statements from a pipe (a psql per schema would
    add a process start to every test)."""

    def __init__(self, base_uri):
        self.base_uri = base_uri
        self._psql = None
        self._marker = 0

    def _run(self, sql):
        if self._psql is None or self._psql.poll() is not None:
            self._psql = subprocess.Popen(
                [psql_program(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.base_uri],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, env=psql_environment())
            self._psql.stdin.write("SET client_min_messages = warning;\n"
                                   "SET lock_timeout = '%s';\n" % LOCK_TIMEOUT)
        self._marker += 1
        marker = "linkvault-test-done-%d" % self._marker
        # ON_ERROR_STOP: a failed statement ends psql, so the marker never
        # comes and stdout ends instead.
        self._psql.stdin.write("%s\n\\echo %s\n" % (sql, marker))
        self._psql.stdin.flush()
        while True:
            line = self._psql.stdout.readline()
            if line.strip() == marker:
                return
            if line == "":
                self._psql.wait()
                errors = self._psql.stderr.read()
                self._psql = None
                raise AssertionError("psql failed on %r: %s" % (sql, errors.strip()))

    def create(self):
        """A fresh, empty schema; its name."""
        schema = "lv_" + secrets.token_hex(8)
        self._run("CREATE SCHEMA %s;" % schema)
        return schema

    def drop(self, schema):
        assert schema.startswith("lv_") and schema[3:].isalnum()
        self._run("DROP SCHEMA %s CASCADE;" % schema)

    def close(self):
        if self._psql is not None and self._psql.poll() is None:
            self._psql.stdin.close()
            self._psql.wait(timeout=60)
        self._psql = None
