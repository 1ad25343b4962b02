#!/usr/bin/python3
"""Opens the sealed-blob golden vector of docs/FORMAT.md with an independent
AES-GCM (the `cryptography` package, i.e. OpenSSL), rebuilding the associated
data from the documented layout alone. Exits 0 on success, 1 on any mismatch.

If docs/FORMAT.md is found next to this checkout, the vector printed there is
checked to be the one below, so the document cannot drift from the test.
"""
import pathlib
import re
import struct
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
KEY_VERSION = 258
NONCE = bytes.fromhex("cafebabefacedbaddecaf888")
TENANT = b"acme"
INTEGRATION_ID = b"0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b"
PURPOSE = b"credentials"
PLAINTEXT = b"linkvault golden vector: correct horse battery staple"
BLOB = bytes.fromhex(
    "010100000102cafebabefacedbaddecaf888e6cace4ddc1b3a77322b3ab21779ec512d56"
    "a532ab76184e6ebc6b03ccec068b8d38ae34b2b16900472f5c0d40fa00162d35d93dc659"
    "f60aaf4f93ab3e234c05f8ac5556cb"
)

FORMAT_V1 = 0x01
ALGORITHM_AES256GCM = 0x01
HEADER_SIZE = 6
NONCE_SIZE = 12
TAG_SIZE = 16


def fail(message):
    print(f"golden vector FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def length_prefixed(field):
    return struct.pack(">I", len(field)) + field


def open_blob(blob, key, tenant, integration_id, purpose):
    if len(blob) < HEADER_SIZE + NONCE_SIZE + TAG_SIZE:
        fail("blob too short")
    header = blob[:HEADER_SIZE]
    if header[0] != FORMAT_V1 or header[1] != ALGORITHM_AES256GCM:
        fail(f"unexpected format/algorithm bytes {header[:2].hex()}")
    (version,) = struct.unpack(">I", header[2:6])
    if version != KEY_VERSION:
        fail(f"key version {version}, expected {KEY_VERSION}")
    nonce = blob[HEADER_SIZE:HEADER_SIZE + NONCE_SIZE]
    ciphertext_and_tag = blob[HEADER_SIZE + NONCE_SIZE:]
    associated_data = (header + length_prefixed(tenant) + length_prefixed(integration_id)
                       + length_prefixed(purpose))
    return nonce, AESGCM(key).decrypt(nonce, ciphertext_and_tag, associated_data)


def check_document():
    document = pathlib.Path(__file__).resolve().parents[2] / "docs" / "FORMAT.md"
    if not document.exists():
        return
    text = document.read_text(encoding="utf-8")
    match = re.search(r"^blob\s*=\s*((?:[0-9a-f]{8,}\s*)+)", text, re.MULTILINE)
    if not match:
        fail(f"no 'blob = <hex>' line in {document}")
    documented = bytes.fromhex("".join(match.group(1).split()))
    if documented != BLOB:
        fail(f"{document} shows a different blob than this script")


def main():
    check_document()
    nonce, plaintext = open_blob(BLOB, KEY, TENANT, INTEGRATION_ID, PURPOSE)
    if nonce != NONCE:
        fail("nonce is not at bytes 6..17")
    if plaintext != PLAINTEXT:
        fail("plaintext differs")
    # The binding is real: another tenant, or one flipped bit, must not open.
    try:
        open_blob(BLOB, KEY, b"acmf", INTEGRATION_ID, PURPOSE)
        fail("opened under another tenant")
    except InvalidTag:
        pass
    flipped = bytearray(BLOB)
    flipped[-1] ^= 1
    try:
        open_blob(bytes(flipped), KEY, TENANT, INTEGRATION_ID, PURPOSE)
        fail("opened with a flipped tag bit")
    except InvalidTag:
        pass
    print("golden vector opened by an independent AES-GCM")
    return 0


if __name__ == "__main__":
    sys.exit(main())
