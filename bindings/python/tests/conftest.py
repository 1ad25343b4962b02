"""Fixtures for the linkvault pytest suite.

Run from the repository root with the system interpreter:

    LINKVAULT_LIBRARY=<build>/capi/liblinkvault_c.so /usr/bin/python3 -m pytest bindings/python/tests -q

Without LINKVAULT_LIBRARY the package looks next to itself and in
<repo>/build*/capi/ (see linkvault/_native.py).

Both backends. Every test that uses a vault (the `vault_path` fixture,
directly or through `vault`, `tenant`...) runs twice: `[sqlcipher]` on a
file, `[postgres]` on a fresh schema of the server named by
LINKVAULT_TEST_POSTGRES (postgres_support.py; skipped without one, failed
under LINKVAULT_REQUIRE_POSTGRES=1). To run both:

    bash scripts/test-postgres.sh /usr/bin/python3 -m pytest bindings/python/tests -q

Tests about the SQLCipher file itself (its bytes, -wal, permissions, the
format reader) are marked `sqlcipher_only`; tests only PostgreSQL has
(several hosts on one database) `postgres_only`. Neither is parametrised.
"""

import os
import sys

import pytest

PYTHON_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Test the source tree, not some installed copy.
if PYTHON_PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, PYTHON_PACKAGE_ROOT)

import linkvault as lv  # noqa: E402
import postgres_support  # noqa: E402

# Fixed test secrets. Long enough (>= 12 characters) that masks show their tail.
TEST_KEY = bytes(range(32))
SLACK_TOKEN = "xoxb-1111-2222-secret-tail"
GMAIL_TOKEN = "ya29.gmail-access-token-9876"


BACKENDS = ("sqlcipher", "postgres")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sqlcipher_only: about the SQLCipher file itself; runs on the file backend only")
    config.addinivalue_line(
        "markers", "postgres_only: about PostgreSQL alone; runs on the PostgreSQL backend only")


def pytest_generate_tests(metafunc):
    # fixturenames is the test's whole fixture closure: a test reaching
    # vault_path through vault -> tenant -> ... is parametrised too.
    if "backend" not in metafunc.fixturenames:
        return
    marked = metafunc.definition.get_closest_marker
    if marked("sqlcipher_only") or marked("postgres_only"):
        return
    metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request):
    """'sqlcipher' or 'postgres': where this test's vaults live."""
    if hasattr(request, "param"):
        return request.param
    return "postgres" if request.node.get_closest_marker("postgres_only") else "sqlcipher"


@pytest.fixture(scope="session")
def postgres_schemas():
    """Makes the per-test schemas; skips (or fails) without a server."""
    maker = postgres_support.SchemaMaker(postgres_support.server_uri())
    yield maker
    maker.close()


def fresh_location(backend, tmp_path, request, file_name):
    """A location where no vault exists yet, as Vault.open takes it: a path
    in the test's fresh directory (SQLCipher), or the URI of a fresh, empty
    schema on the test server (PostgreSQL), dropped after the test."""
    if backend == "sqlcipher":
        yield str(tmp_path / file_name)
        return
    schemas = request.getfixturevalue("postgres_schemas")
    schema = schemas.create()
    yield postgres_support.schema_location(schemas.base_uri, schema)
    schemas.drop(schema)


@pytest.fixture
def vault_path(backend, tmp_path, request):
    """Where this test's vault goes: a file path, or a PostgreSQL URI."""
    yield from fresh_location(backend, tmp_path, request, "test.vault")


@pytest.fixture
def another_vault_path(backend, tmp_path, request):
    """A second fresh location on the same backend, for tests of two vaults."""
    yield from fresh_location(backend, tmp_path, request, "another.vault")


@pytest.fixture
def vault(vault_path):
    v = lv.Vault.open(vault_path, key=TEST_KEY)
    yield v
    v.close()


@pytest.fixture
def admin():
    return lv.Actor("u-admin", "Alice Admin", role="admin")


@pytest.fixture
def member():
    return lv.Actor("u-member", "Mel Member", role="member")


@pytest.fixture
def system():
    return lv.Actor("svc-sync", "Sync Service", role="system")


@pytest.fixture
def tenant(vault):
    return vault.tenant("acme")


@pytest.fixture
def other_tenant(vault):
    return vault.tenant("globex")


@pytest.fixture
def slack(tenant, admin):
    """A connected slack integration of tenant 'acme'."""
    return tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})


def subprocess_environment():
    """The environment a child /usr/bin/python3 needs to import this very package."""
    environment = dict(os.environ)
    environment["LINKVAULT_LIBRARY"] = lv.library_path()
    environment["PYTHONPATH"] = PYTHON_PACKAGE_ROOT + (
        os.pathsep + environment["PYTHONPATH"] if environment.get("PYTHONPATH") else "")
    return environment
