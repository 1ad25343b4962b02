"""DESIGN.md §6: one exception class per status, the same numbers everywhere."""

import pytest

import linkvault as lv
from linkvault import _native
from linkvault.errors import error_for_status

DESIGN_TABLE = [
    (1, "INVALID_ARGUMENT", lv.InvalidArgument),
    (2, "NOT_FOUND", lv.NotFound),
    (3, "ALREADY_EXISTS", lv.AlreadyExists),
    (4, "PERMISSION_DENIED", lv.PermissionDenied),
    (5, "QUOTA_EXCEEDED", lv.QuotaExceeded),
    (6, "FAILED_PRECONDITION", lv.FailedPrecondition),
    (7, "CONFLICT", lv.Conflict),
    (8, "WRONG_KEY", lv.WrongKey),
    (9, "INTEGRITY", lv.IntegrityError),
    (10, "BUSY", lv.Busy),
    (11, "IO", lv.StorageError),
    (12, "CANCELLED", lv.Cancelled),
    (13, "UPSTREAM", lv.UpstreamError),
    (14, "INTERNAL", lv.InternalError),
]


@pytest.mark.parametrize("code, name, cls", DESIGN_TABLE, ids=[row[1] for row in DESIGN_TABLE])
def test_exception_class_has_the_design_code(code, name, cls):
    assert issubclass(cls, lv.Error)
    assert cls.code == code
    assert cls.status_name == name
    error = cls("what went wrong")
    assert error.code == code
    assert error.message == "what went wrong"
    assert str(error) == "what went wrong"


@pytest.mark.parametrize("code, name, cls", DESIGN_TABLE, ids=[row[1] for row in DESIGN_TABLE])
def test_library_spells_each_status_as_the_design(code, name, cls):
    assert _native.status_name(code) == name


def test_library_status_name_of_ok_and_of_a_non_status():
    assert _native.status_name(0) == "OK"
    assert _native.status_name(99) == "UNKNOWN"


@pytest.mark.parametrize("code, name, cls", DESIGN_TABLE, ids=[row[1] for row in DESIGN_TABLE])
def test_status_maps_to_its_class(code, name, cls):
    error = error_for_status(code, "message from the library")
    assert type(error) is cls
    assert error.code == code
    assert error.message == "message from the library"


def test_unknown_status_is_the_base_class_with_its_code():
    error = error_for_status(42, "from a newer library")
    assert type(error) is lv.Error
    assert error.code == 42
    assert "newer library" in str(error)


def test_every_exception_is_exported_by_name():
    for _, _, cls in DESIGN_TABLE:
        assert getattr(lv, cls.__name__) is cls
        assert cls.__name__ in lv.__all__
    assert lv.Error in (lv.InvalidArgument.__mro__)


def test_classes_are_distinct():
    classes = [cls for _, _, cls in DESIGN_TABLE]
    assert len(set(classes)) == len(classes)
    for cls in classes:
        for other in classes:
            if cls is not other:
                assert not issubclass(cls, other)


def test_library_error_carries_code_and_message(tenant):
    with pytest.raises(lv.NotFound) as caught:
        tenant.get("no-such-integration")
    assert caught.value.code == 2
    assert "no-such-integration" in caught.value.message


def test_error_message_is_per_call_not_stale(tenant, admin):
    with pytest.raises(lv.InvalidArgument) as first:
        tenant.connect(admin, "no_such_provider", {"x": "y"})
    with pytest.raises(lv.NotFound) as second:
        tenant.get("missing-id")
    assert "no_such_provider" in first.value.message
    assert "no_such_provider" not in second.value.message
    assert "missing-id" in second.value.message
