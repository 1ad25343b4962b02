"""Vault, Tenant and Actor: the Python face of the C ABI (DESIGN.md §5, §7).

Ownership: a :class:`Vault` owns one ``lv_vault`` handle. ``close()`` (or
leaving a ``with`` block) releases the file's connections at once; the handle
itself is freed when the last Python reference to the vault goes, so a
:class:`Tenant` or a thread still holding the vault after ``close()`` gets
:class:`~linkvault.FailedPrecondition`, never a dangling pointer.

Thread-safety: a Vault and its Tenants may be shared by any number of threads.
ctypes releases the GIL during each call and the library serialises what it
must; records returned are immutable.

Secrets: the master key and passphrase travel in ctypes buffers that are
wiped right after the open call, and every library-owned output (revealed
credentials included) is wiped by ``lv_string_free``. Python ``str`` and
``bytes`` objects — the credentials a host passes in, the dict
``reveal_credentials`` returns, what a tester receives — cannot be wiped;
keep them short-lived. What the bindings themselves hand the library (a
refresher's tokens, a client secret, an authorization code) goes through
ctypes buffers wiped after the call.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import re
from collections.abc import Mapping
from ctypes import byref, c_double, c_int64, c_void_p, string_at
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from .errors import InvalidArgument, PermanentRefreshError
from .record_batch import RecordBatch
from .records import ActivityEntry, Integration, SyncJob, TestResult

__all__ = ["Vault", "Tenant", "Actor", "SYSTEM_ACTOR", "ROLES", "Refresher", "TokenExchange"]

ROLES: Tuple[str, ...] = ("admin", "member", "system")

# The shapes the public API accepts (for type checkers; checked at run time
# all the same).
#: A point in time: an aware datetime, or epoch seconds.
TimeLike = Union[datetime, int, float]
#: Where a vault lives: a file path as os.fspath() takes it, or a
#: PostgreSQL URI (``postgresql://...`` or ``postgres://...``) as text.
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
#: A host's tester: credentials in, ``(success, message)`` out.
Tester = Callable[[Dict[str, str]], Tuple[bool, str]]
#: A length of time in seconds (a lease).
Seconds = Union[int, float]
#: A host's refresher: the current credentials in, the token endpoint's
#: answer out (``access_token``, optional ``refresh_token``, ``expires_in``
#: or ``expires_at``). Raises PermanentRefreshError for a revoked grant.
Refresher = Callable[[Dict[str, str]], Mapping[str, Any]]
#: A host's token exchange: ``(code, code_verifier, redirect_uri)`` in, the
#: token endpoint's answer out (as a refresher's).
TokenExchange = Callable[[str, str, str], Mapping[str, Any]]

# Bound once: attribute lookups through _native.lib on every call add up in
# the hot read path (DESIGN.md §9, python_get).
_lib = _native.lib
_call_for_string = _native.call_for_string
_raw_decode = json.JSONDecoder().raw_decode
# Mirrors of include/linkvault/limits.hpp (max_tenant_id_bytes, max_input_bytes).
_MAX_TENANT_ID_BYTES = 128
_MAX_INPUT_BYTES = 1024 * 1024  # LV_MAX_INPUT_BYTES
_INT64_MAX = 2 ** 63 - 1
_C_INT_MAX = 2 ** 31 - 1
_MAX_RECORD_PAYLOAD_BYTES = 256 * 1024 * 1024  # LV_MAX_RECORD_PAYLOAD_BYTES


# ------------------------------------------------------------------ results --

def _loads(raw):
    """The library's JSON output (UTF-8 bytes) as Python values.

    raw_decode on already-decoded text skips json.loads' encoding sniffing
    and trailing-whitespace scan: the library writes exactly one value.
    """
    return _raw_decode(raw.decode("utf-8"))[0]


def _integration(raw):
    return Integration(_loads(raw))


def _job(raw):
    return SyncJob(_loads(raw))


# ---------------------------------------------------------------- arguments --

def _text(value, what):
    """A str argument as NUL-free UTF-8 bytes for a ``const char*``.

    C strings end at the first NUL: "acme\\0x" would silently become tenant
    "acme", so a NUL is refused rather than truncated.
    """
    if not isinstance(value, str):
        raise InvalidArgument("%s must be a str, not %s" % (what, type(value).__name__))
    if "\0" in value:
        raise InvalidArgument("%s contains a NUL character" % what)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgument("%s is not valid Unicode text (it has a lone surrogate)" % what) from None


def _optional_text(value, what):
    return None if value is None else _text(value, what)


def _object_id(value, what):
    """An id argument: a str, or a record whose id is meant."""
    if isinstance(value, str):
        return _text(value, what)
    if isinstance(value, (Integration, ActivityEntry, SyncJob)):
        return _text(value.id, what)
    raise InvalidArgument("%s must be an id (str), not %s" % (what, type(value).__name__))


def _json(value, what):
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as error:  # UnicodeEncodeError is a ValueError
        raise InvalidArgument("%s cannot be sent as JSON: %s" % (what, error)) from None
    except RecursionError:
        # A value nested deeper than the interpreter's stack; the library
        # would refuse far shallower nesting anyway.
        raise InvalidArgument("%s is nested too deeply to send as JSON" % what) from None


def _checked_dict(value, what):
    """A dict argument (a job's config or summary), checked for JSON.

    json.dumps would quietly turn a key 1 into "1" (and True into "true"), so
    the worker would read back other keys than the host wrote: keys that are
    not str are refused, at any depth. The walk is iterative, so a deeply
    nested value reaches _json, which refuses it cleanly.
    """
    if not isinstance(value, Mapping):
        raise InvalidArgument("%s must be a dict, not %s" % (what, type(value).__name__))
    pending = [value]
    seen = set()
    while pending:
        container = pending.pop()
        if id(container) in seen:
            continue  # a cycle: json.dumps names it below
        seen.add(id(container))
        if isinstance(container, Mapping):
            for key, item in container.items():
                if not isinstance(key, str):
                    raise InvalidArgument("%s: keys must be str, not %s (%r)"
                                          % (what, type(key).__name__, key))
                if isinstance(item, (Mapping, list, tuple)):
                    pending.append(item)
        else:
            pending.extend(item for item in container if isinstance(item, (Mapping, list, tuple)))
    return dict(value)


def _seconds(value, what):
    """A length of time in seconds, int or float, for a JSON number. The
    library checks the range; NaN and infinities cannot be sent as JSON."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument("%s must be a number of seconds (int or float), not %s"
                              % (what, type(value).__name__))
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidArgument("%s must be a finite number of seconds, not %r" % (what, value))
    if isinstance(value, int) and not -_INT64_MAX - 1 <= value <= _INT64_MAX:
        raise InvalidArgument("%s=%d is out of range" % (what, value))
    return value


def _flag(value, what):
    if isinstance(value, bool) or value in (0, 1):
        return 1 if value else 0
    raise InvalidArgument("%s must be True or False, not %r" % (what, value))


def _str_list(values, what):
    """A list of str from any iterable of them (a lone str or bytes is refused:
    iterating it would give characters); InvalidArgument naming ``what``."""
    if isinstance(values, (str, bytes)):
        raise InvalidArgument("%s must be a list of str, not a single %s"
                              % (what, type(values).__name__))
    try:
        names = list(values)
    except TypeError:
        raise InvalidArgument("%s must be a list of str, not %s"
                              % (what, type(values).__name__)) from None
    for name in names:
        if not isinstance(name, str):
            raise InvalidArgument("%s must be a list of str; it holds a %s"
                                  % (what, type(name).__name__))
    return names


def _job_types(types):
    """claim_job's ``types``: None (any type) or a list of type names."""
    return None if types is None else _str_list(types, "types")


def _name_for_message(name):
    """A caller's key (never a value) quoted for a message, cut to 64 characters."""
    return repr(name if len(name) <= 64 else name[:64] + "...")


