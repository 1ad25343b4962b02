"""The linkvault exception hierarchy (DESIGN.md §6).

Every failure the library reports is raised as a subclass of :class:`Error`.
``Error.code`` is the status number shared by the C++ API, the C ABI and these
bindings; the numbers below are a contract and never change. Messages say what
was wrong and with which input; they never contain a secret.

Errors detected in Python before the library is called (a naive ``datetime``,
an unknown role, a text argument with a NUL byte) are raised with the same
classes, so a caller needs one ``except`` clause per condition, not two.

:class:`Busy` and :class:`Conflict` also derive from :class:`RetryableError`:
the same call may succeed if made again (for ``Conflict``, after reading
again), so ``except linkvault.RetryableError`` is the one clause a retry loop
needs. Their codes and their ``Error`` ancestry are those of DESIGN.md §6.
"""

from typing import Callable, Dict, Optional, Type, TypeVar

__all__ = [
    "Error",
    "RetryableError",
    "InvalidArgument",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "QuotaExceeded",
    "FailedPrecondition",
    "Conflict",
    "WrongKey",
    "IntegrityError",
    "Busy",
    "StorageError",
    "Cancelled",
    "UpstreamError",
    "InternalError",
    "error_for_status",
    "PermanentRefreshError",
]


class Error(Exception):
    """Base class of every linkvault error.

    ``code`` is the numeric status of DESIGN.md §6, ``status_name`` its
    spelling (``"NOT_FOUND"``), ``message`` the library's explanation.
    """

    code: int = -1
    status_name: str = "UNKNOWN"

    def __init__(self, message: str = "", code: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            # Only the base class is raised with an explicit code: a status
            # this version of the bindings does not know (a newer library).
            self.code = code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return "%s(%r, code=%d)" % (type(self).__name__, self.message, self.code)


class RetryableError(Error):
    """A transient failure: the same call may succeed if made again.

    Never raised itself (it has no status code of its own); :class:`Busy`
    (retry after a pause) and :class:`Conflict` (read again, then retry)
    derive from it.
    """


_E = TypeVar("_E", bound=Type[Error])


def _status(code: int, status_name: str, doc: str) -> Callable[[_E], _E]:
    """A subclass of Error for one status code (keeps the table below flat)."""

    def decorate(cls: _E) -> _E:
        cls.code = code
        cls.status_name = status_name
        cls.__doc__ = doc
        return cls

    return decorate


@_status(1, "INVALID_ARGUMENT", "An argument is malformed or out of range; the message names it.")
class InvalidArgument(Error):
    pass


@_status(2, "NOT_FOUND", "No such object in this tenant (an id of another tenant is not found too).")
class NotFound(Error):
    pass


@_status(3, "ALREADY_EXISTS", "The (tenant, provider, name) or provider key is already taken.")
class AlreadyExists(Error):
    pass


@_status(4, "PERMISSION_DENIED", "The actor's role may not perform this change; nothing changed.")
class PermissionDenied(Error):
    pass


@_status(5, "QUOTA_EXCEEDED", "The tenant's integration quota would be exceeded.")
class QuotaExceeded(Error):
    pass


@_status(6, "FAILED_PRECONDITION", "The object is in the wrong state (disconnected, closed vault).")
class FailedPrecondition(Error):
    pass


@_status(7, "CONFLICT", "A concurrent change won; read again and retry.")
class Conflict(RetryableError):
    pass


@_status(8, "WRONG_KEY", "The key or passphrase does not open this vault; the file is unchanged.")
class WrongKey(Error):
    pass


@_status(9, "INTEGRITY", "Stored data failed authentication: tampered, swapped or shredded.")
class IntegrityError(Error):
    pass


@_status(10, "BUSY", "The vault stayed locked by another connection or process for too long.")
class Busy(RetryableError):
    pass


@_status(11, "IO", "The file system or the storage engine failed.")
class StorageError(Error):
    pass


@_status(12, "CANCELLED", "The operation was cancelled.")
class Cancelled(Error):
    pass


@_status(13, "UPSTREAM", "A host callback failed.")
class UpstreamError(Error):
    pass


@_status(14, "INTERNAL", "A bug in linkvault; please report it with the message.")
class InternalError(Error):
    pass


_BY_CODE: Dict[int, Type[Error]] = {
    cls.code: cls
    for cls in (
        InvalidArgument,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        QuotaExceeded,
        FailedPrecondition,
        Conflict,
        WrongKey,
        IntegrityError,
        Busy,
        StorageError,
        Cancelled,
        UpstreamError,
        InternalError,
    )
}


class PermanentRefreshError(Exception):
    """Raised by a host's refresher (or token exchange) when the provider
    refused for good, e.g. ``invalid_grant`` for a revoked refresh token.

    Not an :class:`Error`: the host raises it, never the library. The vault
    then sets the integration to ``error`` at once (any other exception from
    a refresher is a transient failure, retried after a cooldown). The
    message is kept, redacted, as ``last_error``; never put a token in it.
    """


def error_for_status(code: int, message: str) -> Error:
    """The exception to raise for a non-zero status ``code``."""
    cls = _BY_CODE.get(code)
    if cls is None:
        return Error(message or "unknown linkvault status %d" % code, code=code)
    return cls(message)
