"""RecordBatch: what :meth:`Tenant.map_records <linkvault.Tenant.map_records>`
found in one payload (docs/SEMANTICS.md, "Records").

A batch owns one native ``lv_record_batch`` handle, which keeps the hash of
every record the payload held until :meth:`Tenant.commit_records
<linkvault.Tenant.commit_records>` remembers them. ``close()`` (or leaving a
``with`` block, or the last reference going) frees it; a closed batch keeps
its :attr:`counts`, :attr:`errors` and ids, but can no longer be committed
and its :attr:`changed` records can no longer be read.

Read-only: the attributes have no setters. :attr:`counts` and
:attr:`errors` return fresh containers; :attr:`changed` returns the batch's
own list of records, decoded once (a big page is not copied on every read),
and stays readable after ``close()``.
"""

from __future__ import annotations

import json
from ctypes import byref, c_void_p
from typing import Any, Dict, List, Optional

from . import _native

__all__ = ["RecordBatch"]

_raw_decode = json.JSONDecoder().raw_decode
# The attributes are set only here: the batch is read-only to its users.
_set = object.__setattr__


def _batch_document(handle: c_void_p) -> Dict[str, Any]:
    """The batch's JSON (linkvault.h, lv_record_batch_json) as Python values."""
    out = _native._owned_string()
    _native.lib.lv_record_batch_json(handle, byref(out))
    return _raw_decode(_native.take_string(out).decode("utf-8"))[0]


class RecordBatch:
    """The records of one payload: those that changed, the counts, the first errors.

    * ``changed``: ``[{"external_id": str, "action": "created" | "updated",
      "record": dict}]`` in payload order (unchanged records are counted,
      not listed);
    * ``counts``: ``{"created", "updated", "unchanged", "failed"}``, every
      record counted;
    * ``errors``: ``[{"index", "external_id" (str | None), "field",
      "message"}]``, the first 100 failures;
    * ``integration_id``, ``job_id`` (None without a job), ``worker_id``.

    Made by :meth:`Tenant.map_records <linkvault.Tenant.map_records>` only.
    """

    __slots__ = ("_handle", "_tenant", "_changed", "_summary", "__weakref__")
    _handle: Optional[c_void_p]
    _tenant: bytes
    _changed: List[Dict[str, Any]]
    _summary: Dict[str, Any]

    def __init__(self, handle: c_void_p, tenant: bytes) -> None:
        # Private: `handle` is a live lv_record_batch* this object now owns.
        _set(self, "_handle", handle)
        _set(self, "_tenant", tenant)  # the tenant it was mapped for (UTF-8)
        _set(self, "_changed", [])
        _set(self, "_summary", {})
        try:
            document = _batch_document(handle)
        except BaseException:
            self.close()
            raise
        _set(self, "_changed", document.pop("changed"))
        _set(self, "_summary", document)

    # -- the batch -------------------------------------------------------------

    @property
    def changed(self) -> List[Dict[str, Any]]:
        """The created and updated records, in payload order."""
        return self._changed

    @property
    def counts(self) -> Dict[str, int]:
        """``{"created", "updated", "unchanged", "failed"}``."""
        return dict(self._summary["counts"])

    @property
    def errors(self) -> List[Dict[str, Any]]:
        """The first 100 failed records: ``{"index", "external_id", "field", "message"}``."""
        return [dict(error) for error in self._summary["errors"]]

    @property
    def integration_id(self) -> str:
        return self._summary["integration_id"]

    @property
    def job_id(self) -> Optional[str]:
        return self._summary["job_id"]

    @property
    def worker_id(self) -> Optional[str]:
        return self._summary["worker_id"]

    @property
    def closed(self) -> bool:
        return self._handle is None

    # -- ownership -------------------------------------------------------------

    def close(self) -> None:
        """Frees the native batch. Idempotent."""
        handle = getattr(self, "_handle", None)
        if handle is not None:
            _set(self, "_handle", None)
            _native.lib.lv_record_batch_destroy(handle)

    def __enter__(self) -> RecordBatch:
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing sensible left to do
            pass

    def __setattr__(self, name, value):
        raise AttributeError("RecordBatch is read-only")

    def __delattr__(self, name):
        raise AttributeError("RecordBatch is read-only")

    def __repr__(self):
        counts = self._summary.get("counts", {})
        return "<linkvault.RecordBatch %s created=%s updated=%s unchanged=%s failed=%s%s>" % (
            self._summary.get("integration_id"), counts.get("created"), counts.get("updated"),
            counts.get("unchanged"), counts.get("failed"),
            " closed" if self._handle is None else "")
