"""Read-only records returned by the vault (DESIGN.md §4).

:class:`Integration`, :class:`ActivityEntry` and :class:`SyncJob` wrap the
JSON object the C ABI returned, parsed once. Attributes are properties over
that object, so building a record costs one allocation and nothing is
converted that is never read: times become timezone-aware UTC
:class:`datetime.datetime` values when the attribute is read. Records cannot
be modified (assignment raises ``AttributeError``); ``scopes`` is a tuple, and
``sync_config``, ``details``, ``config`` and ``summary`` return a fresh
``dict`` on every read, so changing that dict never changes the record.
Records compare equal when every attribute is equal.

:class:`TestResult` is the ``(success, message)`` named tuple that
``Tenant.test`` returns.
"""

from __future__ import annotations

import copy
import typing
from datetime import datetime, timezone
from typing import Any, Dict, NamedTuple, Optional, Tuple

__all__ = ["Integration", "ActivityEntry", "SyncJob", "TestResult"]


def parse_time(text: Optional[str]) -> Optional[datetime]:
    """RFC 3339 text from the library ("2026-11-22T03:04:05.678Z") as an aware UTC datetime."""
    if text is None:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:  # the library always says Z; be safe anyway
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


# The attribute helpers return Any: each attribute is annotated with its type
# where it is defined, which is what type checkers read.
def _plain(key: str, doc: str) -> Any:
    return property(lambda self: self._data.get(key), doc=doc)


def _time(key: str, doc: str) -> Any:
    return property(lambda self: parse_time(self._data.get(key)), doc=doc)


def _object(key: str, doc: str) -> Any:
    # A copy: the record stays what the vault returned whatever the caller does.
    return property(lambda self: copy.deepcopy(self._data.get(key)), doc=doc)


