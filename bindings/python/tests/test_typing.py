"""The package is typed (PEP 561) and its public annotations are sound; Busy
and Conflict share a retryable base."""

import importlib.util
import inspect
import os
import subprocess
import sys
import typing
from datetime import datetime

import pytest

import linkvault as lv
from conftest import PYTHON_PACKAGE_ROOT


def test_busy_and_conflict_are_retryable_and_still_errors():
    for cls in (lv.Busy, lv.Conflict):
        assert issubclass(cls, lv.RetryableError)
        assert issubclass(cls, lv.Error)
    assert lv.Busy.code == 10 and lv.Busy.status_name == "BUSY"
    assert lv.Conflict.code == 7 and lv.Conflict.status_name == "CONFLICT"
    assert "RetryableError" in lv.__all__


def test_no_other_status_is_retryable():
    retryable = {cls for cls in vars(lv).values()
                 if isinstance(cls, type) and issubclass(cls, lv.RetryableError)}
    assert retryable == {lv.RetryableError, lv.Busy, lv.Conflict}


def test_one_except_clause_catches_either_retryable_error():
    caught = []
    for error in (lv.Busy("locked"), lv.Conflict("lost a race")):
        try:
            raise error
        except lv.RetryableError as retryable:
            caught.append(retryable.code)
    assert caught == [10, 7]


def test_py_typed_marker_is_shipped():
    assert os.path.isfile(os.path.join(os.path.dirname(lv.__file__), "py.typed"))
    with open(os.path.join(PYTHON_PACKAGE_ROOT, "pyproject.toml"), encoding="utf-8") as file:
        assert '"py.typed"' in file.read()


def _public_callables():
    """Every public function, method and property getter of the package."""
    found = []
    for name in lv.__all__:
        value = getattr(lv, name)
        if inspect.isfunction(value):
            found.append((name, value))
        elif inspect.isclass(value):
            for member_name, member in vars(value).items():
                if member_name.startswith("_") and member_name != "__init__":
                    continue
                if isinstance(member, (classmethod, staticmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member) and member.__module__.startswith("linkvault"):
                    found.append(("%s.%s" % (name, member_name), member))
    return found


# Left unannotated on purpose while another change reshapes it.
_NOT_YET_ANNOTATED = {"Vault.register_provider"}


def test_every_public_annotation_resolves():
    callables = _public_callables()
    assert len(callables) > 30
    for name, function in callables:
        hints = typing.get_type_hints(function)  # raises if an annotation is broken
        if name in _NOT_YET_ANNOTATED or name.startswith(("Integration.", "ActivityEntry.")):
            continue
        if name.startswith("TestResult."):
            continue  # NamedTuple's generated methods
        assert "return" in hints, "%s has no return annotation" % name
        parameters = [p for p in inspect.signature(function).parameters.values()
                      if p.name not in ("self", "cls")]
        for parameter in parameters:
            assert parameter.name in hints, "%s: %s is not annotated" % (name, parameter.name)


def test_record_attributes_are_typed():
    for cls in (lv.Integration, lv.ActivityEntry):
        hints = typing.get_type_hints(cls)
        for field in cls._fields:
            if field == "scopes":
                assert typing.get_type_hints(cls.scopes.fget)["return"] == typing.Tuple[str, ...]
            else:
                assert field in hints, "%s.%s is not annotated" % (cls.__name__, field)
    assert typing.get_type_hints(lv.Integration)["expires_at"] == typing.Optional[datetime]
    assert typing.get_type_hints(lv.ActivityEntry)["sequence"] is int


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_accepts_the_package_and_a_typed_host(tmp_path):
    host = tmp_path / "host.py"
    host.write_text(
        "import linkvault as lv\n"
        "def run(path: str) -> int:\n"
        "    with lv.Vault.open(path, key=bytes(32)) as vault:\n"
        "        tenant = vault.tenant('acme')\n"
        "        admin = lv.Actor('u', 'U', role='admin')\n"
        "        slack = tenant.connect(admin, 'slack', {'bot_token': 'xoxb-1'})\n"
        "        found = tenant.find('slack')\n"
        "        try:\n"
        "            tenant.test(admin, slack, lambda creds: (True, 'ok'))\n"
        "        except lv.RetryableError as error:\n"
        "            return error.code\n"
        "        return 0 if found is None else len(tenant.list())\n")
    environment = dict(os.environ, MYPYPATH=PYTHON_PACKAGE_ROOT)
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", os.devnull,
         "linkvault", str(host)],
        cwd=PYTHON_PACKAGE_ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
