"""Shared set-up for the OAuth suites (not a test module).

A host-registered oauth2 provider, ``acme_oauth``, with endpoints, two
scopes and a per-minute rate limit; helpers that connect an integration
whose token expires at a chosen time; a refresher that counts its calls.
"""

import threading
import time
from datetime import datetime, timedelta, timezone

ACME_OAUTH = {
    "key": "acme_oauth",
    "name": "Acme",
    "auth_type": "oauth2",
    "authorize_url": "https://auth.example/authorize",
    "token_url": "https://auth.example/token",
    "credential_fields": [
        {"name": "access_token", "label": "Access", "type": "secret", "required": True,
         "placeholder": ""},
        {"name": "refresh_token", "label": "Refresh", "type": "secret", "required": False,
         "placeholder": ""},
    ],
    "scopes": ["read", "write"],
    "rate_limits": {"per_minute": 60},
}

OLD_ACCESS = "old-access-token-0001"
OLD_REFRESH = "old-refresh-token-0001"
NEW_ACCESS = "new-access-token-0002"
NEW_REFRESH = "new-refresh-token-0002"


def utc_now():
    return datetime.now(timezone.utc)


def register_acme(vault, **overrides):
    spec = dict(ACME_OAUTH)
    spec.update(overrides)
    vault.register_provider(spec)
    return spec


def connect_oauth(tenant, actor, expires_in_seconds=60, name="default", provider="acme_oauth",
                  access=OLD_ACCESS, refresh=OLD_REFRESH):
    """A connected integration whose token expires in ``expires_in_seconds``
    (None: never)."""
    credentials = {"access_token": access}
    if refresh is not None:
        credentials["refresh_token"] = refresh
    expires_at = None
    if expires_in_seconds is not None:
        expires_at = utc_now() + timedelta(seconds=expires_in_seconds)
    return tenant.connect(actor, provider, credentials, name=name, expires_at=expires_at)


class CountingRefresher:
    """A fake token endpoint: records every call's credentials and answers
    with ``answer`` (a dict, or a callable of the call number), optionally
    after a pause, or raises ``error``."""

    def __init__(self, answer=None, error=None, pause_seconds=0.0):
        self.answer = answer if answer is not None else {"access_token": NEW_ACCESS,
                                                         "expires_in": 3600}
        self.error = error
        self.pause_seconds = pause_seconds
        self.received = []
        self._lock = threading.Lock()

    @property
    def calls(self):
        with self._lock:
            return len(self.received)

    def __call__(self, credentials):
        with self._lock:
            self.received.append(dict(credentials))
            number = len(self.received)
        if self.pause_seconds:
            time.sleep(self.pause_seconds)
        if self.error is not None:
            raise self.error
        return self.answer(number) if callable(self.answer) else dict(self.answer)


def actions(tenant, integration_id):
    """The integration's activity actions, oldest first."""
    return [entry.action for entry in reversed(tenant.activity(integration_id, limit=1000))]