class _Record:
    """A read-only view of one JSON object from the library."""

    __slots__ = ("_data",)
    _data: Dict[str, Any]
    _fields: Tuple[str, ...] = ()
    _repr_fields: Tuple[str, ...] = ()

    def __init__(self, data: Dict[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __setattr__(self, name, value):
        raise AttributeError("%s is read-only" % type(self).__name__)

    def __delattr__(self, name):
        raise AttributeError("%s is read-only" % type(self).__name__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._data == other._data  # type: ignore[attr-defined]  # same type, just checked

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._data.get("id"), self._data.get("updated_at"),
                     self._data.get("sequence")))

    def __repr__(self) -> str:
        shown = ", ".join("%s=%r" % (name, self._data.get(name)) for name in self._repr_fields)
        return "%s(%s)" % (type(self).__name__, shown)

    def __reduce__(self):
        return (type(self), (copy.deepcopy(self._data),))

    def to_dict(self) -> Dict[str, Any]:
        """Every attribute as a plain dict (times as datetimes)."""
        return {name: getattr(self, name) for name in self._fields}


class Integration(_Record):
    """One connection of a tenant to a provider. Credentials are never here:
    ``Tenant.reveal_credentials`` is the only way to plaintext."""

    __slots__ = ()
    _fields = (
        "id", "tenant", "provider", "name", "account", "status", "credential_mask", "scopes",
        "expires_at", "connected_by", "connected_at", "disconnected_at", "last_used_at",
        "last_refreshed_at", "refresh_count", "last_error", "sync_config", "last_sync_at",
        "last_sync_status", "created_at", "updated_at",
    )
    _repr_fields = ("id", "tenant", "provider", "name", "status")

    id: str = _plain("id", "UUIDv7 text.")
    tenant: str = _plain("tenant", "The tenant id.")
    provider: str = _plain("provider", "The catalog key, e.g. 'slack'.")
    name: str = _plain("name", "Distinguishes several accounts of one provider; 'default' by default.")
    account: Optional[str] = _plain("account", "A display label such as an e-mail address, or None.")
    status: str = _plain("status", "'pending_auth', 'connected', 'error' or 'disconnected'.")
    credential_mask: str = _plain(
        "credential_mask", "'••••' plus the last 4 characters of the first secret; '' once disconnected.")

    @property
    def scopes(self) -> Tuple[str, ...]:
        """The granted scopes, a tuple of str."""
        return tuple(self._data.get("scopes") or ())

    expires_at: Optional[datetime] = _time("expires_at", "Token expiry (aware UTC datetime) or None.")
    connected_by: str = _plain("connected_by", "User id of the actor who connected.")
    connected_at: Optional[datetime] = _time("connected_at", "Aware UTC datetime or None.")
    disconnected_at: Optional[datetime] = _time("disconnected_at", "Aware UTC datetime or None.")
    last_used_at: Optional[datetime] = _time("last_used_at", "Aware UTC datetime or None.")
    last_refreshed_at: Optional[datetime] = _time("last_refreshed_at", "Aware UTC datetime or None.")
    refresh_count: int = _plain("refresh_count", "How many times the token was refreshed.")
    last_error: Optional[str] = _plain("last_error", "The last failure message, or None.")
    sync_config: Optional[Dict[str, Any]] = _object("sync_config", "A dict with the five sync_config keys, or None.")
    last_sync_at: Optional[datetime] = _time("last_sync_at", "Aware UTC datetime or None.")
    last_sync_status: Optional[str] = _plain("last_sync_status", "'success', 'partial', 'failed' or None.")
    created_at: datetime = _time("created_at", "Aware UTC datetime.")
    updated_at: datetime = _time("updated_at", "Aware UTC datetime.")


class ActivityEntry(_Record):
    """One line of a tenant's tamper-evident activity log."""

    __slots__ = ()
    _fields = ("id", "tenant", "integration_id", "action", "user_id", "user_name", "details",
               "created_at", "sequence")
    _repr_fields = ("sequence", "action", "integration_id", "user_id")

    id: str = _plain("id", "UUIDv7 text; the cursor for activity(before=...).")
    tenant: str = _plain("tenant", "The tenant id.")
    integration_id: Optional[str] = _plain("integration_id", "The integration concerned, or None.")
    action: str = _plain("action", "One of the contract's actions, e.g. 'connected', 'test_failed'.")
    user_id: str = _plain("user_id", "Who acted.")
    user_name: str = _plain("user_name", "Their display name.")
    details: Dict[str, Any] = _object("details", "A dict of extra facts (never a secret).")
    created_at: datetime = _time("created_at", "Aware UTC datetime.")
    sequence: int = _plain("sequence", "Position in the tenant's chain, from 1.")


class SyncJob(_Record):
    """One sync job: a unit of work queued on an integration and run by a
    worker under a lease (the rules are in docs/SEMANTICS.md, "Sync jobs").

    A snapshot: the job moves on in the vault while this record stays what
    the call returned; read it again with ``Tenant.get_job``."""

    __slots__ = ()
    _fields = (
        "id", "tenant", "integration_id", "type", "status", "config", "progress_percent",
        "records_processed", "records_total", "attempt", "max_attempts", "retry_base_seconds",
        "run_after", "worker_id", "lease_until", "cancel_requested", "error", "outcome",
        "summary", "created_at", "started_at", "completed_at", "updated_at",
    )
    _repr_fields = ("id", "tenant", "type", "status", "progress_percent", "attempt")

    id: str = _plain("id", "UUIDv7 text.")
    tenant: str = _plain("tenant", "The tenant id.")
    integration_id: str = _plain("integration_id", "The integration the job syncs.")
    type: str = _plain(
        "type", "'full_import', 'incremental_sync', 'export' or 'field_mapping_update'.")
    status: str = _plain("status", "'pending', 'running', 'completed', 'failed' or 'cancelled'.")
    config: Dict[str, Any] = _object("config", "The dict the job was queued with ({} if none).")
    progress_percent: int = _plain("progress_percent", "0-100, from the last heartbeat.")
    records_processed: int = _plain("records_processed", "Records done so far.")
    records_total: Optional[int] = _plain("records_total", "Records in all, or None until known.")
    attempt: int = _plain("attempt", "Claims so far, the current one included.")
    max_attempts: int = _plain("max_attempts", "Claims allowed before the job fails for good.")
    retry_base_seconds: int = _plain("retry_base_seconds", "The first retry's delay.")
    run_after: datetime = _time("run_after", "Not claimed before this (aware UTC datetime).")
    worker_id: Optional[str] = _plain("worker_id", "The worker holding, or last holding, the job.")
    lease_until: Optional[datetime] = _time(
        "lease_until", "While running: the holder's lease ends then (aware UTC datetime).")
    cancel_requested: bool = _plain(
        "cancel_requested", "True once cancel_job asked a running job to stop.")
    error: Optional[str] = _plain("error", "The last failure, kept across retries, or None.")
    outcome: Optional[str] = _plain("outcome", "'success', 'partial', 'failed' or None.")
    summary: Optional[Dict[str, Any]] = _object(
        "summary", "The dict the worker completed the job with, or None.")
    created_at: datetime = _time("created_at", "Aware UTC datetime.")
    started_at: Optional[datetime] = _time(
        "started_at", "The first claim (aware UTC datetime) or None.")
    completed_at: Optional[datetime] = _time(
        "completed_at", "When it completed, failed or was cancelled, or None.")
    updated_at: datetime = _time("updated_at", "Aware UTC datetime.")


def _annotate_getters(record_type: type) -> None:
    """Gives each attribute's getter the return type the class declares, so
    that introspection (typing.get_type_hints, help()) sees it on the getter
    too, not only on the class."""
    hints = typing.get_type_hints(record_type)
    for name in record_type._fields:  # type: ignore[attr-defined]  # every _Record has them
        attribute = record_type.__dict__.get(name)
        if isinstance(attribute, property) and name in hints and attribute.fget is not None:
            attribute.fget.__annotations__ = {"return": hints[name]}


for _record_type in (Integration, ActivityEntry, SyncJob):
    _annotate_getters(_record_type)
del _record_type


class TestResult(NamedTuple):
    """What ``Tenant.test`` returns: did the host's tester accept the credentials."""

    success: bool
    message: str


TestResult.__test__ = False  # type: ignore[attr-defined]  # not a pytest test class, despite the name
