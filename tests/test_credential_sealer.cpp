// CredentialSealer: the sealed blob format (docs/FORMAT.md) and its failure
// modes. Every rejection must be Error(INTEGRITY) and must not leak bytes.
#include "linkvault/credential_sealer.hpp"
#include "linkvault/error.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
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

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

SecretBytes key_filled(std::uint8_t first) {
  SecretBytes key(32);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(first + i);
  return key;
}

std::vector<DataKey> one_key(std::uint32_t version, std::uint8_t first = 0x40) {
  std::vector<DataKey> keys;
  keys.push_back(DataKey{version, key_filled(first)});
  return keys;
}

// The golden vector of docs/FORMAT.md, also opened by
// tests/golden/open_golden_vector.py with OpenSSL's AES-GCM.
constexpr std::string_view golden_key_hex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::uint32_t golden_version = 258;
constexpr std::string_view golden_nonce_hex = "cafebabefacedbaddecaf888";
constexpr std::string_view golden_tenant = "acme";
constexpr std::string_view golden_integration_id = "0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b";
constexpr std::string_view golden_purpose = "credentials";
constexpr std::string_view golden_plaintext =
    "linkvault golden vector: correct horse battery staple";
constexpr std::string_view golden_blob_hex =
    "010100000102cafebabefacedbaddecaf888e6cace4ddc1b3a77322b3ab21779ec512d56"
    "a532ab76184e6ebc6b03ccec068b8d38ae34b2b16900472f5c0d40fa00162d35d93dc659"
    "f60aaf4f93ab3e234c05f8ac5556cb";

CredentialSealer golden_sealer() {
  const auto key = from_hex(golden_key_hex);
  std::vector<DataKey> keys;
  keys.push_back(DataKey{golden_version, SecretBytes(key.begin(), key.end())});
  return CredentialSealer(std::move(keys), golden_version);
}

const SealContext golden_context{golden_tenant, golden_integration_id, golden_purpose};

const SealContext context{"tenant-a", "0190a3c4-0000-7000-8000-000000000001", "credentials"};
constexpr std::string_view secret_text = "xoxb-SECRET-plaintext-4242";

// Runs `call`, which must throw Error(INTEGRITY); returns the message.
template <typename Call>
std::string integrity_message(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::integrity);
    return e.what();
  }
  FAIL("expected Error(INTEGRITY), nothing was thrown");
  return {};
}

}  // namespace

TEST_CASE("sealer: golden vector seals to the documented bytes and opens") {
  const auto sealer = golden_sealer();
  const auto blob = sealer.seal_with_nonce(bytes_of(golden_plaintext), golden_context,
                                           from_hex(golden_nonce_hex));
  CHECK(to_hex(blob) == golden_blob_hex);
  CHECK(blob.size() == 18 + golden_plaintext.size() + 16);
  CHECK(CredentialSealer::blob_key_version(blob) == golden_version);

  const auto opened = sealer.open(from_hex(golden_blob_hex), golden_context);
  CHECK(secret_view(opened) == golden_plaintext);
}

TEST_CASE("sealer: the blob header is format, algorithm, big-endian version, nonce") {
  const CredentialSealer sealer(one_key(0x01020304), 0x01020304);
  const std::array<std::uint8_t, 12> nonce{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const auto blob = sealer.seal_with_nonce(bytes_of("x"), context, nonce);
  REQUIRE(blob.size() == 18 + 1 + 16);
  CHECK(blob[0] == sealed_blob_format_v1);
  CHECK(blob[1] == sealed_blob_algorithm_aes256gcm);
  CHECK(blob[2] == 0x01);
  CHECK(blob[3] == 0x02);
  CHECK(blob[4] == 0x03);
  CHECK(blob[5] == 0x04);
  CHECK(std::equal(nonce.begin(), nonce.end(), blob.begin() + 6));
}

TEST_CASE("sealer: round trip, empty and large plaintexts") {
  const CredentialSealer sealer(one_key(1), 1);
  CHECK(sealer.primary_version() == 1);
  for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 256u, 4096u, 100000u}) {
    CAPTURE(size);
    std::vector<std::uint8_t> plaintext(size);
    for (std::size_t i = 0; i < size; ++i) plaintext[i] = static_cast<std::uint8_t>(i * 7);
    const auto blob = sealer.seal(plaintext, context);
    CHECK(blob.size() == 18 + size + 16);
    const auto opened = sealer.open(blob, context);
    CHECK(std::equal(opened.begin(), opened.end(), plaintext.begin(), plaintext.end()));
  }
}

