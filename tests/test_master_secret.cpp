// The master secret and the key derivation under it: HKDF-SHA256 and
// Argon2id against published known answers, MasterSecret's validation, and
// the vault key hierarchy of docs/FORMAT.md. Also audit_mac (HMAC-SHA256).
//
// Each passphrase derivation costs 64 MiB and a noticeable fraction of a
// second, so the suite runs three in all.
#include "crypto/audit_mac.hpp"
#include "linkvault/error.hpp"
#include "linkvault/master_secret.hpp"

#include <botan/argon2.h>
#include <doctest/doctest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

using namespace linkvault;

namespace {

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  auto nibble = [](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    return static_cast<std::uint8_t>(c - 'a' + 10);
  };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

template <typename Bytes>
std::string to_hex(const Bytes& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::vector<std::uint8_t> range_bytes(int first, int end) {
  std::vector<std::uint8_t> out;
  for (int i = first; i < end; ++i) out.push_back(static_cast<std::uint8_t>(i));
  return out;
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

FileSalt salt_from(int first) {
  FileSalt salt;
  for (std::size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<std::uint8_t>(first + i);
  return salt;
}

SecretBytes raw_key() {
  const auto bytes = range_bytes(0, 32);
  return SecretBytes(bytes.begin(), bytes.end());
}

ErrorCode code_of(auto&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::ok;
}

}  // namespace

// RFC 5869, Appendix A, test cases 1-3 (the SHA-256 ones).
TEST_CASE("HKDF-SHA256 matches RFC 5869 test cases 1-3") {
  SUBCASE("case 1: basic") {
    const std::vector<std::uint8_t> ikm(22, 0x0b);
    const auto okm = hkdf_sha256(ikm, range_bytes(0x00, 0x0d), range_bytes(0xf0, 0xfa), 42);
    CHECK(to_hex(okm) ==
          "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
          "34007208d5b887185865");
  }
  SUBCASE("case 2: longer inputs and outputs") {
    const auto okm = hkdf_sha256(range_bytes(0x00, 0x50), range_bytes(0x60, 0xb0),
                                 range_bytes(0xb0, 0x100), 82);
    CHECK(to_hex(okm) ==
          "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
          "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
          "cc30c58179ec3e87c14c01d5c1f3434f1d87");
  }
  SUBCASE("case 3: zero-length salt and info") {
    const std::vector<std::uint8_t> ikm(22, 0x0b);
    const auto okm = hkdf_sha256(ikm, {}, {}, 42);
    CHECK(to_hex(okm) ==
          "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
          "9d201395faa4b61a96c8");
  }
  SUBCASE("output length outside 1..8160 is INVALID_ARGUMENT") {
    const std::vector<std::uint8_t> ikm(22, 0x0b);
    CHECK(code_of([&] { hkdf_sha256(ikm, {}, {}, 0); }) == ErrorCode::invalid_argument);
    CHECK(code_of([&] { hkdf_sha256(ikm, {}, {}, 255 * 32 + 1); }) ==
          ErrorCode::invalid_argument);
    CHECK(hkdf_sha256(ikm, {}, {}, 255 * 32).size() == 255 * 32);
  }
}

// RFC 9106 §5.3 (Argon2id, version 0x13) needs a secret and associated data,
// which linkvault's argon2id() has no use for; Botan's own argon2() takes
// them. This pins Botan's Argon2id and its argument order (p, M, t).
TEST_CASE("Argon2id in Botan matches RFC 9106 section 5.3") {
  const std::vector<std::uint8_t> password(32, 0x01);
  const std::vector<std::uint8_t> salt(16, 0x02);
  const std::vector<std::uint8_t> secret(8, 0x03);
  const std::vector<std::uint8_t> associated(12, 0x04);
  std::array<std::uint8_t, 32> tag{};
  Botan::argon2(tag.data(), tag.size(), reinterpret_cast<const char*>(password.data()),
                password.size(), salt.data(), salt.size(), secret.data(), secret.size(),
                associated.data(), associated.size(), /*y=Argon2id*/ 2, /*p=*/4,
                /*M=*/32, /*t=*/3);
  CHECK(to_hex(tag) == "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
}

// The reference implementation's own test (phc-winner-argon2, src/test.c:
// Argon2id v0x13, t=2, m=2^8 KiB, p=1, "password", "somesalt"), checked
// again against Debian's libargon2. Distinct t, m and p, so any mix-up of
// their order in argon2id() changes the output.
TEST_CASE("Argon2id wrapper matches the phc-winner-argon2 reference vector") {
  const Argon2Params params{256, 2, 1};
  const auto tag = argon2id(bytes_of("password"), bytes_of("somesalt"), params, 32);
  CHECK(to_hex(tag) == "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe");

  SUBCASE("bad arguments are INVALID_ARGUMENT") {
    CHECK(code_of([&] { argon2id(bytes_of("pw"), bytes_of("short"), params, 32); }) ==
          ErrorCode::invalid_argument);
    CHECK(code_of([&] { argon2id(bytes_of("pw"), bytes_of("somesalt"), params, 3); }) ==
          ErrorCode::invalid_argument);
    CHECK(code_of([&] {
            argon2id(bytes_of("pw"), bytes_of("somesalt"), Argon2Params{256, 0, 1}, 32);
          }) == ErrorCode::invalid_argument);
    CHECK(code_of([&] {
            argon2id(bytes_of("pw"), bytes_of("somesalt"), Argon2Params{256, 2, 0}, 32);
          }) == ErrorCode::invalid_argument);
  }
}

TEST_CASE("master secret: from_key takes exactly 32 bytes") {
  for (std::size_t size : {0u, 1u, 16u, 31u, 33u, 64u}) {
    CAPTURE(size);
    CHECK(code_of([&] { MasterSecret::from_key(SecretBytes(size, 7)); }) ==
          ErrorCode::invalid_argument);
  }
  const auto secret = MasterSecret::from_key(raw_key());
  CHECK_FALSE(secret.is_passphrase());
}

TEST_CASE("master secret: from_passphrase refuses empty passphrases and weak params") {
  CHECK(code_of([] { MasterSecret::from_passphrase(SecretBytes{}); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([] {
          MasterSecret::from_passphrase(make_secret("pw"), Argon2Params{65535, 3, 1});
        }) == ErrorCode::invalid_argument);
  CHECK(code_of([] {
          MasterSecret::from_passphrase(make_secret("pw"), Argon2Params{65536, 2, 1});
        }) == ErrorCode::invalid_argument);
  CHECK(code_of([] {
          MasterSecret::from_passphrase(make_secret("pw"), Argon2Params{65536, 3, 0});
        }) == ErrorCode::invalid_argument);

  const auto secret = MasterSecret::from_passphrase(make_secret("pw"), Argon2Params{131072, 4, 1});
  CHECK(secret.is_passphrase());
  CHECK(secret.argon2_params().memory_kib == 131072);
  CHECK(secret.argon2_params().iterations == 4);
  CHECK(secret.argon2_params().parallelism == 1);
  const auto floor = MasterSecret::from_passphrase(make_secret("pw"));
  CHECK(floor.argon2_params().memory_kib == 65536);
  CHECK(floor.argon2_params().iterations == 3);
  CHECK(floor.argon2_params().parallelism == 1);
}

TEST_CASE("master secret: raw-key derivation matches docs/FORMAT.md") {
  // Expected values computed independently (Python cryptography's HKDF).
  const auto keys = MasterSecret::from_key(raw_key()).derive_vault_keys(salt_from(0xa0));
  CHECK(to_hex(keys.database_key) ==
        "48f87e0e17000e19f5d6e33cad2585a19ec724c05895958d62c2f79ccff11920");
  CHECK(to_hex(keys.wrapping_key) ==
        "fade37dc6d30b62a5ae03d6ae0a12c5b60617781128a5106aebfbc6a020121f2");

  SUBCASE("deterministic") {
    const auto again = MasterSecret::from_key(raw_key()).derive_vault_keys(salt_from(0xa0));
    CHECK(again.database_key == keys.database_key);
    CHECK(again.wrapping_key == keys.wrapping_key);
  }
  SUBCASE("the two keys differ") { CHECK(keys.database_key != keys.wrapping_key); }
  SUBCASE("another salt gives other keys") {
    const auto other = MasterSecret::from_key(raw_key()).derive_vault_keys(salt_from(0xb0));
    CHECK(other.database_key != keys.database_key);
    CHECK(other.wrapping_key != keys.wrapping_key);
  }
  SUBCASE("the root itself is never one of the keys") {
    CHECK(keys.database_key != raw_key());
    CHECK(keys.wrapping_key != raw_key());
  }
}

TEST_CASE("master secret: passphrase derivation matches docs/FORMAT.md") {
  // Expected values computed independently: Argon2id by Debian's libargon2
  // (the reference implementation), HKDF by Python cryptography.
  constexpr std::string_view passphrase = "linkvault passphrase test vector";  // 32 bytes
  const auto secret = MasterSecret::from_passphrase(make_secret(passphrase));
  const auto keys = secret.derive_vault_keys(salt_from(0xa0));
  CHECK(to_hex(keys.database_key) ==
        "bb4caafb87dd7356aee75fd0c0c5f267c5cfa1aad1861baf69d71f33a74ed2c4");
  CHECK(to_hex(keys.wrapping_key) ==
        "ab57d2d27fc2c49801c6f99cdac8b919e78a392613dc2e76006cb8f1c0390e98");
  CHECK(keys.database_key != keys.wrapping_key);

  // No SUBCASEs here: doctest would rerun the derivation for each.
  {  // the root is Argon2id(passphrase, file salt)
    const auto root =
        from_hex("3c72a863e50eec8cb4d34afa23fa3c471d8963a92170dfdb16cfbfd6ad0c3b5c");
    const auto from_root = MasterSecret::from_key(SecretBytes(root.begin(), root.end()))
                               .derive_vault_keys(salt_from(0xa0));
    CHECK(from_root.database_key == keys.database_key);
    CHECK(from_root.wrapping_key == keys.wrapping_key);
  }
  {  // the same 32 bytes as a raw key give other keys
    const auto as_raw =
        MasterSecret::from_key(make_secret(passphrase)).derive_vault_keys(salt_from(0xa0));
    CHECK(to_hex(as_raw.database_key) ==
          "de1a8a8a30148f030a3ccaa2d08ae85000cd5bfdbf406c574c2483c6d797533f");
    CHECK(to_hex(as_raw.wrapping_key) ==
          "aa92bfd6465a10417e59720c3245b4f37ab0fe81fac3f882d182e58ba203d89d");
    CHECK(as_raw.database_key != keys.database_key);
    CHECK(as_raw.wrapping_key != keys.wrapping_key);
  }
}

TEST_CASE("master secret: passphrase derivation is deterministic and depends on the salt") {
  const auto secret = MasterSecret::from_passphrase(make_secret("linkvault passphrase test vector"));
  const auto other_salt = secret.derive_vault_keys(salt_from(0xb0));
  CHECK(to_hex(other_salt.database_key) !=
        "bb4caafb87dd7356aee75fd0c0c5f267c5cfa1aad1861baf69d71f33a74ed2c4");
  CHECK(to_hex(other_salt.wrapping_key) !=
        "ab57d2d27fc2c49801c6f99cdac8b919e78a392613dc2e76006cb8f1c0390e98");
  const auto again = secret.derive_vault_keys(salt_from(0xb0));
  CHECK(again.database_key == other_salt.database_key);
  CHECK(again.wrapping_key == other_salt.wrapping_key);
}

// RFC 4231 test case 2 (key "Jefe"), with the data split between the previous
// MAC and the entry: the MAC covers their concatenation.
TEST_CASE("master secret building blocks: audit_mac is HMAC-SHA256 over previous and entry") {
  const auto key = make_secret("Jefe");
  const std::string data = "what do ya want for nothing?";
  const auto expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  CHECK(to_hex(audit_mac(key, {}, bytes_of(data))) == expected);
  CHECK(to_hex(audit_mac(key, bytes_of(data.substr(0, 10)), bytes_of(data.substr(10)))) ==
        expected);
  CHECK(to_hex(audit_mac(key, bytes_of(data), {})) == expected);

  const auto mac = audit_mac(key, {}, bytes_of(data));
  auto other = mac;
  other[31] ^= 1;
  CHECK(constant_time_equal(mac, mac));
  CHECK_FALSE(constant_time_equal(mac, other));
  CHECK_FALSE(constant_time_equal(mac, std::span<const std::uint8_t>(mac).first(31)));
  CHECK(constant_time_equal({}, {}));
  CHECK(code_of([&] { audit_mac(SecretBytes{}, {}, bytes_of(data)); }) ==
        ErrorCode::invalid_argument);
}
