"""Loads liblinkvault_c and declares its C ABI for ctypes (capi/include/linkvault.h).

The one place that knows about the shared library:

* where it is found — ``LINKVAULT_LIBRARY`` if set (and then only there), else
  ``liblinkvault_c.so`` next to this module, else a CMake build tree of the
  source checkout this package lives in (``<repo>/build/capi/``, then any other
  ``<repo>/build*/capi/``, most recently built first);
* that it is the ABI these bindings were written for (``lv_abi_version()``);
* the prototype of every function, as one declarative table;
* how a status becomes an exception (``errcheck``) and how a library-owned
  string is read and released (``string_at`` then ``lv_string_free``, which
  wipes it, in a ``finally``).

ctypes releases the GIL for the duration of every call, so threads sharing a
vault really run in parallel inside the library.
"""

import ctypes
import os
import sys
from ctypes import (
    CFUNCTYPE,
    POINTER,
    byref,
    c_char,
    c_char_p,
    c_double,
    c_int,
    c_int64,
    c_size_t,
    c_void_p,
    string_at,
)
from typing import Any, Tuple

from . import errors

# The LV_ABI_VERSION these bindings speak. A library with another number has a
# different C ABI and is refused rather than called with the wrong prototypes.
EXPECTED_ABI_VERSION = 1

if sys.platform == "darwin":
    LIBRARY_FILE_NAME = "liblinkvault_c.dylib"
elif sys.platform == "win32":
    LIBRARY_FILE_NAME = "linkvault_c.dll"
else:
    LIBRARY_FILE_NAME = "liblinkvault_c.so"

LIBRARY_ENVIRONMENT_VARIABLE = "LINKVAULT_LIBRARY"

# char* owned by the library: a POINTER(c_char) (not c_char_p, which ctypes
# would copy into bytes and lose the address we must free).
_owned_string = POINTER(c_char)

# typedef int (*lv_tester_fn)(lv_tester_reply*, const char* credentials_json, void* user_data)
# credentials_json is declared void* so ctypes hands us the address: the
# plaintext is read once, explicitly, with string_at.
TESTER_FUNCTION = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)

# typedef int (*lv_refresher_fn)(lv_token_reply*, const char* provider,
#                                const char* credentials_json, void* user_data)
# provider is a catalog key (no secret), read as bytes; credentials_json is
# void* for the same reason as the tester's.
REFRESHER_FUNCTION = CFUNCTYPE(c_int, c_void_p, c_char_p, c_void_p, c_void_p)

# typedef int (*lv_exchange_fn)(lv_token_reply*, const char* request_json, void* user_data)
# request_json carries the PKCE verifier and the client secret: void*, read once.
EXCHANGE_FUNCTION = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)


def _check_status(status, function, arguments):
    """errcheck for every function that returns an lv status."""
    if status:
        raise errors.error_for_status(status, last_error_message())
    return status


