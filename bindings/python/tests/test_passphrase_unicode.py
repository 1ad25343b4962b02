"""A passphrase is its exact UTF-8 bytes: the binding does not normalise
Unicode (docs/FORMAT.md "Passphrases", docs/SEMANTICS.md "Opening a vault").
Each open runs Argon2id (64 MiB), so the opens here are few."""

import unicodedata

import pytest

import linkvault as lv

NFC_PASSPHRASE = unicodedata.normalize("NFC", "café passphrase")
NFD_PASSPHRASE = unicodedata.normalize("NFD", NFC_PASSPHRASE)


def test_the_two_normal_forms_are_different_texts():
    assert NFC_PASSPHRASE != NFD_PASSPHRASE
    assert NFC_PASSPHRASE.encode("utf-8") == b"caf\xc3\xa9 passphrase"
    assert NFD_PASSPHRASE.encode("utf-8") == b"cafe\xcc\x81 passphrase"


def test_nfd_form_does_not_open_a_vault_made_with_the_nfc_form(vault_path):
    with lv.Vault.open(vault_path, passphrase=NFC_PASSPHRASE):
        pass
    with pytest.raises(lv.WrongKey):
        lv.Vault.open(vault_path, passphrase=NFD_PASSPHRASE)
    # The NFC form's UTF-8 bytes are the same passphrase as the str.
    with lv.Vault.open(vault_path, passphrase=NFC_PASSPHRASE.encode("utf-8")):
        pass


def test_passphrase_bytes_that_are_not_utf8_are_invalid_argument(vault_path):
    with pytest.raises(lv.InvalidArgument):
        lv.Vault.open(vault_path, passphrase="café".encode("latin-1"))
