"""DESIGN.md §5 Catalog: the built-in providers and register_provider."""

import json

import pytest

import linkvault as lv

SECRET, TEXT, URL = "secret", "text", "url"

# provider -> (auth_type, [(field, type, required)])
BUILT_IN = {
    "slack": ("api_key", [("bot_token", SECRET, True), ("signing_secret", SECRET, False)]),
    "tave": ("api_key", [("api_key", SECRET, True)]),
    "lightblue": ("basic", [("username", TEXT, True), ("password", SECRET, True)]),
    "honeybook": ("oauth2", [("access_token", SECRET, True), ("refresh_token", SECRET, False)]),
    "gmail": ("oauth2", [("access_token", SECRET, True), ("refresh_token", SECRET, False)]),
    "google_calendar": ("oauth2", [("access_token", SECRET, True), ("refresh_token", SECRET, False)]),
    "microsoft_calendar": ("oauth2", [("access_token", SECRET, True), ("refresh_token", SECRET, False)]),
    "custom": ("api_key", [("api_key", SECRET, True), ("base_url", URL, True)]),
}

SPEC_KEYS = {"key", "name", "auth_type", "credential_fields", "scopes", "rate_limits", "features"}
# The built-in oauth2 providers also carry their endpoints (issue 10).
OAUTH_ENDPOINT_KEYS = {"authorize_url", "token_url"}
# The CRMs also carry their default client mappings (issue 12).
RECORD_KEYS = {"record_kind", "field_mappings"}
CRMS = {"honeybook", "tave", "lightblue"}
FIELD_KEYS = {"name", "label", "type", "required", "placeholder"}


def catalog(vault):
    return {spec["key"]: spec for spec in vault.providers()}


def crm_spec(key="acme_crm"):
    return {
        "key": key,
        "name": "Acme CRM",
        "auth_type": "api_key",
        "credential_fields": [
            {"name": "api_token", "label": "API token", "type": "secret", "required": True,
             "placeholder": "crm_..."},
            {"name": "endpoint", "label": "Endpoint", "type": "url", "required": True},
            {"name": "contact", "label": "Contact", "type": "email", "required": False},
        ],
        "scopes": ["contacts:read"],
        "rate_limits": {"requests_per_minute": 120},
        "features": ["contacts_import"],
    }


@pytest.mark.parametrize("key", sorted(BUILT_IN))
def test_built_in_provider(vault, key):
    spec = catalog(vault)[key]
    auth_type, fields = BUILT_IN[key]
    assert spec["auth_type"] == auth_type
    if key in CRMS:
        assert spec["record_kind"] == "clients"
        targets = [rule["target"] for rule in spec["field_mappings"]]
        assert {"first_name", "last_name", "email", "phone", "event_date", "venue",
                "notes", "custom_fields"} == set(targets)
        spec = {k: v for k, v in spec.items() if k not in RECORD_KEYS}
    if auth_type == "oauth2":
        assert set(spec) == SPEC_KEYS | OAUTH_ENDPOINT_KEYS
        for endpoint in OAUTH_ENDPOINT_KEYS:
            assert spec[endpoint].startswith("https://")
    else:
        assert set(spec) == SPEC_KEYS
    assert isinstance(spec["name"], str) and spec["name"]
    assert [(f["name"], f["type"], f["required"]) for f in spec["credential_fields"]] == fields
    for field in spec["credential_fields"]:
        assert set(field) == FIELD_KEYS
    assert isinstance(spec["scopes"], list)
    assert isinstance(spec["rate_limits"], dict)
    assert isinstance(spec["features"], list)


@pytest.mark.parametrize("key", sorted(BUILT_IN))
def test_built_in_provider_connects_with_its_required_fields(tenant, admin, key):
    _, fields = BUILT_IN[key]
    values = {"secret": "s3cr3t-value-0123456789", "text": "someone", "url": "https://api.example.com/v1"}
    credentials = {name: values[kind] for name, kind, required in fields if required}
    integration = tenant.connect(admin, key, credentials)
    assert integration.provider == key
    assert integration.status == "connected"


