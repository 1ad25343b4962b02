"""linkvault — tenants' third-party integrations in one encrypted file.

Python bindings (ctypes) over the linkvault C ABI, ``liblinkvault_c``::

    import linkvault as lv

    with lv.Vault.open("app.vault", key=master_key) as vault:   # or passphrase="..."
        admin = lv.Actor("u-1", "Alice", role="admin")
        acme = vault.tenant("acme")
        slack = acme.connect(admin, "slack", {"bot_token": "xoxb-..."})
        result = acme.test(admin, slack.id, lambda creds: (True, "ok"))
        for entry in acme.activity(slack.id):
            print(entry.created_at, entry.action, entry.user_name)

        job = acme.enqueue_sync(admin, slack.id, "full_import")
        # a worker, in this or any other process that opens the vault:
        job = vault.claim_job("worker-1", lease_seconds=30)
        vault.heartbeat(job.id, "worker-1", processed=40, total=100)
        vault.complete_job(job.id, "worker-1", summary={"imported": 100})

        # Records: map a page of the provider's JSON, hand the host what changed.
        acme.set_field_mappings(admin, crm.id, [{"target": "email", "source": "/email"}])
        with acme.map_records(crm.id, page, job_id=job.id, worker_id="worker-1") as batch:
            store(batch.changed)             # created / updated records only
            acme.commit_records(batch)       # remembered: next time unchanged

        # OAuth: the host does the HTTP, the vault decides when and keeps it safe.
        creds = acme.valid_credentials(admin, integration_id, refresher)
        wait = acme.acquire(integration_id)   # 0.0: go; else seconds to wait

Finding the library: ``LINKVAULT_LIBRARY`` (a path; when set, nothing else is
tried), else ``liblinkvault_c.so`` next to this package, else the CMake build
tree of the source checkout (``<repo>/build/capi/``, then other
``<repo>/build*/capi/``). Importing fails with an ImportError listing every
place tried and why each was refused (missing, not loadable, wrong ABI).

Decisions this package makes where DESIGN.md §7 is silent:

* ``Actor(user_id, user_name="", role="member")``; ``role`` must be
  ``"admin"``, ``"member"`` or ``"system"``, and an unknown role (or an empty
  ``user_id``) raises :class:`InvalidArgument` — not ``ValueError`` — so every
  argument error has one class.
* ``Tenant.set_quota(max_integrations, actor=None)``: ``actor=None`` means the
  host itself, ``SYSTEM_ACTOR`` = ``Actor("system", "system", role="system")``;
  a member actor raises :class:`PermissionDenied`. ``None`` removes the limit.
  ``Tenant.quota()`` returns the limit or ``None``.
* ``Tenant.activity(integration_id=None, limit=50, before=None)``:
  ``integration_id=None`` lists the whole tenant; ``before`` is an entry id
  (or entry) cursor; newest first.
* Time arguments (``expires_at``) accept an aware ``datetime`` or int/float
  epoch seconds, and are sent as RFC 3339 UTC with milliseconds (the vault's
  resolution). A naive ``datetime`` is ambiguous and raises
  :class:`InvalidArgument`.
* Every time attribute is a timezone-aware UTC ``datetime`` (or None).
* ``Integration`` and ``ActivityEntry`` are read-only records with exactly the
  attributes of DESIGN.md §4 (``ActivityEntry`` adds ``sequence``);
  ``scopes`` is a tuple; ``sync_config`` and ``details`` are dicts (copies).
* ``SyncJob`` is a read-only record with the attributes of DESIGN.md §4 plus
  ``retry_base_seconds`` and ``updated_at``; ``config`` is a dict (``{}`` when
  none was given), ``summary`` a dict or None. Job ids may be given as str or
  as the ``SyncJob`` itself. ``enqueue_sync``'s ``config`` and
  ``complete_job``'s ``summary`` must be dicts with str keys (at any depth:
  JSON would silently turn other keys into strings). ``lease_seconds`` is an
  int or float. ``heartbeat``'s ``processed``, ``total`` and
  ``lease_seconds`` default to None: keep the stored counts, renew by the
  claim's lease length. A heartbeat on a job whose cancel was requested
  raises :class:`Cancelled`.
* ``Tenant.test`` returns ``TestResult(success, message)``; a tester that
  raises yields a failed result with message ``"ExceptionType: text"``.
* ``Vault.verify_audit()`` returns ``{"checked", "ok", "first_bad"}``;
  ``Vault.purge_tenant(actor, tenant)`` returns the counts
  ``{"integrations", "activity", "jobs", "keys"}``; ``Vault.providers()`` and
  ``Vault.register_provider(spec)`` speak provider spec dicts.
* OAuth: a refresher is ``credentials -> dict`` (``access_token``, optional
  ``refresh_token``, ``expires_in`` int seconds or ``expires_at`` aware
  datetime/epoch seconds; other keys are ignored). It raises
  :class:`PermanentRefreshError` (an ``Exception``, not an :class:`Error`:
  the host raises it) for a revoked grant; any other exception, or an answer
  that is not such a dict, is a transient failure (message
  ``"ExceptionType: text"``). ``KeyboardInterrupt``/``SystemExit`` in a
  refresher or exchange are recorded as a transient failure, then
  re-raised. ``complete_oauth``'s ``exchange`` gets ``(code, code_verifier,
  redirect_uri)`` only; the client id and secret stay in the library.
  ``valid_credentials`` takes ``lease_seconds`` and ``max_wait_seconds``
  as keywords. ``acquire`` returns float seconds (0.0 = go).
* Records: ``Tenant.map_records`` takes the payload as str, bytes,
  bytearray or memoryview (a writable buffer is lent to the library, not
  copied) and returns a :class:`RecordBatch` that owns its native batch
  (``close()``, ``with``, or garbage collection frees it). Its ``changed``,
  ``counts`` and ``errors`` are fresh lists and dicts on every read; the
  ``changed`` records are decoded again after the first read, which hands
  over the first decoding. ``commit_records`` refuses a closed batch or one
  of another tenant with :class:`InvalidArgument`. ``field_mappings`` and
  ``set_field_mappings`` speak lists of rule dicts; rules must have str keys
  at any depth (as a job's config).
* Any text argument containing a NUL character raises
  :class:`InvalidArgument` (a C string would silently end there).

All exceptions derive from :class:`Error`, whose ``code`` is the status
number of DESIGN.md §6, shared with the C++ and C APIs. :class:`Busy` and
:class:`Conflict` also derive from :class:`RetryableError`: worth retrying.

The package is typed (PEP 561, ``py.typed``).
"""

