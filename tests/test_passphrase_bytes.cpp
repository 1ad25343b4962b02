// A passphrase is its exact UTF-8 bytes: linkvault does not normalise Unicode
// (docs/FORMAT.md "Passphrases", docs/SEMANTICS.md "Opening a vault"), so C++,
// C and Python derive the same key from the same bytes, with no ICU.
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

// "café passphrase" with é precomposed (NFC, U+00E9) and decomposed (NFD,
// e + U+0301): the same text to a person, different bytes.
constexpr const char* nfc_passphrase = "caf\xC3\xA9 passphrase";
constexpr const char* nfd_passphrase = "cafe\xCC\x81 passphrase";

}  // namespace

TEST_CASE("passphrase: the NFC and NFD forms of the same text are different passphrases") {
  const std::string dir = make_temp_dir();
  const std::string path = test_vault_location(dir, "unicode.vault");
  {
    Vault vault = Vault::open(path, MasterSecret::from_passphrase(make_secret(nfc_passphrase)));
    vault.close();
  }
  CHECK(code_of([&] {
          Vault::open(path, MasterSecret::from_passphrase(make_secret(nfd_passphrase)));
        }) == ErrorCode::wrong_key);
  // The bytes it was created with still open it: only the form differed.
  CHECK(code_of([&] {
          Vault vault = Vault::open(path, MasterSecret::from_passphrase(make_secret(nfc_passphrase)));
          vault.close();
        }) == ErrorCode::ok);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

TEST_CASE("passphrase: bytes that are not UTF-8 are INVALID_ARGUMENT, before any key is derived") {
  for (const char* bad : {"caf\xE9",            // Latin-1 é
                          "\xC3",               // truncated sequence
                          "\xC0\xAF",           // overlong '/'
                          "\xED\xA0\x80",       // UTF-16 surrogate
                          "pass\xFFword"}) {
    CAPTURE(std::string_view(bad));
    CHECK(code_of([&] { MasterSecret::from_passphrase(make_secret(bad)); }) ==
          ErrorCode::invalid_argument);
  }
  // A valid passphrase outside ASCII is accepted as it is.
  CHECK(code_of([] { MasterSecret::from_passphrase(make_secret(nfd_passphrase)); }) ==
        ErrorCode::ok);
}