def _credentials_json(credentials):
    """The credentials map as JSON. Values are checked by the library (which
    names the field); here only what JSON itself cannot carry is refused, and
    no message ever quotes a value."""
    if not isinstance(credentials, Mapping):
        raise InvalidArgument("credentials must be a dict of field name to str, not %s"
                              % type(credentials).__name__)
    for field, value in credentials.items():
        if not isinstance(field, str):
            raise InvalidArgument("credential field names must be str, not %s"
                                  % type(field).__name__)
        # Checked here, not left to the library: a nested value could be too
        # deep for json.dumps, and a message must never quote it.
        if not isinstance(value, str):
            raise InvalidArgument("credential field %s must be a str, not %s"
                                  % (_name_for_message(field), type(value).__name__))
        if _has_lone_surrogate(value):
            raise InvalidArgument("credential field %s is not valid Unicode text"
                                  % _name_for_message(field))
    return _json(dict(credentials), "credentials")


def _has_lone_surrogate(text):
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _time_text(value, what):
    """An ``expires_at``-style argument as RFC 3339 UTC text with milliseconds.

    Accepts an aware ``datetime`` or epoch seconds (int or float). A naive
    datetime is refused: whether it meant UTC or local time cannot be known.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidArgument(
                "%s is a naive datetime; pass an aware one (e.g. tzinfo=timezone.utc) "
                "or epoch seconds" % what)
        try:
            value = value.astimezone(timezone.utc)
        except (OverflowError, ValueError):  # e.g. year 1 east of UTC
            raise InvalidArgument("%s is out of range for a time" % what) from None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidArgument("%s must be a finite number of epoch seconds" % what)
        try:
            value = datetime.fromtimestamp(value, timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise InvalidArgument("%s=%r is out of range for a time" % (what, value)) from None
    else:
        raise InvalidArgument("%s must be an aware datetime or epoch seconds, not %s"
                              % (what, type(value).__name__))
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond // 1000)


def _integer(value, what, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument("%s must be an int, not %s" % (what, type(value).__name__))
    if not low <= value <= high:
        raise InvalidArgument("%s=%d is out of range" % (what, value))
    return value


def _anchors_json(anchors):
    """Audit anchors as the C ABI's JSON. The library checks every value and
    names what is wrong; here only what json.dumps would silently change
    (a non-str key becomes a str) is refused."""
    if not isinstance(anchors, Mapping):
        raise InvalidArgument("anchors must be a dict of tenant id to "
                              "{'sequence': int, 'mac': str}, not %s" % type(anchors).__name__)
    for tenant, anchor in anchors.items():
        if not isinstance(tenant, str):
            raise InvalidArgument("anchors: tenant ids must be str, not %s"
                                  % type(tenant).__name__)
        if not isinstance(anchor, Mapping):
            raise InvalidArgument("anchors: tenant %r must map to a dict, not %s"
                                  % (tenant, type(anchor).__name__))
        for key in anchor:
            if not isinstance(key, str):
                raise InvalidArgument("anchors: tenant %r has a key that is not a str (%r)"
                                      % (tenant, key))
        sequence = anchor.get("sequence")
        # Beyond 64 bits the library's parser could only say "bad number".
        if isinstance(sequence, int) and not -_INT64_MAX - 1 <= sequence <= _INT64_MAX:
            raise InvalidArgument("anchors: tenant %r: sequence %d is out of range"
                                  % (tenant, sequence))
    return _json({tenant: dict(anchor) for tenant, anchor in anchors.items()}, "anchors")


def _rules_json(rules):
    """Field mapping rules (a list of dicts) as the C ABI's rules_json. The
    library checks every rule and names the bad one; here only what
    json.dumps would silently change (a key that is not a str, at any depth)
    or cannot send is refused."""
    if isinstance(rules, (str, bytes, Mapping)):
        raise InvalidArgument("rules must be a list of rule dicts, not a %s"
                              % type(rules).__name__)
    try:
        items = list(rules)
    except TypeError:
        raise InvalidArgument("rules must be a list of rule dicts, not %s"
                              % type(rules).__name__) from None
    checked = []
    for index, rule in enumerate(items):
        if not isinstance(rule, Mapping):
            raise InvalidArgument("rules[%d] must be a dict, not %s"
                                  % (index, type(rule).__name__))
        checked.append(_checked_dict(rule, "rules[%d]" % index))
    return _json(checked, "rules")


class _Payload:
    """A map_records payload as the (pointer, length) the C ABI takes.

    bytes go as they are; a bytearray or writable memoryview is lent
    through a ctypes array over its buffer (no copy of a big page); text
    is encoded as UTF-8 once. The library checks the JSON and its UTF-8.
    """

    __slots__ = ("pointer", "length", "_keep")

    def __init__(self, payload):
        if isinstance(payload, str):
            try:
                data = payload.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArgument("payload is not valid Unicode text "
                                      "(it has a lone surrogate)") from None
        elif isinstance(payload, bytes):
            data = payload
        elif isinstance(payload, (bytearray, memoryview)):
            try:
                view = memoryview(payload).cast("B")
            except TypeError:  # not C-contiguous
                view = memoryview(bytes(payload))
            if len(view) and not view.readonly:
                data = (ctypes.c_char * len(view)).from_buffer(view)
            else:
                data = view.tobytes()
        else:
            raise InvalidArgument("payload must be JSON as str, bytes, bytearray or "
                                  "memoryview, not %s" % type(payload).__name__)
        length = len(data) if not isinstance(data, ctypes.Array) else ctypes.sizeof(data)
        if length > _MAX_RECORD_PAYLOAD_BYTES:
            raise InvalidArgument("payload is %d bytes, more than the %d allowed"
                                  % (length, _MAX_RECORD_PAYLOAD_BYTES))
        self._keep = data  # alive for the call
        self.pointer = data
        self.length = length


# -------------------------------------------------------------------- Actor --

class Actor:
    """Who performs an operation: ``Actor(user_id, user_name="", role="member")``.

    ``role`` is ``"admin"``, ``"member"`` or ``"system"``. Reads are open to
    every role; every change needs ``admin`` or ``system``, else
    :class:`~linkvault.PermissionDenied` and nothing changes. An unknown role or
    an empty ``user_id`` raises :class:`~linkvault.InvalidArgument` here, at
    construction. Actors are immutable and hashable.
    """

    __slots__ = ("_user_id", "_user_name", "_role", "_json")
    _user_id: str
    _user_name: str
    _role: str
    _json: bytes

    def __init__(self, user_id: str, user_name: str = "", role: str = "member") -> None:
        _text(user_id, "user_id")
        if not user_id:
            raise InvalidArgument("user_id must not be empty")
        _text(user_name, "user_name")
        if not isinstance(role, str) or role not in ROLES:
            raise InvalidArgument("role must be one of %s, not %r" % (", ".join(ROLES), role))
        set_attribute = object.__setattr__
        set_attribute(self, "_user_id", user_id)
        set_attribute(self, "_user_name", user_name)
        set_attribute(self, "_role", role)
        # Encoded once: every change sends it.
        set_attribute(self, "_json", _json(
            {"user_id": user_id, "user_name": user_name, "role": role}, "actor"))

    @property
    def user_id(self) -> str:
        return self._user_id

    @property
    def user_name(self) -> str:
        return self._user_name

    @property
    def role(self) -> str:
        return self._role

    def __setattr__(self, name, value):
        raise AttributeError("Actor is read-only")

    def __delattr__(self, name):
        raise AttributeError("Actor is read-only")

    def __eq__(self, other: object) -> bool:
        if type(other) is not Actor:
            return NotImplemented
        return (self._user_id, self._user_name, self._role) == (
            other._user_id, other._user_name, other._role)

    def __hash__(self) -> int:
        return hash((self._user_id, self._user_name, self._role))

    def __repr__(self):
        return "Actor(%r, %r, role=%r)" % (self._user_id, self._user_name, self._role)

    def __reduce__(self):
        return (Actor, (self._user_id, self._user_name, self._role))


#: The host itself, acting on its own behalf (e.g. ``Tenant.set_quota`` with
#: ``actor=None``).
SYSTEM_ACTOR: Actor = Actor("system", "system", role="system")


def _actor_json(actor):
    if type(actor) is not Actor:
        raise InvalidArgument("actor must be a linkvault.Actor, not %s" % type(actor).__name__)
    return actor._json


# -------------------------------------------------------------------- Vault --

def _redacted_location(location: PathLike) -> PathLike:
    """The location for display: a PostgreSQL URI with its password
    (``user:pw@`` or ``password=pw``) replaced by ``****``, as in the
    library's messages; a file path as given."""
    if not isinstance(location, str) or not location.startswith(("postgresql://", "postgres://")):
        return location
    # The password runs from the user's colon to the authority's last "@".
    text = re.sub(r"^([a-z]+://[^:@/?#]*:)[^/?#]*@", r"\1****@", location)
    return re.sub(r"([?&]password=)[^&#]*", r"\1****", text)