def test_register_provider_adds_a_usable_provider(vault, tenant, admin):
    returned = vault.register_provider(crm_spec())
    assert returned["key"] == "acme_crm"
    assert returned["auth_type"] == "api_key"
    assert [f["name"] for f in returned["credential_fields"]] == ["api_token", "endpoint", "contact"]
    assert returned["rate_limits"] == {"requests_per_minute": 120}
    assert catalog(vault)["acme_crm"] == returned
    integration = tenant.connect(admin, "acme_crm", {"api_token": "crm_0123456789abcd",
                                                     "endpoint": "https://crm.example.com"})
    assert integration.credential_mask == "••••abcd"
    with pytest.raises(lv.InvalidArgument) as caught:
        tenant.connect(admin, "acme_crm", {"api_token": "crm_0123456789abcd",
                                           "endpoint": "ftp://crm.example.com"}, name="second")
    assert "endpoint" in caught.value.message


def test_register_provider_accepts_json_text(vault):
    returned = vault.register_provider(json.dumps(crm_spec("from_text")))
    assert returned["key"] == "from_text"


def test_register_provider_fills_optional_keys(vault):
    returned = vault.register_provider({
        "key": "minimal", "name": "Minimal", "auth_type": "basic",
        "credential_fields": [{"name": "password", "type": "secret"}]})
    assert returned["scopes"] == [] and returned["features"] == [] and returned["rate_limits"] == {}
    (field,) = returned["credential_fields"]
    assert set(field) == FIELD_KEYS


@pytest.mark.parametrize("key", ["slack", "gmail", "custom"])
def test_register_provider_with_a_taken_key_is_already_exists(vault, key):
    before = catalog(vault)
    with pytest.raises(lv.AlreadyExists):
        vault.register_provider(crm_spec(key))
    assert catalog(vault) == before


def test_register_provider_twice_with_the_same_spec_is_a_no_op(vault):
    first = vault.register_provider(crm_spec())
    assert vault.register_provider(crm_spec()) == first
    assert catalog(vault)["acme_crm"] == first


def test_register_provider_with_another_spec_under_a_taken_key_is_already_exists(vault):
    first = vault.register_provider(crm_spec())
    changed = crm_spec()
    changed["name"] = "Acme CRM 2"
    with pytest.raises(lv.AlreadyExists):
        vault.register_provider(changed)
    assert catalog(vault)["acme_crm"] == first


def broken(change):
    spec = crm_spec("broken")
    change(spec)
    return spec


BAD_SPECS = {
    "not-json": "{not json",
    "not-an-object": "[1, 2]",
    "unknown-key": broken(lambda s: s.update(colour="blue")),
    "missing-key": broken(lambda s: s.pop("key")),
    "missing-name": broken(lambda s: s.pop("name")),
    "missing-auth-type": broken(lambda s: s.pop("auth_type")),
    "missing-fields": broken(lambda s: s.pop("credential_fields")),
    "empty-fields": broken(lambda s: s.update(credential_fields=[])),
    "bad-auth-type": broken(lambda s: s.update(auth_type="magic")),
    "bad-key-characters": broken(lambda s: s.update(key="Acme CRM!")),
    "empty-key": broken(lambda s: s.update(key="")),
    "long-key": broken(lambda s: s.update(key="k" * 65)),
    "bad-field-type": broken(lambda s: s["credential_fields"][0].update(type="password")),
    "field-without-name": broken(lambda s: s["credential_fields"][0].pop("name")),
    "unknown-field-key": broken(lambda s: s["credential_fields"][0].update(secret=True)),
    "duplicate-field": broken(lambda s: s["credential_fields"].append(dict(s["credential_fields"][0]))),
    "required-not-bool": broken(lambda s: s["credential_fields"][0].update(required="yes")),
    "scopes-not-list": broken(lambda s: s.update(scopes="contacts:read")),
    "negative-rate-limit": broken(lambda s: s.update(rate_limits={"requests_per_minute": -1})),
}


@pytest.mark.parametrize("name", sorted(BAD_SPECS))
def test_malformed_spec_is_invalid_argument(vault, name):
    before = catalog(vault)
    with pytest.raises(lv.InvalidArgument):
        vault.register_provider(BAD_SPECS[name])
    assert catalog(vault) == before


def test_registration_is_stored_in_the_file(vault_path, admin):
    from conftest import TEST_KEY
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        registered = vault.register_provider(crm_spec())
        integration = vault.tenant("acme").connect(
            admin, "acme_crm", {"api_token": "crm_0123456789abcd", "endpoint": "https://crm.example.com"})
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        assert catalog(vault)["acme_crm"] == registered
        assert vault.tenant("acme").get(integration.id).provider == "acme_crm"