from . import _native
from .errors import (
    AlreadyExists,
    Busy,
    Cancelled,
    Conflict,
    Error,
    FailedPrecondition,
    IntegrityError,
    InternalError,
    InvalidArgument,
    NotFound,
    PermanentRefreshError,
    PermissionDenied,
    QuotaExceeded,
    RetryableError,
    StorageError,
    UpstreamError,
    WrongKey,
)
from .record_batch import RecordBatch
from .records import ActivityEntry, Integration, SyncJob, TestResult
from .vault import ROLES, SYSTEM_ACTOR, Actor, Tenant, Vault

__version__ = "0.1.0"

#: The C ABI version these bindings require (``LV_ABI_VERSION``).
ABI_VERSION = _native.EXPECTED_ABI_VERSION


def library_version() -> str:
    """The version of the loaded liblinkvault_c, e.g. ``"0.1.0"``."""
    return _native.library_version()


def library_path() -> str:
    """The file the C library was loaded from."""
    return _native.library_path


__all__ = [
    "Vault", "Tenant", "Actor", "SYSTEM_ACTOR", "ROLES",
    "Integration", "ActivityEntry", "SyncJob", "TestResult", "RecordBatch",
    "Error", "RetryableError", "InvalidArgument", "NotFound", "AlreadyExists", "PermissionDenied",
    "QuotaExceeded", "FailedPrecondition", "Conflict", "WrongKey", "IntegrityError",
    "Busy", "StorageError", "Cancelled", "UpstreamError", "InternalError",
    "PermanentRefreshError",
    "library_version", "library_path", "ABI_VERSION", "__version__",
]