# (name, argtypes, restype[, errcheck]). Handles are void*; every char* input
# is a NUL-terminated UTF-8 c_char_p; char** outputs are POINTER(_owned_string).
_FUNCTIONS: Tuple[Tuple[Any, ...], ...] = (
    ("lv_version", [], c_char_p),
    ("lv_abi_version", [], c_int),
    ("lv_status_name", [c_int], c_char_p),
    ("lv_last_error_message", [], c_char_p),
    ("lv_string_free", [_owned_string], None),
    ("lv_vault_open",
     [POINTER(c_void_p), c_char_p, c_void_p, c_size_t, c_int], c_int, _check_status),
    ("lv_vault_open_passphrase",
     [POINTER(c_void_p), c_char_p, c_void_p, c_int], c_int, _check_status),
    ("lv_vault_close", [c_void_p], c_int, _check_status),
    ("lv_vault_destroy", [c_void_p], None),
    ("lv_integration_connect",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p, c_char_p, c_char_p],
     c_int, _check_status),
    ("lv_integration_get",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p], c_int, _check_status),
    ("lv_integration_find",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p], c_int, _check_status),
    ("lv_integration_list",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p], c_int, _check_status),
    ("lv_integration_update_credentials",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p, c_char_p, c_char_p],
     c_int, _check_status),
    ("lv_integration_reveal_credentials",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p], c_int, _check_status),
    # Called from inside a tester callback: never raises, the caller checks.
    ("lv_tester_reply_set", [c_void_p, c_int, c_char_p], c_int),
    ("lv_integration_test",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p, TESTER_FUNCTION, c_void_p],
     c_int, _check_status),
    ("lv_integration_disconnect",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p], c_int, _check_status),
    ("lv_integration_mark_error",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p, c_char_p],
     c_int, _check_status),
    ("lv_tenant_set_quota", [c_void_p, c_char_p, c_char_p, c_int64], c_int, _check_status),
    ("lv_tenant_get_quota", [c_void_p, POINTER(c_int64), c_char_p], c_int, _check_status),
    ("lv_activity_list",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_int, c_char_p],
     c_int, _check_status),
    ("lv_provider_list", [c_void_p, POINTER(_owned_string)], c_int, _check_status),
    ("lv_provider_register",
     [c_void_p, POINTER(_owned_string), c_char_p], c_int, _check_status),
    ("lv_provider_register_replace",
     [c_void_p, POINTER(_owned_string), c_char_p], c_int, _check_status),
    ("lv_audit_verify", [c_void_p, POINTER(_owned_string)], c_int, _check_status),
    ("lv_audit_heads", [c_void_p, POINTER(_owned_string)], c_int, _check_status),
    ("lv_audit_verify_anchored",
     [c_void_p, POINTER(_owned_string), c_char_p], c_int, _check_status),
    ("lv_tenant_purge",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p], c_int, _check_status),
    # Sync jobs. lv_job_heartbeat's LV_CANCELLED (cancel was requested) is
    # raised like any other status, as Cancelled.
    ("lv_sync_enqueue",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p, c_char_p, c_char_p],
     c_int, _check_status),
    ("lv_job_get", [c_void_p, POINTER(_owned_string), c_char_p, c_char_p], c_int, _check_status),
    ("lv_job_list", [c_void_p, POINTER(_owned_string), c_char_p, c_char_p], c_int, _check_status),
    ("lv_job_cancel",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p], c_int, _check_status),
    ("lv_job_claim", [c_void_p, POINTER(_owned_string), c_char_p, c_char_p], c_int, _check_status),
    ("lv_job_heartbeat",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p], c_int, _check_status),
    ("lv_job_complete",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p, c_char_p],
     c_int, _check_status),
    ("lv_job_fail",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p, c_int],
     c_int, _check_status),
    ("lv_job_recover_expired", [c_void_p, POINTER(c_int64)], c_int, _check_status),
    ("lv_sync_schedule_due", [c_void_p, POINTER(_owned_string)], c_int, _check_status),
    # OAuth: token refresh, PKCE, rate limits.
    ("lv_integration_expiring",
     [c_void_p, POINTER(_owned_string), c_char_p, c_int64], c_int, _check_status),
    # Called from inside a refresher or exchange callback: never raise, the
    # caller checks. tokens_json is passed as a wipeable c_char array.
    ("lv_token_reply_set", [c_void_p, c_char_p], c_int),
    ("lv_token_reply_fail", [c_void_p, c_int, c_char_p], c_int),
    ("lv_integration_valid_credentials",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p, c_char_p,
      REFRESHER_FUNCTION, c_void_p],
     c_int, _check_status),
    ("lv_refresh_expiring",
     [c_void_p, POINTER(_owned_string), c_char_p, REFRESHER_FUNCTION, c_void_p],
     c_int, _check_status),
    ("lv_oauth_client_configure", [c_void_p, c_char_p, c_char_p, c_char_p], c_int, _check_status),
    ("lv_oauth_begin",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p, c_char_p, c_char_p],
     c_int, _check_status),
    ("lv_oauth_complete",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p, c_char_p,
      EXCHANGE_FUNCTION, c_void_p],
     c_int, _check_status),
    ("lv_rate_acquire",
     [c_void_p, POINTER(c_double), c_char_p, c_char_p, c_int64], c_int, _check_status),
    ("lv_rate_penalize", [c_void_p, c_char_p, c_char_p, c_double], c_int, _check_status),
    # Records. The batch is an lv_record_batch* (void*); the payload a
    # pointer and a length (bytes, or a ctypes array over a bytearray: no NUL
    # needed, none copied).
    ("lv_field_mappings_set",
     [c_void_p, c_char_p, c_char_p, c_char_p, c_char_p], c_int, _check_status),
    ("lv_field_mappings_get",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p], c_int, _check_status),
    ("lv_records_map",
     [c_void_p, POINTER(c_void_p), c_char_p, c_char_p, c_void_p, c_size_t, c_char_p],
     c_int, _check_status),
    ("lv_record_batch_json", [c_void_p, POINTER(_owned_string)], c_int, _check_status),
    ("lv_records_commit", [c_void_p, c_char_p, c_void_p], c_int, _check_status),
    ("lv_records_finish_full_sync",
     [c_void_p, POINTER(_owned_string), c_char_p, c_char_p, c_char_p], c_int, _check_status),
    ("lv_record_batch_destroy", [c_void_p], None),
)