class Vault:
    """One vault: an encrypted file, or a schema of a PostgreSQL database.
    Create with :meth:`Vault.open`.

    Use as a context manager, or call :meth:`close`; closing twice is fine.
    Every call on a closed vault (or on a Tenant of it) raises
    :class:`~linkvault.FailedPrecondition`.
    """

    def __init__(self, handle: ctypes.c_void_p, path: PathLike) -> None:
        # Private: use Vault.open(). `handle` is an open lv_vault*.
        self._handle = handle
        self._path = path
        self._closed = False

    @classmethod
    def open(cls, path: PathLike, key: Optional[Union[bytes, bytearray, memoryview]] = None,
             passphrase: Optional[Union[str, bytes, bytearray]] = None,
             create: bool = True) -> Vault:
        """Opens (and with ``create=True``, the default, creates) the vault at ``path``.

        ``path`` is a file path (str, bytes or os.PathLike: a SQLCipher
        file), or a PostgreSQL URI as str, ``postgresql://user@/db?host=/run/postgresql``
        (``postgres://`` too): the vault then lives in the tables of that
        connection's current schema (choose one with
        ``&options=-csearch_path%3Dmy_schema``), and any number of processes
        on any number of machines may open it at once. An unreachable server
        raises :class:`~linkvault.StorageError`; no message, and not this object's
        repr, shows the URI's password.

        Give exactly one master secret: ``key``, 32 raw bytes (bytes,
        bytearray or memoryview), or ``passphrase``, a non-empty str
        (stretched with Argon2id, which deliberately takes a moment). A secret
        that does not open an existing vault raises
        :class:`~linkvault.WrongKey` and leaves the file unchanged.
        """
        if (key is None) == (passphrase is None):
            raise InvalidArgument("give exactly one of key= (32 bytes) or passphrase= (str)")
        if not isinstance(create, bool) and create not in (0, 1):
            raise InvalidArgument("create must be True or False, not %r" % (create,))
        try:
            path_text = os.fspath(path)
        except TypeError:
            raise InvalidArgument("path must be a str, bytes or os.PathLike, not %s"
                                  % type(path).__name__) from None
        if isinstance(path_text, str):
            if "\0" in path_text:
                raise InvalidArgument("path contains a NUL character")
            path_bytes = os.fsencode(path_text)
        else:
            if b"\0" in path_text:
                raise InvalidArgument("path contains a NUL byte")
            path_bytes = path_text
        handle = c_void_p()
        create_flag = 1 if create else 0
        if key is not None:
            if isinstance(key, str):
                raise InvalidArgument("key must be 32 raw bytes; pass text as passphrase=")
            try:
                view = memoryview(key).cast("B")
            except (TypeError, ValueError):
                raise InvalidArgument("key must be 32 contiguous bytes (bytes, bytearray or "
                                      "memoryview), not %s" % type(key).__name__) from None
            size = len(view)
            # A buffer we can wipe; the library rejects any size but 32.
            buffer = (ctypes.c_ubyte * size).from_buffer_copy(view) if size else (ctypes.c_ubyte * 1)()
            try:
                _lib.lv_vault_open(byref(handle), path_bytes, buffer, size, create_flag)
            finally:
                ctypes.memset(buffer, 0, ctypes.sizeof(buffer))
        else:
            if isinstance(passphrase, str):
                if "\0" in passphrase:
                    raise InvalidArgument("passphrase contains a NUL character")
                try:
                    encoded = passphrase.encode("utf-8")
                except UnicodeEncodeError:
                    raise InvalidArgument("passphrase is not valid Unicode text") from None
            elif isinstance(passphrase, (bytes, bytearray)):
                if b"\0" in passphrase:
                    raise InvalidArgument("passphrase contains a NUL byte")
                encoded = bytes(passphrase)
            else:
                raise InvalidArgument("passphrase must be a str, not %s" % type(passphrase).__name__)
            text_buffer = ctypes.create_string_buffer(encoded)
            try:
                _lib.lv_vault_open_passphrase(byref(handle), path_bytes, text_buffer, create_flag)
            finally:
                ctypes.memset(text_buffer, 0, ctypes.sizeof(text_buffer))
        return cls(handle, path)

    @property
    def path(self) -> PathLike:
        """The path (or PostgreSQL URI, password and all) the vault was opened with."""
        return self._path

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Releases the file. Idempotent; later calls raise FailedPrecondition."""
        if self._handle is not None:
            self._closed = True
            _lib.lv_vault_close(self._handle)

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self.close()

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None:
            self._handle = None
            try:
                _lib.lv_vault_destroy(handle)
            except Exception:  # interpreter shutdown: nothing sensible left to do
                pass

    def __repr__(self):
        return "<linkvault.Vault %r%s>" % (_redacted_location(self._path),
                                           " closed" if self._closed else "")

    def tenant(self, tenant_id: str) -> Tenant:
        """A handle on one tenant (cheap; no I/O). Ids are 1-128 bytes of UTF-8."""
        return Tenant(self, tenant_id)

    def providers(self) -> List[Dict[str, Any]]:
        """The catalog: a list of provider spec dicts (key, name, auth_type,
        credential_fields, scopes, rate_limits, features)."""
        return _loads(_call_for_string(_lib.lv_provider_list, self._handle))

    def register_provider(self, spec, replace=False):
        """Stores a provider (a spec dict, or its JSON text) in the vault file.

        Every Vault object and process that opens the file sees it. Returns
        the spec as stored. Registering the same spec again (compared after
        parsing, so whitespace and key order do not count) changes nothing.
        A built-in key is :class:`~linkvault.AlreadyExists`; so is a key
        stored with a different spec, unless ``replace=True``, which replaces
        it. A malformed spec is :class:`~linkvault.InvalidArgument`.
        """
        spec_json = _text(spec, "spec") if isinstance(spec, str) else _json(spec, "spec")
        if not isinstance(replace, bool) and replace not in (0, 1):
            raise InvalidArgument("replace must be True or False, not %r" % (replace,))
        function = _lib.lv_provider_register_replace if replace else _lib.lv_provider_register
        return _loads(_call_for_string(function, self._handle, spec_json))

    def verify_audit(self, anchors: Optional[Mapping[str, Mapping[str, Any]]] = None
                     ) -> Dict[str, Any]:
        """Checks every tenant's activity chain.

        Returns ``{"checked": int, "ok": bool, "first_bad": str | None}``,
        ``first_bad`` being the id of the first entry that fails.

        ``anchors`` is what :meth:`audit_heads` returned earlier (or part of
        it, or the same after a JSON round trip). Each anchored tenant's chain
        must then reach the anchor's sequence and hold the anchor's MAC there;
        if not, ``ok`` is False and ``first_bad`` is the entry at that
        sequence, or the tenant id when the chain is shorter (rolled back, or
        the tenant is gone). Malformed anchors raise
        :class:`~linkvault.InvalidArgument`.
        """
        if anchors is None:
            raw = _call_for_string(_lib.lv_audit_verify, self._handle)
        else:
            raw = _call_for_string(_lib.lv_audit_verify_anchored, self._handle,
                                   _anchors_json(anchors))
        report = _loads(raw)
        return {"checked": report["checked"], "ok": report["ok"],
                "first_bad": report.get("first_bad")}

    def audit_heads(self) -> Dict[str, Dict[str, Any]]:
        """Every tenant's chain head, ``{tenant: {"sequence": int, "mac": str}}``
        (``mac`` in lowercase hex; tenants without entries are left out).

        Anyone who can write the vault's ``-wal`` file can roll back the
        commits since the last checkpoint without the key, and the shorter
        chain still verifies. Keep these heads outside the vault's files and
        pass them to :meth:`verify_audit` to detect that. Drop a tenant's
        anchor when you purge the tenant.
        """
        return _loads(_call_for_string(_lib.lv_audit_heads, self._handle))

    def purge_tenant(self, actor: Actor, tenant_id: str) -> Dict[str, int]:
        """Destroys a tenant's keys (crypto-shredding) and deletes its
        integrations, jobs and activity. Needs an admin or system actor.

        Returns the counts: ``{"integrations", "activity", "jobs", "keys"}``.
        A backup of the file taken before still holds the keys.
        """
        actor_json = _actor_json(actor)
        return _loads(_call_for_string(_lib.lv_tenant_purge, self._handle, actor_json,
                                       _text(tenant_id, "tenant")))

    # -- sync job workers: across every tenant of the vault ----------------------

    def claim_job(self, worker_id: str, lease_seconds: Seconds = 30,
                  types: Optional[Iterable[str]] = None) -> Optional[SyncJob]:
        """Gives the oldest due pending job, of any tenant, to this worker.

        The job becomes ``running`` under a lease of ``lease_seconds`` (int or
        float, 0.001 to 86400); renew it with :meth:`heartbeat` before it runs
        out, or the job is recovered and may go to another worker. ``types``
        is a list of job types to take (None: any). Expired leases are
        recovered first. Returns None when nothing is due. ``worker_id``
        (1-128 bytes of text without control characters) must be unique
        among the workers running at one time: it is what proves a worker
        holds its job.
        """
        options: Dict[str, Any] = {"lease_seconds": _seconds(lease_seconds, "lease_seconds")}
        names = _job_types(types)
        if names is not None:
            options["types"] = names
        data = _loads(_call_for_string(_lib.lv_job_claim, self._handle,
                                       _text(worker_id, "worker_id"), _json(options, "options")))
        return None if data is None else SyncJob(data)

    def heartbeat(self, job_id: Union[str, SyncJob], worker_id: str,
                  processed: Optional[int] = None, total: Optional[int] = None,
                  lease_seconds: Optional[Seconds] = None) -> SyncJob:
        """The holder reports progress and renews its lease.

        ``processed`` and ``total`` are record counts (None keeps the stored
        value); ``progress_percent`` becomes ``floor(100 * processed / total)``.
        The lease is renewed by ``lease_seconds``, or by the claim's length.
        Raises :class:`~linkvault.Cancelled` when cancel was requested (the
        job is then ``cancelled``: stop working on it),
        :class:`~linkvault.Conflict` when another worker holds the job now
        (the lease ran out and it was reclaimed), and
        :class:`~linkvault.FailedPrecondition` when the job is not running.
        """
        progress: Dict[str, Any] = {}
        if processed is not None:
            progress["processed"] = _integer(processed, "processed", -_INT64_MAX - 1, _INT64_MAX)
        if total is not None:
            progress["total"] = _integer(total, "total", -_INT64_MAX - 1, _INT64_MAX)
        if lease_seconds is not None:
            progress["lease_seconds"] = _seconds(lease_seconds, "lease_seconds")
        return _job(_call_for_string(
            _lib.lv_job_heartbeat, self._handle, _object_id(job_id, "job_id"),
            _text(worker_id, "worker_id"), _json(progress, "progress") if progress else None))

    def complete_job(self, job_id: Union[str, SyncJob], worker_id: str,
                     outcome: str = "success",
                     summary: Optional[Mapping[str, Any]] = None) -> SyncJob:
        """The holder finishes the job: ``outcome`` is ``"success"`` or
        ``"partial"``, ``summary`` a dict kept with the job. Sets the
        integration's ``last_sync_at`` and ``last_sync_status``. A job the
        worker no longer holds is :class:`~linkvault.Conflict` (or
        :class:`~linkvault.FailedPrecondition` once it finished)."""
        return _job(_call_for_string(
            _lib.lv_job_complete, self._handle, _object_id(job_id, "job_id"),
            _text(worker_id, "worker_id"), _text(outcome, "outcome"),
            None if summary is None else _json(_checked_dict(summary, "summary"), "summary")))

    def fail_job(self, job_id: Union[str, SyncJob], worker_id: str, error: str,
                 retryable: bool = True) -> SyncJob:
        """The holder reports a failure, ``error``: 1-4096 bytes of text
        without control characters (one line), never a secret.

        Retryable with attempts left: the job goes back to ``pending``, due
        after ``retry_base_seconds * 2**(attempt - 1)`` (at most an hour,
        +-20 % jitter). Otherwise it is ``failed`` for good.
        """
        return _job(_call_for_string(
            _lib.lv_job_fail, self._handle, _object_id(job_id, "job_id"),
            _text(worker_id, "worker_id"), _text(error, "error"), _flag(retryable, "retryable")))

    def recover_expired_jobs(self) -> int:
        """Recovers every running job whose lease has passed (its worker died
        or stalled): back to ``pending`` while attempts remain, else
        ``failed``. Returns how many. ``claim_job`` does this too."""
        count = c_int64()
        _lib.lv_job_recover_expired(self._handle, byref(count))
        return count.value

    def schedule_due_syncs(self) -> List[SyncJob]:
        """Queues an ``incremental_sync`` (as the system actor) for every
        connected integration whose ``sync_config`` has ``auto_sync``, that
        has no pending or running job, and that never synced or last synced
        ``interval_minutes`` ago or more. Returns the new jobs."""
        return [SyncJob(item) for item in _loads(
            _call_for_string(_lib.lv_sync_schedule_due, self._handle))]


    # -- OAuth: across every tenant of the vault --------------------------------

    def refresh_expiring(self, refreshers: Mapping[str, Refresher],
                         within_seconds: int = 900) -> Dict[str, int]:
        """Refreshes, as the system actor, every connected integration of every
        tenant whose token expires within ``within_seconds`` (0-31536000).

        ``refreshers`` maps a provider key to its refresher (see
        :meth:`Tenant.valid_credentials`); an integration of a provider not in
        it, or in a failure cooldown, is skipped. Returns the counts
        ``{"refreshed", "failed", "skipped"}``. A failed refresh is counted,
        not raised.
        """
        if not isinstance(refreshers, Mapping):
            raise InvalidArgument("refreshers must be a dict of provider key to refresher, not %s"
                                  % type(refreshers).__name__)
        table: Dict[str, Refresher] = {}
        for provider, refresher in refreshers.items():
            if not isinstance(provider, str):
                raise InvalidArgument("refreshers: provider keys must be str, not %s"
                                      % type(provider).__name__)
            _text(provider, "refreshers: provider key")
            if not callable(refresher):
                raise InvalidArgument("refreshers[%s] must be callable, not %s"
                                      % (_name_for_message(provider), type(refresher).__name__))
            table[provider] = refresher
        options = {"within_seconds": _integer(within_seconds, "within_seconds",
                                              -_INT64_MAX - 1, _INT64_MAX),
                   "providers": list(table)}

        def refresher_for(provider):
            try:
                return table[provider]
            except KeyError:  # the library only asks for listed providers
                raise LookupError("no refresher for provider %s"
                                  % _name_for_message(provider)) from None

        escaped: List[BaseException] = []
        # `callback` must outlive the C call: it is a local of this frame.
        callback = _refresher_callback(refresher_for, escaped)
        report = _loads(_call_reraising(escaped, _lib.lv_refresh_expiring, self._handle,
                                        _json(options, "options"), callback, None))
        return {"refreshed": report["refreshed"], "failed": report["failed"],
                "skipped": report["skipped"]}

    def configure_oauth_client(self, provider: str, client_id: str,
                               client_secret: Optional[str] = None) -> None:
        """Stores (or replaces) the host's OAuth client for an oauth2 provider.

        ``client_id``: 1-512 bytes of text without control characters;
        ``client_secret``: None for a public client, else sealed in the
        vault. A provider that is unknown or not oauth2 is
        :class:`~linkvault.InvalidArgument`.
        """
        provider_bytes = _text(provider, "provider")
        client_id_bytes = _text(client_id, "client_id")
        if client_secret is None:
            _lib.lv_oauth_client_configure(self._handle, provider_bytes, client_id_bytes, None)
            return
        # A buffer we can wipe (the str itself cannot be).
        secret_buffer = ctypes.create_string_buffer(_text(client_secret, "client_secret"))
        try:
            _lib.lv_oauth_client_configure(self._handle, provider_bytes, client_id_bytes,
                                           secret_buffer)
        finally:
            ctypes.memset(secret_buffer, 0, ctypes.sizeof(secret_buffer))


# ------------------------------------------------------------------- Tenant --

class Tenant:
    """Every integration operation, scoped to one tenant.

    Obtain with ``vault.tenant("acme")``. An id that belongs to another tenant
    is :class:`~linkvault.NotFound`, exactly like an id that does not exist.
    Ids may be given as str or as the record itself.
    """

    __slots__ = ("_vault", "_handle", "_id", "_tenant")

    def __init__(self, vault: Vault, tenant_id: str) -> None:
        encoded = _text(tenant_id, "tenant")
        if not encoded or len(encoded) > _MAX_TENANT_ID_BYTES:
            raise InvalidArgument("tenant id must be 1 to %d bytes of UTF-8, got %d"
                                  % (_MAX_TENANT_ID_BYTES, len(encoded)))
        self._vault = vault  # keeps the handle alive
        self._handle = vault._handle
        self._id = tenant_id
        self._tenant = encoded

    @property
    def id(self) -> str:
        return self._id

    @property
    def vault(self) -> Vault:
        return self._vault

    def __repr__(self):
        return "<linkvault.Tenant %r>" % self._id

    # -- reads: open to every role -----------------------------------------

    def get(self, integration_id: Union[str, Integration]) -> Integration:
        """The integration with this id; :class:`~linkvault.NotFound` otherwise."""
        return _integration(_call_for_string(
            _lib.lv_integration_get, self._handle, self._tenant,
            _object_id(integration_id, "integration_id")))

    def find(self, provider: str, name: Optional[str] = "default") -> Optional[Integration]:
        """The integration (tenant, provider, name), or None."""
        data = _loads(_call_for_string(
            _lib.lv_integration_find, self._handle, self._tenant,
            _text(provider, "provider"), _optional_text(name, "name")))
        return None if data is None else Integration(data)

    def list(self, provider: Optional[str] = None,
             status: Optional[str] = None) -> List[Integration]:
        """The tenant's integrations, optionally only one provider's and/or one status."""
        criteria: Dict[str, str] = {}
        if provider is not None:
            criteria["provider"] = provider
        if status is not None:
            criteria["status"] = status
        filter_json = _json(criteria, "filter") if criteria else None
        return [Integration(item) for item in _loads(_call_for_string(
            _lib.lv_integration_list, self._handle, self._tenant, filter_json))]

    def activity(self, integration_id: Optional[Union[str, Integration]] = None, limit: int = 50,
                 before: Optional[Union[str, ActivityEntry]] = None) -> List[ActivityEntry]:
        """Activity entries, newest first.

        ``integration_id=None`` lists the whole tenant. ``limit`` is 1-1000.
        ``before`` is an entry (or its id): only entries older than it, to page
        backwards.
        """
        _integer(limit, "limit", -_C_INT_MAX - 1, _C_INT_MAX)
        entries = _loads(_call_for_string(
            _lib.lv_activity_list, self._handle, self._tenant,
            None if integration_id is None else _object_id(integration_id, "integration_id"),
            limit,
            None if before is None else _object_id(before, "before")))
        return [ActivityEntry(item) for item in entries]

    def get_job(self, job_id: Union[str, SyncJob]) -> SyncJob:
        """The sync job with this id; :class:`~linkvault.NotFound` otherwise."""
        return _job(_call_for_string(_lib.lv_job_get, self._handle, self._tenant,
                                     _object_id(job_id, "job_id")))

    def jobs(self, integration_id: Optional[Union[str, Integration]] = None,
             status: Optional[str] = None, limit: int = 50,
             before: Optional[Union[str, SyncJob]] = None) -> List[SyncJob]:
        """The tenant's sync jobs, newest first.

        Optionally only one integration's and/or one status's. ``limit`` is
        1-1000. ``before`` is a job (or its id): only jobs older than it, to
        page backwards.
        """
        criteria: Dict[str, Any] = {"limit": _integer(limit, "limit", -_C_INT_MAX - 1, _C_INT_MAX)}
        if integration_id is not None:
            criteria["integration_id"] = _object_id(integration_id, "integration_id").decode()
        if status is not None:
            criteria["status"] = _text(status, "status").decode()
        if before is not None:
            criteria["before"] = _object_id(before, "before").decode()
        return [SyncJob(item) for item in _loads(_call_for_string(
            _lib.lv_job_list, self._handle, self._tenant, _json(criteria, "filter")))]

    def quota(self) -> Optional[int]:
        """The maximum number of integrations that are not disconnected, or None."""
        value = c_int64()
        _lib.lv_tenant_get_quota(self._handle, byref(value), self._tenant)
        return None if value.value < 0 else value.value

    # -- changes: admin or system only ---------------------------------------

    def connect(self, actor: Actor, provider: str, credentials: Mapping[str, str],
                name: Optional[str] = "default", account: Optional[str] = None,
                scopes: Optional[Iterable[str]] = None, expires_at: Optional[TimeLike] = None,
                sync_config: Optional[Mapping[str, Any]] = None) -> Integration:
        """Connects ``provider`` with ``credentials`` (a dict of field to str).

        Validation failures are :class:`~linkvault.InvalidArgument` naming the
        field; a live (tenant, provider, name) is
        :class:`~linkvault.AlreadyExists` (a disconnected one is reconnected in
        place, same id); the tenant quota is
        :class:`~linkvault.QuotaExceeded`. ``expires_at``: an aware datetime or
        epoch seconds. ``sync_config``: a dict of the five sync_config keys.
        """
        options: Dict[str, Any] = {"name": "default" if name is None else name}
        if account is not None:
            options["account"] = account
        if scopes is not None:
            options["scopes"] = _str_list(scopes, "scopes")
        if expires_at is not None:
            options["expires_at"] = _time_text(expires_at, "expires_at")
        if sync_config is not None:
            options["sync_config"] = sync_config
        return _integration(_call_for_string(
            _lib.lv_integration_connect, self._handle, self._tenant, _actor_json(actor),
            _text(provider, "provider"), _credentials_json(credentials),
            _json(options, "options")))

    def update_credentials(self, actor: Actor, integration_id: Union[str, Integration],
                           credentials: Mapping[str, str],
                           expires_at: Optional[TimeLike] = None) -> Integration:
        """Replaces the sealed credentials (and, if given, the expiry)."""
        options = None
        if expires_at is not None:
            options = _json({"expires_at": _time_text(expires_at, "expires_at")}, "options")
        return _integration(_call_for_string(
            _lib.lv_integration_update_credentials, self._handle, self._tenant,
            _actor_json(actor), _object_id(integration_id, "integration_id"),
            _credentials_json(credentials), options))

    def reveal_credentials(self, actor: Actor,
                           integration_id: Union[str, Integration]) -> Dict[str, str]:
        """The plaintext credentials as a dict; logs ``credentials_revealed``.

        A disconnected integration is :class:`~linkvault.FailedPrecondition`.
        The library's copy is wiped; the returned dict cannot be, so drop it soon.
        """
        return _loads(_call_for_string(
            _lib.lv_integration_reveal_credentials, self._handle, self._tenant,
            _actor_json(actor), _object_id(integration_id, "integration_id")))

    def test(self, actor: Actor, integration_id: Union[str, Integration],
             tester: Tester) -> TestResult:
        """Runs the host's ``tester(credentials: dict) -> (bool, str)``.

        ``(True, msg)`` logs ``test_success`` and brings an ``error``
        integration back to ``connected``; ``(False, msg)``, a tester that
        raises, or one that returns anything else logs ``test_failed`` and sets
        status ``error`` with ``last_error = msg``. Either way the call returns
        a :class:`TestResult`; a raising tester's message is ``"Type: text"``.
        ``KeyboardInterrupt``/``SystemExit`` in the tester are recorded as a
        failure too and then re-raised. Disconnected:
        :class:`~linkvault.FailedPrecondition` (the tester is not called).
        """
        if not callable(tester):
            raise InvalidArgument("tester must be callable, not %s" % type(tester).__name__)
        actor_json = _actor_json(actor)
        identifier = _object_id(integration_id, "integration_id")
        escaped: List[BaseException] = []

        def bridge(reply, credentials_json, user_data):
            # Runs inside the library's call, on this thread, with the GIL
            # re-acquired. Nothing may escape into C: ctypes would only print it.
            try:
                try:
                    credentials = _loads(string_at(credentials_json)) if credentials_json else {}
                    success, message = _tester_outcome(tester(credentials))
                except Exception as error:
                    success, message = False, _describe(error)
                except BaseException as error:
                    escaped.append(error)
                    success, message = False, _describe(error)
                finally:
                    credentials = None
                flag = 1 if success else 0
                if _lib.lv_tester_reply_set(reply, flag, _reply_text(message)):
                    # Keep the verdict even if the library refuses the text.
                    _lib.lv_tester_reply_set(
                        reply, flag, b"(the tester's message was refused: "
                        + _native.last_error_message().encode("utf-8", "replace") + b")")
                return 0
            except BaseException:
                return 1  # no reply set: the library records a failed test

        # `callback` must outlive the C call: it is a local of this frame.
        callback = _native.TESTER_FUNCTION(bridge)
        result = _loads(_call_for_string(
            _lib.lv_integration_test, self._handle, self._tenant, actor_json, identifier,
            callback, None))
        if escaped:
            raise escaped[0]
        return TestResult(bool(result["success"]), result.get("message") or "")

    def disconnect(self, actor: Actor, integration_id: Union[str, Integration]) -> Integration:
        """Wipes the credentials and mask and sets ``disconnected``; the row and
        its history stay. Pending jobs are cancelled."""
        return _integration(_call_for_string(
            _lib.lv_integration_disconnect, self._handle, self._tenant, _actor_json(actor),
            _object_id(integration_id, "integration_id")))

    def mark_error(self, actor: Actor, integration_id: Union[str, Integration],
                   message: str) -> Integration:
        """Sets status ``error`` with ``last_error = message``; logs ``status_error``."""
        return _integration(_call_for_string(
            _lib.lv_integration_mark_error, self._handle, self._tenant, _actor_json(actor),
            _object_id(integration_id, "integration_id"), _text(message, "message")))

    def enqueue_sync(self, actor: Actor, integration_id: Union[str, Integration], type: str,
                     config: Optional[Mapping[str, Any]] = None, max_attempts: int = 3,
                     retry_base_seconds: int = 30) -> SyncJob:
        """Queues a sync job of ``type`` (``"full_import"``,
        ``"incremental_sync"``, ``"export"``, ``"field_mapping_update"``) on a
        connected integration; logs ``sync_queued``.

        ``config`` is a dict handed to the worker (at most 64 KiB of JSON).
        A job may be claimed ``max_attempts`` (1-20) times; the first retry
        waits about ``retry_base_seconds`` (0-3600). An integration that is
        not connected is :class:`~linkvault.FailedPrecondition`; one that
        already has a pending or running job is :class:`~linkvault.Conflict`.
        """
        options: Dict[str, Any] = {
            "max_attempts": _integer(max_attempts, "max_attempts", -_C_INT_MAX - 1, _C_INT_MAX),
            "retry_base_seconds": _integer(retry_base_seconds, "retry_base_seconds",
                                           -_C_INT_MAX - 1, _C_INT_MAX),
        }
        if config is not None:
            options["config"] = _checked_dict(config, "config")
        actor_json = _actor_json(actor)
        identifier = _object_id(integration_id, "integration_id")
        # Only the config can fail to encode, hence the name in the message.
        return _job(_call_for_string(
            _lib.lv_sync_enqueue, self._handle, self._tenant, actor_json, identifier,
            _text(type, "type"), _json(options, "config")))

    def cancel_job(self, actor: Actor, job_id: Union[str, SyncJob]) -> SyncJob:
        """Cancels a job: a pending one at once (logs ``sync_cancelled``); a
        running one is asked to stop (``cancel_requested``), and its worker's
        next heartbeat raises :class:`~linkvault.Cancelled`. A finished job is
        :class:`~linkvault.FailedPrecondition`."""
        return _job(_call_for_string(
            _lib.lv_job_cancel, self._handle, self._tenant, _actor_json(actor),
            _object_id(job_id, "job_id")))

    def set_quota(self, max_integrations: Optional[int], actor: Optional[Actor] = None) -> None:
        """Limits integrations that are not disconnected; ``None`` removes the limit.

        ``actor=None`` is the host itself (``SYSTEM_ACTOR``); a member actor is
        :class:`~linkvault.PermissionDenied`.
        """
        if max_integrations is None:
            limit = -1  # the C ABI's "no limit"
        else:
            limit = _integer(max_integrations, "max_integrations", 0, _INT64_MAX)
        _lib.lv_tenant_set_quota(self._handle, self._tenant,
                                 _actor_json(SYSTEM_ACTOR if actor is None else actor), limit)


    # -- OAuth: token refresh, PKCE, rate limits ------------------------------

    def expiring(self, within_seconds: int = 900) -> List[Integration]:
        """The connected integrations whose token expires within
        ``within_seconds`` (0-31536000) from now, expired ones included,
        soonest first. Open to every role."""
        return [Integration(item) for item in _loads(_call_for_string(
            _lib.lv_integration_expiring, self._handle, self._tenant,
            _integer(within_seconds, "within_seconds", -_INT64_MAX - 1, _INT64_MAX)))]

    def valid_credentials(self, actor: Actor, integration_id: Union[str, Integration],
                          refresher: Refresher, margin_seconds: int = 900, force: bool = False,
                          *, lease_seconds: Seconds = 30,
                          max_wait_seconds: Seconds = 60) -> Dict[str, str]:
        """The integration's credentials, refreshed first when the token
        expires within ``margin_seconds`` (or when ``force``).

        ``refresher(credentials: dict) -> dict`` calls the provider's token
        endpoint and returns ``access_token``, optionally ``refresh_token``
        (absent: the stored one is kept) and ``expires_in`` (int seconds) or
        ``expires_at`` (aware datetime or epoch seconds). It raises
        :class:`~linkvault.PermanentRefreshError` when the provider refused
        for good (the integration goes to ``error``); any other exception, or
        an answer that is not such a dict, is a transient failure (a
        30-second cooldown; the fifth in a row sets ``error``). Either way
        the call raises :class:`~linkvault.UpstreamError`; during a cooldown
        it does so without calling the refresher unless ``force``.

        One refresher call per integration at a time across threads and
        processes: the others wait (at most ``max_wait_seconds``, then
        :class:`~linkvault.Busy`) and get its result. ``lease_seconds`` is
        the cross-process lease, renewed while the refresher runs and taken
        over once it lapses. The new credentials are committed before they
        are returned. Needs an admin or system actor. A token that need not
        be refreshed only sets ``last_used_at``.
        """
        if not callable(refresher):
            raise InvalidArgument("refresher must be callable, not %s" % type(refresher).__name__)
        options = {
            "margin_seconds": _integer(margin_seconds, "margin_seconds",
                                       -_INT64_MAX - 1, _INT64_MAX),
            "force": bool(_flag(force, "force")),
            "lease_seconds": _seconds(lease_seconds, "lease_seconds"),
            "max_wait_seconds": _seconds(max_wait_seconds, "max_wait_seconds"),
        }
        actor_json = _actor_json(actor)
        identifier = _object_id(integration_id, "integration_id")
        escaped: List[BaseException] = []
        # `callback` must outlive the C call: it is a local of this frame.
        callback = _refresher_callback(lambda provider: refresher, escaped)
        return _loads(_call_reraising(
            escaped, _lib.lv_integration_valid_credentials, self._handle, self._tenant,
            actor_json, identifier, _json(options, "options"), callback, None))

    def begin_oauth(self, actor: Actor, provider: str, redirect_uri: str,
                    name: Optional[str] = "default",
                    scopes: Optional[Iterable[str]] = None) -> Dict[str, str]:
        """Starts the authorization-code flow with PKCE (S256).

        Returns ``{"authorization_url", "state", "integration_id"}``: send the
        user to the URL; the provider redirects back to ``redirect_uri``
        (https, or http to a loopback host; no fragment) with ``state`` and a
        code for :meth:`complete_oauth`. The state is valid 10 minutes, once.
        The integration (provider, name) waits in ``pending_auth``; a
        connected one is :class:`~linkvault.AlreadyExists`. ``scopes=None``
        asks for the provider's default scopes. A provider without an
        authorize URL or a configured client
        (:meth:`Vault.configure_oauth_client`) is
        :class:`~linkvault.FailedPrecondition`. Needs an admin or system actor.
        """
        options: Dict[str, Any] = {"name": "default" if name is None else
                                   _text(name, "name").decode("utf-8")}
        if scopes is not None:
            options["scopes"] = _str_list(scopes, "scopes")
        actor_json = _actor_json(actor)
        start = _loads(_call_for_string(
            _lib.lv_oauth_begin, self._handle, self._tenant, actor_json,
            _text(provider, "provider"), _text(redirect_uri, "redirect_uri"),
            _json(options, "options")))
        return {"authorization_url": start["authorization_url"], "state": start["state"],
                "integration_id": start["integration_id"]}

    def complete_oauth(self, actor: Actor, state: str, code: str,
                       exchange: TokenExchange) -> Integration:
        """Finishes the flow begun by :meth:`begin_oauth` with the ``state``
        and ``code`` the provider sent back.

        ``exchange(code, code_verifier, redirect_uri) -> dict`` posts them to
        the provider's token endpoint and returns its answer (as a
        refresher's). The integration becomes ``connected`` (logged
        ``connected``). An unknown, expired, used or other tenant's state is
        :class:`~linkvault.InvalidArgument` and changes nothing; an exchange
        that raises (or answers badly) is :class:`~linkvault.UpstreamError`
        and sets the integration to ``error``.
        """
        if not callable(exchange):
            raise InvalidArgument("exchange must be callable, not %s" % type(exchange).__name__)
        actor_json = _actor_json(actor)
        state_bytes = _text(state, "state")
        # The code is a short-lived secret: in a buffer we wipe afterwards.
        code_buffer = ctypes.create_string_buffer(_text(code, "code"))
        escaped: List[BaseException] = []
        # `callback` must outlive the C call: it is a local of this frame.
        callback = _exchange_callback(exchange, escaped)
        try:
            return _integration(_call_reraising(
                escaped, _lib.lv_oauth_complete, self._handle, self._tenant, actor_json,
                state_bytes, code_buffer, callback, None))
        finally:
            ctypes.memset(code_buffer, 0, ctypes.sizeof(code_buffer))

    def acquire(self, integration_id: Union[str, Integration], cost: int = 1) -> float:
        """Takes ``cost`` (1-1000000) requests from the integration's rate
        limits (the provider's ``per_minute`` / ``per_hour``, shared by every
        thread and process). Returns 0.0 when granted, else the seconds to
        wait (nothing taken). Never sleeps. A cost above a limit is
        :class:`~linkvault.InvalidArgument`."""
        identifier = _object_id(integration_id, "integration_id")
        wait = c_double()
        _lib.lv_rate_acquire(self._handle, byref(wait), self._tenant, identifier,
                             _integer(cost, "cost", -_INT64_MAX - 1, _INT64_MAX))
        return wait.value

    def penalize(self, integration_id: Union[str, Integration],
                 retry_after_seconds: Seconds) -> None:
        """The provider said 429 / Retry-After: :meth:`acquire` grants nothing
        for ``retry_after_seconds`` (0-604800) from now (a longer block in
        place is kept)."""
        identifier = _object_id(integration_id, "integration_id")
        _lib.lv_rate_penalize(self._handle, self._tenant, identifier,
                              float(_seconds(retry_after_seconds, "retry_after_seconds")))

    # -- records: field mappings, change detection (docs/SEMANTICS.md "Records")

    def set_field_mappings(self, actor: Actor, integration_id: Union[str, Integration],
                           rules: Iterable[Mapping[str, Any]]) -> None:
        """Sets the integration's own field mappings: a list of at most 256
        rules ``{"target": str, "source": JSON Pointer, "transform": [str],
        "required": bool, "default": any}`` ("transform", "required" and
        "default" optional; transforms ``trim``, ``lower``, ``upper``,
        ``digits``, ``date``, ``number``, ``boolean``, ``string``, applied in
        order). A bad rule is :class:`~linkvault.InvalidArgument` naming it,
        and nothing changes. ``[]`` removes them: the provider's defaults
        apply again. Needs an admin or system actor."""
        actor_json = _actor_json(actor)
        identifier = _object_id(integration_id, "integration_id")
        _lib.lv_field_mappings_set(self._handle, self._tenant, actor_json, identifier,
                                   _rules_json(rules))

    def field_mappings(self, integration_id: Union[str, Integration]) -> List[Dict[str, Any]]:
        """The integration's rules, else its provider's defaults (maybe ``[]``),
        each a dict with every key ("default" only when set)."""
        return _loads(_call_for_string(
            _lib.lv_field_mappings_get, self._handle, self._tenant,
            _object_id(integration_id, "integration_id")))

    def map_records(self, integration_id: Union[str, Integration],
                    payload: Union[str, bytes, bytearray, memoryview], records_at: str = "",
                    id_at: str = "/id", job_id: Optional[Union[str, SyncJob]] = None,
                    worker_id: Optional[str] = None) -> RecordBatch:
        """Maps every record of ``payload`` (the provider's JSON as text or
        UTF-8 bytes, at most 256 MiB) and compares each with what was
        committed. Returns a :class:`~linkvault.RecordBatch`: the created and
        updated records, the counts, the first 100 errors.

        ``records_at`` is a JSON Pointer to the array of records (``""``: the
        payload is the array); ``id_at`` one to a record's external id (a
        string or an integer). A record that fails a mapping is counted and
        reported; the rest go on. Malformed JSON is
        :class:`~linkvault.InvalidArgument` with the byte offset; an
        integration without mappings (its own or its provider's) is
        :class:`~linkvault.FailedPrecondition`.

        With ``job_id`` and ``worker_id`` (both or neither) the batch belongs
        to that running job, which the worker must hold
        (:class:`~linkvault.Conflict` otherwise, :class:`~linkvault.NotFound`
        for an unknown job). Reads only: nothing is remembered until
        :meth:`commit_records`.
        """
        identifier = _object_id(integration_id, "integration_id")
        data = _Payload(payload)
        options: Dict[str, Any] = {"records_at": _text(records_at, "records_at").decode("utf-8"),
                                   "id_at": _text(id_at, "id_at").decode("utf-8")}
        if job_id is not None:
            options["job_id"] = _object_id(job_id, "job_id").decode("utf-8")
        if worker_id is not None:
            options["worker_id"] = _text(worker_id, "worker_id").decode("utf-8")
        handle = c_void_p()
        _lib.lv_records_map(self._handle, byref(handle), self._tenant, identifier, data.pointer,
                            data.length, _json(options, "options"))
        return RecordBatch(handle, self._tenant)

    def commit_records(self, batch: RecordBatch) -> None:
        """The host stored the batch's changed records: remembers the hash of
        every record the batch saw, in one transaction, so the next
        :meth:`map_records` reports them ``unchanged``.

        With a job: only while the batch's worker still holds the job under
        the lease it mapped with (:class:`~linkvault.Conflict` otherwise, and
        nothing is written); the job's ``records_processed`` and ``summary``
        counts move in the same transaction. Committing a batch again is
        harmless. A batch of another tenant, or a closed one, is
        :class:`~linkvault.InvalidArgument`.
        """
        if not isinstance(batch, RecordBatch):
            raise InvalidArgument("batch must be a linkvault.RecordBatch, not %s"
                                  % type(batch).__name__)
        handle = batch._handle
        if handle is None:
            raise InvalidArgument("batch is closed")
        _lib.lv_records_commit(self._handle, self._tenant, handle)

    def finish_full_sync(self, integration_id: Union[str, Integration],
                         job_id: Union[str, SyncJob]) -> List[str]:
        """After the integration's ``full_import`` job completed with outcome
        ``success`` (else :class:`~linkvault.FailedPrecondition`): the
        external ids it did not see, ascending, now forgotten (their count is
        added to the job summary's ``deleted``). Calling it again returns
        ``[]``."""
        return _loads(_call_for_string(
            _lib.lv_records_finish_full_sync, self._handle, self._tenant,
            _object_id(integration_id, "integration_id"), _object_id(job_id, "job_id")))


def _tester_outcome(outcome):
    """(success, message) from what a tester returned; TypeError if unusable."""
    if isinstance(outcome, (tuple, list)) and len(outcome) == 2:
        success, message = outcome
        return bool(success), "" if message is None else str(message)
    raise TypeError("the tester must return (bool, str), not %s" % type(outcome).__name__)


def _reply_text(message):
    """A tester's message as the C ABI accepts it: UTF-8 without NUL, at most
    LV_MAX_INPUT_BYTES (the library keeps a shorter prefix anyway)."""
    encoded = message.replace("\0", "\ufffd").encode("utf-8", "replace")
    if len(encoded) > _MAX_INPUT_BYTES:
        encoded = encoded[:_MAX_INPUT_BYTES].decode("utf-8", "ignore").encode("utf-8")
    return encoded


def _describe(error):
    text = str(error)
    name = type(error).__name__
    return "%s: %s" % (name, text) if text else name


# ------------------------------------------------------- token callbacks --
# A refresher or token exchange answers through an lv_token_reply, the way a
# tester answers through its reply. These run inside the library's call, on
# the calling thread, with the GIL re-acquired: nothing may escape into C
# (ctypes would only print it), so every outcome becomes an answer.

def _call_reraising(escaped, function, *arguments):
    """_call_for_string, then re-raises a KeyboardInterrupt or SystemExit
    that a host callback caught inside the call (recorded as a failure there)."""
    try:
        return _call_for_string(function, *arguments)
    finally:
        if escaped:
            raise escaped[0]


def _tokens_json(tokens):
    """A refresher's answer as the C ABI's tokens_json. TypeError (a
    transient failure) when it is not such a dict; the message names the
    key, never a value. Other keys (token_type, scope, ...) are left out:
    the library ignores them and they may hold secrets (id_token)."""
    if not isinstance(tokens, Mapping):
        raise TypeError("the answer must be a dict of tokens, not %s" % type(tokens).__name__)
    access_token = tokens.get("access_token")
    if not isinstance(access_token, str):
        raise TypeError("the answer's access_token must be a str, not %s"
                        % type(access_token).__name__)
    answer: Dict[str, Any] = {"access_token": access_token}
    refresh_token = tokens.get("refresh_token")
    if refresh_token is not None:
        if not isinstance(refresh_token, str):
            raise TypeError("the answer's refresh_token must be a str or None, not %s"
                            % type(refresh_token).__name__)
        answer["refresh_token"] = refresh_token
    expires_in = tokens.get("expires_in")
    if expires_in is not None:
        if isinstance(expires_in, bool) or not isinstance(expires_in, int):
            raise TypeError("the answer's expires_in must be an int of seconds or None, not %s"
                            % type(expires_in).__name__)
        answer["expires_in"] = expires_in
    expires_at = tokens.get("expires_at")
    if expires_at is not None:
        answer["expires_at"] = _time_text(expires_at, "the answer's expires_at")
    return _json(answer, "the answer")


def _answer(reply, produce, escaped):
    """Answers ``reply`` with what ``produce()`` returns, or with its failure."""
    try:
        tokens_buffer = ctypes.create_string_buffer(_tokens_json(produce()))
    except PermanentRefreshError as error:
        _fail_reply(reply, 1, str(error) or "the provider refused the grant for good")
        return
    except Exception as error:
        _fail_reply(reply, 0, _describe(error))
        return
    except BaseException as error:
        escaped.append(error)
        _fail_reply(reply, 0, _describe(error))
        return
    try:
        if _lib.lv_token_reply_set(reply, tokens_buffer):
            _fail_reply(reply, 0, "the answer was refused: " + _native.last_error_message())
    finally:
        ctypes.memset(tokens_buffer, 0, ctypes.sizeof(tokens_buffer))


def _fail_reply(reply, permanent, message):
    if _lib.lv_token_reply_fail(reply, permanent, _reply_text(message)):
        _lib.lv_token_reply_fail(reply, permanent, None)  # keep the failure, drop the text


def _refresher_callback(refresher_for, escaped):
    """An lv_refresher_fn calling ``refresher_for(provider)(credentials)``."""

    def bridge(reply, provider, credentials_json, user_data):
        try:
            def produce():
                refresher = refresher_for((provider or b"").decode("utf-8", "replace"))
                credentials = _loads(string_at(credentials_json)) if credentials_json else {}
                return refresher(credentials)

            _answer(reply, produce, escaped)
            return 0
        except BaseException:
            return 1  # no answer: the library records a transient failure

    return _native.REFRESHER_FUNCTION(bridge)


def _exchange_callback(exchange, escaped):
    """An lv_exchange_fn calling ``exchange(code, code_verifier, redirect_uri)``;
    the client id, secret and token URL of the request stay on the C side."""

    def bridge(reply, request_json, user_data):
        try:
            def produce():
                request = _loads(string_at(request_json))
                return exchange(request["code"], request["code_verifier"],
                                request["redirect_uri"])

            _answer(reply, produce, escaped)
            return 0
        except BaseException:
            return 1

    return _native.EXCHANGE_FUNCTION(bridge)