TEST_CASE("sealer: two seals of the same plaintext differ") {
  const CredentialSealer sealer(one_key(1), 1);
  const auto a = sealer.seal(bytes_of(secret_text), context);
  const auto b = sealer.seal(bytes_of(secret_text), context);
  CHECK(a != b);
  CHECK(!std::equal(a.begin() + 6, a.begin() + 18, b.begin() + 6));
}

TEST_CASE("sealer: every single-bit flip anywhere in the blob is INTEGRITY") {
  const CredentialSealer sealer(one_key(1), 1);
  const auto blob = sealer.seal(bytes_of(secret_text), context);
  for (std::size_t byte = 0; byte < blob.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      auto altered = blob;
      altered[byte] ^= static_cast<std::uint8_t>(1u << bit);
      CAPTURE(byte);
      CAPTURE(bit);
      integrity_message([&] { sealer.open(altered, context); });
    }
  }
}

TEST_CASE("sealer: truncation at every length is INTEGRITY") {
  const CredentialSealer sealer(one_key(1), 1);
  const auto blob = sealer.seal(bytes_of(secret_text), context);
  for (std::size_t length = 0; length < blob.size(); ++length) {
    CAPTURE(length);
    const std::span<const std::uint8_t> truncated(blob.data(), length);
    integrity_message([&] { sealer.open(truncated, context); });
  }
}

TEST_CASE("sealer: extension by a byte is INTEGRITY") {
  const CredentialSealer sealer(one_key(1), 1);
  const auto blob = sealer.seal(bytes_of(secret_text), context);
  for (std::uint8_t extra : {0x00, 0x01, 0xff}) {
    auto extended = blob;
    extended.push_back(extra);
    integrity_message([&] { sealer.open(extended, context); });
  }
}

TEST_CASE("sealer: a changed header byte is INTEGRITY") {
  const CredentialSealer sealer(one_key(1), 1);
  const auto blob = sealer.seal(bytes_of(secret_text), context);
  SUBCASE("format") {
    auto altered = blob;
    altered[0] = 0x02;
    CHECK(integrity_message([&] { sealer.open(altered, context); }).find("format") !=
          std::string::npos);
  }
  SUBCASE("algorithm") {
    auto altered = blob;
    altered[1] = 0x02;
    CHECK(integrity_message([&] { sealer.open(altered, context); }).find("algorithm") !=
          std::string::npos);
  }
  SUBCASE("version, to one the sealer does not hold") {
    auto altered = blob;
    altered[5] = 0x02;
    integrity_message([&] { sealer.open(altered, context); });
  }
}

TEST_CASE("sealer: a changed header version that names another held key is INTEGRITY") {
  std::vector<DataKey> keys;
  keys.push_back(DataKey{1, key_filled(0x10)});
  keys.push_back(DataKey{2, key_filled(0x10)});  // same key bytes on purpose
  const CredentialSealer sealer(std::move(keys), 2);
  auto blob = sealer.seal(bytes_of(secret_text), context);
  blob[5] = 0x01;  // the version is in the associated data, not only a lookup key
  integrity_message([&] { sealer.open(blob, context); });
}

