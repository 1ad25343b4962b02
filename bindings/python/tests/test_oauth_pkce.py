"""begin_oauth / complete_oauth: the authorization-code flow with PKCE
(RFC 7636, S256), and configure_oauth_client (issue 10, "OAuth2 with PKCE").

The authorization URL is parsed with urllib.parse and every parameter
checked; the code challenge is recomputed from the verifier the exchange
receives. The exchange is a fake token endpoint.

State expiry (10 minutes) is not tested here: the Python API has no clock
to move, and the C++ suite covers it with a ManualClock.
"""

import base64
import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

import linkvault as lv
from oauth_support import ACME_OAUTH, actions, register_acme, utc_now

REDIRECT = "https://app.example/oauth/callback"
CLIENT_ID = "acme-client-id-123"
CLIENT_SECRET = "acme-client-secret-456"
VERIFIER_ALPHABET = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
MILLISECOND = timedelta(milliseconds=1)


class FakeTokenEndpoint:
    """Records what it was given; answers with ``tokens`` or raises ``error``."""

    def __init__(self, tokens=None, error=None):
        self.tokens = tokens if tokens is not None else {
            "access_token": "acme-access-0001", "refresh_token": "acme-refresh-0001",
            "expires_in": 3600, "token_type": "Bearer"}
        self.error = error
        self.calls = []

    def __call__(self, code, code_verifier, redirect_uri):
        self.calls.append((code, code_verifier, redirect_uri))
        if self.error is not None:
            raise self.error
        return self.tokens


@pytest.fixture
def acme(vault):
    register_acme(vault)
    vault.configure_oauth_client("acme_oauth", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    return "acme_oauth"


def query_of(url):
    """The URL's parameters: each must appear exactly once."""
    parameters = parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in parameters.values()), parameters
    return {name: values[0] for name, values in parameters.items()}