class _Library:
    """The loaded library: one attribute per function of the table."""

    def __init__(self, cdll, path):
        self.path = path
        self.cdll = cdll
        for entry in _FUNCTIONS:
            name, argtypes, restype = entry[:3]
            function = getattr(cdll, name)  # AttributeError: symbol missing
            function.argtypes = argtypes
            function.restype = restype
            if len(entry) > 3:
                function.errcheck = entry[3]
            setattr(self, name, function)


def _package_directory():
    return os.path.dirname(os.path.abspath(__file__))


def _build_tree_candidates():
    """liblinkvault_c in the CMake build trees of the checkout, if we are in one.

    Only when this package sits at ``<repo>/bindings/python/linkvault``: an
    installed copy must not go looking around site-packages.
    """
    package = _package_directory()
    python_directory = os.path.dirname(package)
    bindings_directory = os.path.dirname(python_directory)
    if (os.path.basename(python_directory) != "python"
            or os.path.basename(bindings_directory) != "bindings"):
        return []
    repository = os.path.dirname(bindings_directory)
    default = os.path.join(repository, "build", "capi", LIBRARY_FILE_NAME)
    others = []
    try:
        entries = sorted(os.listdir(repository))
    except OSError:
        entries = []
    for entry in entries:
        if entry.startswith("build") and entry != "build":
            candidate = os.path.join(repository, entry, "capi", LIBRARY_FILE_NAME)
            if os.path.isfile(candidate):
                others.append(candidate)
    # Several build trees (release, debug, sanitizer...): the freshest is the
    # one a developer just built.
    others.sort(key=lambda path: os.path.getmtime(path), reverse=True)
    return [default] + others


def _candidates():
    explicit = os.environ.get(LIBRARY_ENVIRONMENT_VARIABLE)
    if explicit:
        # An explicit choice is never silently replaced by another library.
        return [(explicit, LIBRARY_ENVIRONMENT_VARIABLE)]
    found = [(os.path.join(_package_directory(), LIBRARY_FILE_NAME), "package folder")]
    found += [(path, "build tree") for path in _build_tree_candidates()]
    return found


def _try_load(path):
    """The library at ``path``, or a string saying why it cannot be used."""
    if not os.path.exists(path):
        return "not found"
    try:
        cdll = ctypes.CDLL(path)
    except OSError as error:
        return "cannot be loaded: %s" % error
    try:
        abi_version_function = cdll.lv_abi_version
    except AttributeError:
        return "has no lv_abi_version(): not a linkvault C library"
    abi_version_function.argtypes = []
    abi_version_function.restype = c_int
    abi_version = abi_version_function()
    if abi_version != EXPECTED_ABI_VERSION:
        return "has ABI version %d, these bindings need %d" % (abi_version, EXPECTED_ABI_VERSION)
    try:
        return _Library(cdll, path)
    except AttributeError as error:
        return "lacks a function these bindings need (%s)" % error


def _load():
    attempts = []
    for path, origin in _candidates():
        result = _try_load(path)
        if isinstance(result, _Library):
            return result
        attempts.append("  %s (%s): %s" % (path, origin, result))
    raise ImportError(
        "linkvault: no usable %s (ABI version %d). Tried:\n%s\n"
        "Set %s to the library's path, or build it with "
        "'cmake --build <build-dir> --target linkvault_c'."
        % (LIBRARY_FILE_NAME, EXPECTED_ABI_VERSION, "\n".join(attempts),
           LIBRARY_ENVIRONMENT_VARIABLE))


lib = _load()
library_path = lib.path


def last_error_message():
    """This thread's message for the last failed call ("" if none)."""
    message = lib.lv_last_error_message()
    return message.decode("utf-8", "replace") if message else ""


def library_version():
    return lib.lv_version().decode("ascii")


def abi_version():
    return lib.lv_abi_version()


def status_name(status):
    name = lib.lv_status_name(status)
    return name.decode("ascii") if name else None


def take_string(owned):
    """The bytes of a library-owned string, which is then wiped and freed."""
    try:
        if not owned:
            raise errors.InternalError("liblinkvault_c returned success without an output")
        return string_at(owned)
    finally:
        lib.lv_string_free(owned)


def call_for_string(function, handle, *arguments):
    """Calls ``function(handle, &out, *arguments)`` and returns ``out``'s bytes.

    ``errcheck`` raises before ``out`` is read on failure (the library leaves
    it NULL then); on success ``out`` is always released.
    """
    out = _owned_string()
    function(handle, byref(out), *arguments)
    return take_string(out)

