"""DESIGN.md §5 Mask: "••••" + the last 4 characters of the provider's first
secret field when that secret has 12 or more characters, else "••••"."""

import pytest

import linkvault as lv

BULLETS = "••••"


@pytest.mark.parametrize("token, mask", [
    ("abcdefghijk", BULLETS),                    # 11 characters
    ("abcdefghijkl", BULLETS + "ijkl"),          # exactly 12
    ("xoxb-" + "9" * 40 + "WXYZ", BULLETS + "WXYZ"),
    ("short", BULLETS),
    ("x", BULLETS),
    ("ab€€€€€€€€€€", BULLETS + "€€€€"),          # 12 characters, 32 bytes: characters count
    ("🔑" * 11 + "🙂", BULLETS + "🔑🔑🔑🙂"),     # 12 characters outside the BMP
], ids=["11-chars", "12-chars", "long", "short", "one", "multibyte", "emoji"])
def test_mask_of_the_first_secret(tenant, admin, token, mask):
    integration = tenant.connect(admin, "slack", {"bot_token": token})
    assert integration.credential_mask == mask


def test_multibyte_secret_of_11_characters_is_not_revealed(tenant, admin):
    # 11 characters but 33 bytes: the rule counts characters
    integration = tenant.connect(admin, "slack", {"bot_token": "€" * 11})
    assert integration.credential_mask == BULLETS


def test_optional_second_secret_does_not_change_the_mask(tenant, admin):
    integration = tenant.connect(admin, "slack", {"bot_token": "short",
                                                  "signing_secret": "a-long-signing-secret"})
    assert integration.credential_mask == BULLETS


def test_text_fields_are_skipped_for_the_first_secret(tenant, admin):
    integration = tenant.connect(admin, "lightblue", {"username": "studio@example.com",
                                                      "password": "correct-horse-PASS"})
    assert integration.credential_mask == BULLETS + "PASS"


def test_custom_masks_the_api_key_not_the_url(tenant, admin):
    integration = tenant.connect(admin, "custom", {"api_key": "ck_live_0123456789",
                                                   "base_url": "https://api.example.com/v1"})
    assert integration.credential_mask == BULLETS + "6789"


def test_update_credentials_recomputes_the_mask(tenant, admin, slack):
    updated = tenant.update_credentials(admin, slack.id, {"bot_token": "xoxb-rotated-tokenNEW1"})
    assert updated.credential_mask == BULLETS + "NEW1"
    updated = tenant.update_credentials(admin, slack.id, {"bot_token": "tiny"})
    assert updated.credential_mask == BULLETS


def test_disconnect_wipes_the_mask(tenant, admin, slack):
    assert tenant.disconnect(admin, slack.id).credential_mask == ""
    assert tenant.get(slack.id).credential_mask == ""