def challenge_of(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def test_the_authorization_url_carries_every_parameter(acme, tenant, admin):
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    assert set(start) == {"authorization_url", "state", "integration_id"}
    url = urlsplit(start["authorization_url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "auth.example", "/authorize")
    assert url.fragment == ""
    parameters = query_of(start["authorization_url"])
    assert set(parameters) == {"response_type", "client_id", "redirect_uri", "scope", "state",
                               "code_challenge", "code_challenge_method"}
    assert parameters["response_type"] == "code"
    assert parameters["client_id"] == CLIENT_ID
    assert parameters["redirect_uri"] == REDIRECT
    assert parameters["scope"] == "read write"  # the provider's defaults, space-separated
    assert parameters["state"] == start["state"]
    assert parameters["code_challenge_method"] == "S256"
    # The space is %20 (RFC 3986), not '+'; the secret never appears.
    assert "scope=read%20write" in url.query
    assert CLIENT_SECRET not in start["authorization_url"]
    # 256 random bits of state, base64url without padding.
    assert re.match(r"^[A-Za-z0-9_-]{43}$", start["state"])

    pending = tenant.get(start["integration_id"])
    assert (pending.provider, pending.name, pending.status) == ("acme_oauth", "default",
                                                                "pending_auth")
    assert actions(tenant, pending.id) == []  # nothing is logged until it connects

    exchange = FakeTokenEndpoint()
    tenant.complete_oauth(admin, start["state"], "the-code", exchange)
    (code, verifier, redirect_uri), = exchange.calls
    assert (code, redirect_uri) == ("the-code", REDIRECT)
    assert VERIFIER_ALPHABET.match(verifier)  # RFC 7636 4.1
    assert parameters["code_challenge"] == challenge_of(verifier)


def test_scopes_name_and_a_redirect_with_a_query_are_encoded(acme, tenant, admin):
    # Reserved characters in the redirect and the scopes must be encoded:
    # a bare '&' would split the parameter, a bare '+' decode to a space.
    redirect = "https://app.example/cb?next=%2Fhome&tag=a%2Bb"
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=redirect, name="second",
                               scopes=["read", "calendar.events/read+write"])
    parameters = query_of(start["authorization_url"])
    assert parameters["redirect_uri"] == redirect
    assert parameters["scope"] == "read calendar.events/read+write"
    assert tenant.get(start["integration_id"]).name == "second"


def test_a_loopback_http_redirect_is_allowed(acme, tenant, admin):
    for number, redirect in enumerate(("http://localhost:8080/cb", "http://127.0.0.1/cb",
                                       "http://[::1]:9000/cb")):
        start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=redirect,
                                   name="loop-%d" % number)
        assert query_of(start["authorization_url"])["redirect_uri"] == redirect


def test_complete_connects_and_stores_the_tokens(acme, tenant, admin):
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    before = utc_now()
    integration = tenant.complete_oauth(admin, start["state"], "the-code", FakeTokenEndpoint())
    after = utc_now()
    assert isinstance(integration, lv.Integration)
    assert integration.id == start["integration_id"]
    assert integration.status == "connected"
    assert integration.connected_by == admin.user_id
    assert integration.credential_mask.endswith("0001")
    assert (before + timedelta(seconds=3600) - MILLISECOND <= integration.expires_at
            <= after + timedelta(seconds=3600) + MILLISECOND)
    assert tenant.reveal_credentials(admin, integration.id) == {
        "access_token": "acme-access-0001", "refresh_token": "acme-refresh-0001"}
    connected = [entry for entry in tenant.activity(integration.id)
                 if entry.action == "connected"]
    assert len(connected) == 1
    assert connected[0].user_id == admin.user_id
    assert connected[0].details.get("oauth") is True
    assert connected[0].details.get("provider") == "acme_oauth"


def test_a_state_is_used_once(acme, tenant, admin):
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    tenant.complete_oauth(admin, start["state"], "the-code", FakeTokenEndpoint())
    second = FakeTokenEndpoint({"access_token": "replayed-access-9999"})
    with pytest.raises(lv.InvalidArgument):
        tenant.complete_oauth(admin, start["state"], "the-code", second)
    assert second.calls == []
    assert tenant.reveal_credentials(admin, start["integration_id"])[
        "access_token"] == "acme-access-0001"


def test_an_unknown_state_is_invalid_argument(acme, tenant, admin):
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    exchange = FakeTokenEndpoint()
    for state in ("not-a-state", start["state"][:-1], start["state"] + "x", ""):
        with pytest.raises(lv.InvalidArgument):
            tenant.complete_oauth(admin, state, "the-code", exchange)
    assert exchange.calls == []
    assert tenant.get(start["integration_id"]).status == "pending_auth"


def test_another_tenants_state_is_invalid_argument_and_still_works_at_home(
        acme, tenant, other_tenant, admin):
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    exchange = FakeTokenEndpoint()
    with pytest.raises(lv.InvalidArgument):
        other_tenant.complete_oauth(admin, start["state"], "the-code", exchange)
    assert exchange.calls == []
    assert other_tenant.list() == []
    assert tenant.complete_oauth(admin, start["state"], "the-code", exchange).status == "connected"


def test_a_failing_exchange_is_upstream_and_sets_error(acme, tenant, admin):
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    with pytest.raises(lv.UpstreamError):
        tenant.complete_oauth(admin, start["state"], "bad-code",
                              FakeTokenEndpoint(error=RuntimeError("invalid_grant from acme")))
    failed = tenant.get(start["integration_id"])
    assert failed.status == "error"
    assert "invalid_grant" in failed.last_error
    assert actions(tenant, failed.id)[-1] == "status_error"
    # The state was spent.
    with pytest.raises(lv.InvalidArgument):
        tenant.complete_oauth(admin, start["state"], "bad-code", FakeTokenEndpoint())
    # A new flow on the errored integration starts over in pending_auth.
    again = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    assert again["integration_id"] == failed.id
    assert tenant.get(failed.id).status == "pending_auth"
    assert tenant.complete_oauth(admin, again["state"], "good-code",
                                 FakeTokenEndpoint()).status == "connected"


@pytest.mark.parametrize("answer", ["a string", {"refresh_token": "r-only-0001"},
                                    {"access_token": ""}])
def test_a_malformed_exchange_answer_is_upstream(acme, tenant, admin, answer):
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    with pytest.raises(lv.UpstreamError):
        tenant.complete_oauth(admin, start["state"], "the-code", lambda c, v, r: answer)
    assert tenant.get(start["integration_id"]).status == "error"


def test_begin_on_a_connected_integration_is_already_exists(acme, tenant, admin):
    tenant.connect(admin, "acme_oauth", {"access_token": "pasted-access-0001"})
    with pytest.raises(lv.AlreadyExists):
        tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)


def test_begin_reconnects_a_disconnected_integration_in_place(acme, tenant, admin):
    old = tenant.connect(admin, "acme_oauth", {"access_token": "pasted-access-0001"})
    tenant.disconnect(admin, old.id)
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    assert start["integration_id"] == old.id
    assert tenant.get(old.id).status == "pending_auth"