TEST_CASE("sealer: another tenant, integration id or purpose is INTEGRITY") {
  const CredentialSealer sealer(one_key(1), 1);
  const auto blob = sealer.seal(bytes_of(secret_text), context);
  SUBCASE("tenant") {
    const SealContext other{"tenant-b", context.integration_id, context.purpose};
    integrity_message([&] { sealer.open(blob, other); });
  }
  SUBCASE("integration id") {
    const SealContext other{context.tenant, "0190a3c4-0000-7000-8000-000000000002",
                            context.purpose};
    integrity_message([&] { sealer.open(blob, other); });
  }
  SUBCASE("purpose") {
    const SealContext other{context.tenant, context.integration_id, "audit"};
    integrity_message([&] { sealer.open(blob, other); });
  }
  SUBCASE("the same bytes split differently between fields") {
    // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
    const SealContext left{"ab", "c", "credentials"};
    const SealContext right{"a", "bc", "credentials"};
    const auto split_blob = sealer.seal(bytes_of(secret_text), left);
    integrity_message([&] { sealer.open(split_blob, right); });
  }
  SUBCASE("the right context still opens") {
    CHECK(secret_view(sealer.open(blob, context)) == secret_text);
  }
}

TEST_CASE("sealer: another key of the same version number is INTEGRITY") {
  const CredentialSealer sealer(one_key(1, 0x10), 1);
  const CredentialSealer other(one_key(1, 0x11), 1);
  const auto blob = sealer.seal(bytes_of(secret_text), context);
  integrity_message([&] { other.open(blob, context); });
}

TEST_CASE("sealer: unknown and destroyed key versions are INTEGRITY naming the version") {
  std::vector<DataKey> old_keys;
  old_keys.push_back(DataKey{7, key_filled(0x20)});
  const CredentialSealer old_sealer(std::move(old_keys), 7);
  const auto blob = old_sealer.seal(bytes_of(secret_text), context);

  SUBCASE("unknown") {
    const CredentialSealer sealer(one_key(8, 0x30), 8);
    const auto message = integrity_message([&] { sealer.open(blob, context); });
    CHECK(message.find("version 7") != std::string::npos);
    CHECK(message.find("unknown") != std::string::npos);
    CHECK(message.find("destroyed") == std::string::npos);
  }
  SUBCASE("destroyed") {
    const CredentialSealer sealer(one_key(8, 0x30), 8, {5, 6, 7});
    const auto message = integrity_message([&] { sealer.open(blob, context); });
    CHECK(message.find("version 7") != std::string::npos);
    CHECK(message.find("destroyed") != std::string::npos);
    CHECK(message.find("unknown") == std::string::npos);
  }
}

TEST_CASE("sealer: error messages contain no key or plaintext bytes") {
  const auto key = key_filled(0x61);  // printable: "abcdefgh..."
  std::vector<DataKey> keys;
  keys.push_back(DataKey{1, key});
  const CredentialSealer sealer(std::move(keys), 1, {2});
  const auto blob = sealer.seal(bytes_of(secret_text), context);

  std::vector<std::string> messages;
  auto collect = [&](std::span<const std::uint8_t> candidate, const SealContext& ctx) {
    messages.push_back(integrity_message([&] { sealer.open(candidate, ctx); }));
  };
  auto flipped = blob;
  flipped[20] ^= 1;
  collect(flipped, context);
  collect(std::span<const std::uint8_t>(blob.data(), 10), context);
  collect(std::span<const std::uint8_t>(blob.data(), blob.size() - 1), context);
  const SealContext other{"tenant-b", context.integration_id, context.purpose};
  collect(blob, other);
  auto destroyed = blob;
  destroyed[5] = 2;
  collect(destroyed, context);
  auto unknown = blob;
  unknown[5] = 3;
  collect(unknown, context);

  const std::string key_text(key.begin(), key.end());
  const std::string key_hex = to_hex(key);
  for (const auto& message : messages) {
    CAPTURE(message);
    CHECK(message.find(secret_text) == std::string::npos);
    CHECK(message.find(secret_text.substr(0, 8)) == std::string::npos);
    CHECK(message.find(key_text.substr(0, 8)) == std::string::npos);
    CHECK(message.find(key_hex.substr(0, 16)) == std::string::npos);
    CHECK(message.find(to_hex(std::span(blob).subspan(18, 8))) == std::string::npos);
  }
}

