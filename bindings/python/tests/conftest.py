"""Fixtures for the linkvault pytest suite.

Run from the repository root with the system interpreter:

    LINKVAULT_LIBRARY=<build>/capi/liblinkvault_c.so /usr/bin/python3 -m pytest bindings/python/tests -q

Without LINKVAULT_LIBRARY the package looks next to itself and in
<repo>/build*/capi/ (see linkvault/_native.py).
"""

import os
import sys

import pytest

PYTHON_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Test the source tree, not some installed copy.
if PYTHON_PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, PYTHON_PACKAGE_ROOT)

import linkvault as lv  # noqa: E402

# Fixed test secrets. Long enough (>= 12 characters) that masks show their tail.
TEST_KEY = bytes(range(32))
SLACK_TOKEN = "xoxb-1111-2222-secret-tail"
GMAIL_TOKEN = "ya29.gmail-access-token-9876"


@pytest.fixture
def vault_path(tmp_path):
    """A path in a fresh directory where no vault exists yet."""
    return str(tmp_path / "test.vault")


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