def test_an_unconfigured_client_is_failed_precondition(vault, tenant, admin):
    register_acme(vault)
    with pytest.raises(lv.FailedPrecondition):
        tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    assert tenant.list() == []


def test_a_provider_without_authorize_url_is_failed_precondition(vault, tenant, admin):
    spec = dict(ACME_OAUTH, key="bare_oauth")
    del spec["authorize_url"]
    vault.register_provider(spec)
    vault.configure_oauth_client("bare_oauth", client_id=CLIENT_ID)
    with pytest.raises(lv.FailedPrecondition):
        tenant.begin_oauth(admin, "bare_oauth", redirect_uri=REDIRECT)


@pytest.mark.parametrize("redirect", [
    "app.example/cb", "ftp://app.example/cb", "http://app.example/cb",
    "https://app.example/cb#fragment", "https://", "", "https://app.example/" + "x" * 3000,
])
def test_a_bad_redirect_uri_is_invalid_argument(acme, tenant, admin, redirect):
    with pytest.raises(lv.InvalidArgument):
        tenant.begin_oauth(admin, "acme_oauth", redirect_uri=redirect)
    assert tenant.list() == []


def test_a_member_may_not_begin_or_complete(acme, tenant, admin, member):
    with pytest.raises(lv.PermissionDenied):
        tenant.begin_oauth(member, "acme_oauth", redirect_uri=REDIRECT)
    assert tenant.list() == []
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    exchange = FakeTokenEndpoint()
    with pytest.raises(lv.PermissionDenied):
        tenant.complete_oauth(member, start["state"], "the-code", exchange)
    assert exchange.calls == []


def test_configure_oauth_client(vault, tenant, admin):
    register_acme(vault)
    vault.configure_oauth_client("acme_oauth", "first-client-id")
    vault.configure_oauth_client("acme_oauth", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    start = tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT)
    assert query_of(start["authorization_url"])["client_id"] == CLIENT_ID  # replaced
    # The builtin oauth2 providers take a client too.
    vault.configure_oauth_client("google_calendar", client_id="google-client.apps.example")
    start = tenant.begin_oauth(admin, "google_calendar", redirect_uri=REDIRECT)
    assert query_of(start["authorization_url"])["client_id"] == "google-client.apps.example"
    for bad in (
        lambda: vault.configure_oauth_client("slack", client_id=CLIENT_ID),  # not oauth2
        lambda: vault.configure_oauth_client("no_such_provider", client_id=CLIENT_ID),
        lambda: vault.configure_oauth_client("acme_oauth", client_id=""),
        lambda: vault.configure_oauth_client("acme_oauth", client_id="x" * 513),
        lambda: vault.configure_oauth_client("acme_oauth", client_id="bad\nid"),
        lambda: vault.configure_oauth_client("acme_oauth", client_id=None),
        lambda: vault.configure_oauth_client("acme_oauth", client_id=5),
        lambda: vault.configure_oauth_client("acme_oauth", CLIENT_ID, client_secret=5),
        lambda: vault.configure_oauth_client("acme_oauth", CLIENT_ID, client_secret=b"s"),
        lambda: vault.configure_oauth_client(None, client_id=CLIENT_ID),
    ):
        with pytest.raises(lv.InvalidArgument):
            bad()


def test_bad_arguments_are_refused_before_the_call(acme, tenant, admin):
    exchange = FakeTokenEndpoint()
    for call in (
        lambda: tenant.begin_oauth(admin, None, redirect_uri=REDIRECT),
        lambda: tenant.begin_oauth(admin, "acme_oauth", redirect_uri=None),
        lambda: tenant.begin_oauth(admin, "acme_oauth", redirect_uri=b"https://a.example/"),
        lambda: tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT, scopes="read"),
        lambda: tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT, scopes=[5]),
        lambda: tenant.begin_oauth(admin, "acme_oauth", redirect_uri=REDIRECT, name=5),
        lambda: tenant.begin_oauth("admin", "acme_oauth", redirect_uri=REDIRECT),
        lambda: tenant.complete_oauth(admin, None, "code", exchange),
        lambda: tenant.complete_oauth(admin, "state", None, exchange),
        lambda: tenant.complete_oauth(admin, "state", "code", None),
        lambda: tenant.complete_oauth(admin, "state", "co\0de", exchange),
    ):
        with pytest.raises(lv.InvalidArgument):
            call()
    assert exchange.calls == []
    assert tenant.list() == []