TEST_CASE("sealer: misuse is rejected") {
  SUBCASE("nonce of the wrong length") {
    const CredentialSealer sealer(one_key(1), 1);
    for (std::size_t size : {0u, 8u, 11u, 13u, 16u}) {
      const std::vector<std::uint8_t> nonce(size);
      try {
        sealer.seal_with_nonce(bytes_of("x"), context, nonce);
        FAIL("expected INVALID_ARGUMENT");
      } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
      }
    }
  }
  SUBCASE("key of the wrong size") {
    std::vector<DataKey> keys;
    keys.push_back(DataKey{1, SecretBytes(16)});
    CHECK_THROWS_AS(CredentialSealer(std::move(keys), 1), Error);
  }
  SUBCASE("primary not among the keys") {
    try {
      CredentialSealer sealer(one_key(1), 2);
      FAIL("expected INVALID_ARGUMENT");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::invalid_argument);
    }
  }
  SUBCASE("a sealer without a primary opens but cannot seal") {
    std::vector<DataKey> keys;
    keys.push_back(DataKey{1, key_filled(0x10)});
    const CredentialSealer full(one_key(1, 0x10), 1);
    const CredentialSealer open_only(std::move(keys), 0, {2});
    CHECK(open_only.primary_version() == 0);
    const auto blob = full.seal(bytes_of(secret_text), context);
    CHECK(secret_view(open_only.open(blob, context)) == secret_text);
    integrity_message([&] { open_only.seal(bytes_of(secret_text), context); });
  }
  SUBCASE("blob_key_version needs a header") {
    const std::vector<std::uint8_t> short_blob{1, 1, 0, 0, 0};
    integrity_message([&] { CredentialSealer::blob_key_version(short_blob); });
  }
}

TEST_CASE("sealer: 8 threads sealing and opening at once") {
  std::vector<DataKey> keys;
  keys.push_back(DataKey{1, key_filled(0x01)});
  keys.push_back(DataKey{2, key_filled(0x02)});
  const CredentialSealer sealer(std::move(keys), 2);
  constexpr int threads = 8;
  constexpr int per_thread = 500;
  std::vector<std::vector<std::vector<std::uint8_t>>> blobs(threads);
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        for (int i = 0; i < per_thread; ++i) {
          const std::string text = "credential " + std::to_string(t) + "/" + std::to_string(i);
          auto blob = sealer.seal(bytes_of(text), context);
          if (secret_view(sealer.open(blob, context)) != text) ++failures;
          blobs[t].push_back(std::move(blob));
        }
      } catch (...) {
        ++failures;
      }
    });
  }
  for (auto& worker : workers) worker.join();
  CHECK(failures.load() == 0);
  for (int t = 0; t < threads; ++t) {
    REQUIRE(blobs[t].size() == per_thread);
    for (int i = 0; i < per_thread; ++i) {
      const std::string text = "credential " + std::to_string(t) + "/" + std::to_string(i);
      CHECK(secret_view(sealer.open(blobs[t][i], context)) == text);
    }
  }
}

TEST_CASE("sealer: 1,000,000 seals never repeat a nonce") {
  const CredentialSealer sealer(one_key(1), 1);
  constexpr std::size_t count = 1'000'000;
  // 12 bytes per nonce, packed: 12 MB, sorted once.
  std::vector<std::array<std::uint8_t, 12>> nonces(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto blob = sealer.seal({}, context);
    std::copy_n(blob.begin() + 6, 12, nonces[i].begin());
  }
  std::sort(nonces.begin(), nonces.end());
  CHECK(std::adjacent_find(nonces.begin(), nonces.end()) == nonces.end());
}
