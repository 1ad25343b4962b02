// Keyring over InMemoryKeyringStorage: creation on first use, rotation,
// destruction (crypto-shredding), identity-bound wrapping, and two Keyrings
// sharing one storage.
#include "linkvault/keyring.hpp"
#include "linkvault/error.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace linkvault;

namespace {

SecretBytes wrapping_key(std::uint8_t fill) { return SecretBytes(32, fill); }

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

SealContext context_of(std::string_view tenant) {
  return SealContext{tenant, "0190a3c4-0000-7000-8000-00000000000a", "credentials"};
}

constexpr std::string_view secret_text = "refresh-token-SECRET-99";

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

std::vector<KeyState> states(InMemoryKeyringStorage& storage, std::string_view tenant,
                             KeyPurpose purpose) {
  std::vector<KeyState> out;
  for (const auto& key : storage.load_keys(tenant, purpose)) out.push_back(key.state);
  return out;
}

}  // namespace

TEST_CASE("keyring: to_string spells purposes and states") {
  CHECK(std::string(to_string(KeyPurpose::credentials)) == "credentials");
  CHECK(std::string(to_string(KeyPurpose::audit)) == "audit");
  CHECK(std::string(to_string(KeyState::primary)) == "primary");
  CHECK(std::string(to_string(KeyState::decrypt_only)) == "decrypt_only");
  CHECK(std::string(to_string(KeyState::destroyed)) == "destroyed");
}

TEST_CASE("keyring: the wrapping key must be 32 bytes") {
  try {
    Keyring keyring(SecretBytes(31, 1));
    FAIL("expected INVALID_ARGUMENT");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::invalid_argument);
  }
}

TEST_CASE("keyring: first use creates version 1, primary, wrapped") {
  InMemoryKeyringStorage storage;
  Keyring keyring(wrapping_key(7));
  const auto sealer = keyring.sealer(storage, "acme", KeyPurpose::credentials);
  CHECK(sealer->primary_version() == 1);

  const auto stored = storage.load_keys("acme", KeyPurpose::credentials);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].version == 1);
  CHECK(stored[0].state == KeyState::primary);
  CHECK(stored[0].tenant == "acme");
  CHECK(stored[0].purpose == KeyPurpose::credentials);
  CHECK(stored[0].wrapped.size() == 12 + 32 + 16);
  CHECK(stored[0].created_at > 0);

  // The wrapped bytes are not the key.
  const auto key = keyring.key(storage, "acme", KeyPurpose::credentials, 1);
  CHECK(key.size() == 32);
  CHECK(std::search(stored[0].wrapped.begin(), stored[0].wrapped.end(), key.begin(),
                    key.begin() + 8) == stored[0].wrapped.end());

  SUBCASE("later calls reuse the same version and the cached sealer") {
    const auto again = keyring.sealer(storage, "acme", KeyPurpose::credentials);
    CHECK(again == sealer);
    CHECK(storage.load_keys("acme", KeyPurpose::credentials).size() == 1);
  }
  SUBCASE("tenants and purposes have separate keys") {
    const auto other = keyring.primary_key(storage, "globex", KeyPurpose::credentials);
    const auto audit = keyring.primary_key(storage, "acme", KeyPurpose::audit);
    CHECK(other.version == 1);
    CHECK(audit.version == 1);
    CHECK(other.key != key);
    CHECK(audit.key != key);
    CHECK(storage.load_keys("acme", KeyPurpose::audit).size() == 1);
  }
  SUBCASE("primary_key and key agree") {
    const auto primary = keyring.primary_key(storage, "acme", KeyPurpose::credentials);
    CHECK(primary.version == 1);
    CHECK(primary.key == key);
  }
  SUBCASE("existing_sealer does not create") {
    const auto none = keyring.existing_sealer(storage, "nobody", KeyPurpose::credentials);
    CHECK(none->primary_version() == 0);
    CHECK(storage.load_keys("nobody", KeyPurpose::credentials).empty());
    integrity_message([&] { none->seal(bytes_of(secret_text), context_of("nobody")); });
  }
}

TEST_CASE("keyring: rotate makes v2 primary and keeps v1 for opening") {
  InMemoryKeyringStorage storage;
  Keyring keyring(wrapping_key(7));
  const auto ctx = context_of("acme");
  const auto v1_sealer = keyring.sealer(storage, "acme", KeyPurpose::credentials);
  const auto old_blob = v1_sealer->seal(bytes_of(secret_text), ctx);

  CHECK(keyring.rotate(storage, "acme", KeyPurpose::credentials) == 2);
  CHECK(states(storage, "acme", KeyPurpose::credentials) ==
        std::vector<KeyState>{KeyState::decrypt_only, KeyState::primary});

  const auto sealer = keyring.sealer(storage, "acme", KeyPurpose::credentials);
  CHECK(sealer != v1_sealer);
  CHECK(sealer->primary_version() == 2);
  CHECK(secret_view(sealer->open(old_blob, ctx)) == secret_text);
  const auto new_blob = sealer->seal(bytes_of(secret_text), ctx);
  CHECK(CredentialSealer::blob_key_version(new_blob) == 2);
  CHECK(CredentialSealer::blob_key_version(old_blob) == 1);
  CHECK(keyring.primary_key(storage, "acme", KeyPurpose::credentials).version == 2);

  CHECK(keyring.rotate(storage, "acme", KeyPurpose::credentials) == 3);
  CHECK(states(storage, "acme", KeyPurpose::credentials) ==
        std::vector<KeyState>{KeyState::decrypt_only, KeyState::decrypt_only,
                              KeyState::primary});
  const auto third = keyring.sealer(storage, "acme", KeyPurpose::credentials);
  CHECK(secret_view(third->open(old_blob, ctx)) == secret_text);
  CHECK(secret_view(third->open(new_blob, ctx)) == secret_text);
}

TEST_CASE("keyring: destroy shreds every version; the next sealer is a fresh version") {
  InMemoryKeyringStorage storage;
  Keyring keyring(wrapping_key(7));
  const auto ctx = context_of("acme");
  const auto v1_blob =
      keyring.sealer(storage, "acme", KeyPurpose::credentials)->seal(bytes_of(secret_text), ctx);
  keyring.rotate(storage, "acme", KeyPurpose::credentials);
  const auto v2_blob =
      keyring.sealer(storage, "acme", KeyPurpose::credentials)->seal(bytes_of(secret_text), ctx);
  // Another tenant is untouched by the purge.
  const auto other_blob = keyring.sealer(storage, "globex", KeyPurpose::credentials)
                              ->seal(bytes_of(secret_text), context_of("globex"));

  keyring.destroy(storage, "acme", KeyPurpose::credentials);
  for (const auto& key : storage.load_keys("acme", KeyPurpose::credentials)) {
    CHECK(key.state == KeyState::destroyed);
    CHECK(key.wrapped.empty());
  }

  SUBCASE("old blobs fail as destroyed, naming the version") {
    const auto remaining = keyring.existing_sealer(storage, "acme", KeyPurpose::credentials);
    CHECK(remaining->primary_version() == 0);
    const auto m1 = integrity_message([&] { remaining->open(v1_blob, ctx); });
    const auto m2 = integrity_message([&] { remaining->open(v2_blob, ctx); });
    CHECK(m1.find("version 1") != std::string::npos);
    CHECK(m1.find("destroyed") != std::string::npos);
    CHECK(m2.find("version 2") != std::string::npos);
    CHECK(m2.find("destroyed") != std::string::npos);
    const auto mk = integrity_message(
        [&] { keyring.key(storage, "acme", KeyPurpose::credentials, 1); });
    CHECK(mk.find("destroyed") != std::string::npos);
  }
  SUBCASE("sealer() afterwards creates version 3; old blobs stay dead") {
    const auto fresh = keyring.sealer(storage, "acme", KeyPurpose::credentials);
    CHECK(fresh->primary_version() == 3);
    CHECK(states(storage, "acme", KeyPurpose::credentials) ==
          std::vector<KeyState>{KeyState::destroyed, KeyState::destroyed,
                                KeyState::primary});
    const auto message = integrity_message([&] { fresh->open(v1_blob, ctx); });
    CHECK(message.find("destroyed") != std::string::npos);
    const auto blob = fresh->seal(bytes_of(secret_text), ctx);
    CHECK(secret_view(fresh->open(blob, ctx)) == secret_text);
  }
  SUBCASE("a second Keyring with the right wrapping key cannot open them either") {
    Keyring second(wrapping_key(7));
    const auto sealer = second.existing_sealer(storage, "acme", KeyPurpose::credentials);
    integrity_message([&] { sealer->open(v1_blob, ctx); });
  }
  SUBCASE("other tenants are unaffected") {
    const auto sealer = keyring.sealer(storage, "globex", KeyPurpose::credentials);
    CHECK(secret_view(sealer->open(other_blob, context_of("globex"))) == secret_text);
  }
}

TEST_CASE("keyring: an unknown version is INTEGRITY naming it") {
  InMemoryKeyringStorage storage;
  Keyring keyring(wrapping_key(7));
  keyring.sealer(storage, "acme", KeyPurpose::credentials);
  const auto message =
      integrity_message([&] { keyring.key(storage, "acme", KeyPurpose::credentials, 9); });
  CHECK(message.find("version 9") != std::string::npos);
  CHECK(message.find("unknown") != std::string::npos);
}

TEST_CASE("keyring: wrapped keys are bound to tenant, purpose and version") {
  InMemoryKeyringStorage storage;
  Keyring keyring(wrapping_key(7));
  keyring.sealer(storage, "acme", KeyPurpose::credentials);
  keyring.sealer(storage, "globex", KeyPurpose::credentials);
  keyring.sealer(storage, "acme", KeyPurpose::audit);
  keyring.rotate(storage, "acme", KeyPurpose::credentials);
  const auto acme = storage.load_keys("acme", KeyPurpose::credentials);
  const auto globex = storage.load_keys("globex", KeyPurpose::credentials);
  const auto audit = storage.load_keys("acme", KeyPurpose::audit);

  auto expect_unwrap_failure = [](InMemoryKeyringStorage& tampered, std::string_view tenant,
                                  KeyPurpose purpose, std::uint32_t version) {
    Keyring fresh(wrapping_key(7));  // no cache: must unwrap from storage
    const auto message = integrity_message([&] { fresh.key(tampered, tenant, purpose, version); });
    CHECK(message.find(std::string(tenant)) != std::string::npos);
    CHECK(message.find("version " + std::to_string(version)) != std::string::npos);
    integrity_message([&] { fresh.sealer(tampered, tenant, purpose); });
  };

  SUBCASE("swapped between tenants") {
    InMemoryKeyringStorage tampered;
    WrappedKey moved = globex[0];
    moved.tenant = "acme";
    moved.wrapped = acme[0].wrapped;  // acme's v1 bytes filed under globex v1...
    WrappedKey acme_row = acme[0];
    acme_row.wrapped = globex[0].wrapped;  // ...and globex's under acme v1
    tampered.insert_key(acme_row);
    WrappedKey globex_row = globex[0];
    globex_row.wrapped = acme[0].wrapped;
    tampered.insert_key(globex_row);
    expect_unwrap_failure(tampered, "acme", KeyPurpose::credentials, 1);
    expect_unwrap_failure(tampered, "globex", KeyPurpose::credentials, 1);
  }
  SUBCASE("moved to another purpose") {
    InMemoryKeyringStorage tampered;
    WrappedKey row = audit[0];
    row.wrapped = acme[0].wrapped;
    tampered.insert_key(row);
    expect_unwrap_failure(tampered, "acme", KeyPurpose::audit, 1);
  }
  SUBCASE("moved to another version") {
    InMemoryKeyringStorage tampered;
    WrappedKey v1 = acme[0];
    v1.wrapped = acme[1].wrapped;
    tampered.insert_key(v1);
    WrappedKey v2 = acme[1];
    tampered.insert_key(v2);
    expect_unwrap_failure(tampered, "acme", KeyPurpose::credentials, 1);
  }
  SUBCASE("a flipped bit or wrong length") {
    InMemoryKeyringStorage tampered;
    WrappedKey v1 = acme[0];
    v1.wrapped[20] ^= 0x04;
    tampered.insert_key(v1);
    expect_unwrap_failure(tampered, "acme", KeyPurpose::credentials, 1);
    InMemoryKeyringStorage shortened;
    WrappedKey cut = acme[0];
    cut.wrapped.pop_back();
    shortened.insert_key(cut);
    expect_unwrap_failure(shortened, "acme", KeyPurpose::credentials, 1);
  }
}

TEST_CASE("keyring: a different wrapping key cannot unwrap") {
  InMemoryKeyringStorage storage;
  Keyring keyring(wrapping_key(7));
  const auto blob = keyring.sealer(storage, "acme", KeyPurpose::credentials)
                        ->seal(bytes_of(secret_text), context_of("acme"));
  Keyring wrong(wrapping_key(8));
  const auto message =
      integrity_message([&] { wrong.sealer(storage, "acme", KeyPurpose::credentials); });
  CHECK(message.find("acme") != std::string::npos);
  CHECK(message.find("version 1") != std::string::npos);
  CHECK(message.find(std::string(secret_text)) == std::string::npos);
  integrity_message([&] { wrong.key(storage, "acme", KeyPurpose::credentials, 1); });
  integrity_message([&] { wrong.existing_sealer(storage, "acme", KeyPurpose::credentials); });
  // Nothing was created or changed by the failed attempts.
  CHECK(storage.load_keys("acme", KeyPurpose::credentials).size() == 1);
  CHECK(secret_view(keyring.sealer(storage, "acme", KeyPurpose::credentials)
                        ->open(blob, context_of("acme"))) == secret_text);
}

TEST_CASE("keyring: two Keyrings over one storage see each other's rotations") {
  InMemoryKeyringStorage storage;
  Keyring first(wrapping_key(7));
  Keyring second(wrapping_key(7));
  const auto ctx = context_of("acme");

  const auto a = first.sealer(storage, "acme", KeyPurpose::credentials);
  const auto b = second.sealer(storage, "acme", KeyPurpose::credentials);
  CHECK(a->primary_version() == 1);
  CHECK(b->primary_version() == 1);  // second found first's v1, did not make its own
  CHECK(storage.load_keys("acme", KeyPurpose::credentials).size() == 1);
  const auto blob = a->seal(bytes_of(secret_text), ctx);
  CHECK(secret_view(b->open(blob, ctx)) == secret_text);

  CHECK(first.rotate(storage, "acme", KeyPurpose::credentials) == 2);
  const auto b2 = second.sealer(storage, "acme", KeyPurpose::credentials);
  CHECK(b2->primary_version() == 2);  // no stale primary from second's cache
  CHECK(second.primary_key(storage, "acme", KeyPurpose::credentials).version == 2);
  const auto blob2 = b2->seal(bytes_of(secret_text), ctx);
  CHECK(secret_view(first.sealer(storage, "acme", KeyPurpose::credentials)->open(blob2, ctx)) ==
        secret_text);

  second.destroy(storage, "acme", KeyPurpose::credentials);
  const auto a3 = first.sealer(storage, "acme", KeyPurpose::credentials);
  CHECK(a3->primary_version() == 3);
  const auto message = integrity_message([&] { a3->open(blob2, ctx); });
  CHECK(message.find("destroyed") != std::string::npos);
}

TEST_CASE("keyring: concurrent first use from many threads creates one version") {
  InMemoryKeyringStorage storage;
  Keyring shared(wrapping_key(7));
  Keyring other(wrapping_key(7));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      try {
        Keyring& keyring = (t % 2 == 0) ? shared : other;
        for (int i = 0; i < 50; ++i) {
          const auto sealer = keyring.sealer(storage, "acme", KeyPurpose::credentials);
          const auto blob = sealer->seal(bytes_of(secret_text), context_of("acme"));
          if (secret_view(sealer->open(blob, context_of("acme"))) != secret_text) ++failures;
        }
      } catch (...) {
        ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  CHECK(storage.load_keys("acme", KeyPurpose::credentials).size() == 1);
}

TEST_CASE("keyring: InMemoryKeyringStorage keeps its contract") {
  InMemoryKeyringStorage storage;
  WrappedKey key;
  key.tenant = "acme";
  key.version = 2;
  key.wrapped = std::vector<std::uint8_t>(60, 0xab);
  storage.insert_key(key);
  key.version = 1;
  storage.insert_key(key);

  SUBCASE("duplicate insert is ALREADY_EXISTS") {
    try {
      storage.insert_key(key);
      FAIL("expected ALREADY_EXISTS");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::already_exists);
    }
  }
  SUBCASE("loads ascending, filtered by tenant and purpose") {
    const auto loaded = storage.load_keys("acme", KeyPurpose::credentials);
    REQUIRE(loaded.size() == 2);
    CHECK(loaded[0].version == 1);
    CHECK(loaded[1].version == 2);
    CHECK(storage.load_keys("acme", KeyPurpose::audit).empty());
    CHECK(storage.load_keys("acm", KeyPurpose::credentials).empty());
  }
  SUBCASE("destroy erases the wrapped bytes; a destroyed key stays destroyed") {
    storage.destroy_key("acme", KeyPurpose::credentials, 1);
    const auto loaded = storage.load_keys("acme", KeyPurpose::credentials);
    CHECK(loaded[0].state == KeyState::destroyed);
    CHECK(loaded[0].wrapped.empty());
    CHECK(loaded[1].wrapped.size() == 60);
    try {
      storage.set_key_state("acme", KeyPurpose::credentials, 1, KeyState::primary);
      FAIL("expected FAILED_PRECONDITION");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::failed_precondition);
    }
  }
  SUBCASE("missing keys are NOT_FOUND") {
    try {
      storage.destroy_key("acme", KeyPurpose::credentials, 9);
      FAIL("expected NOT_FOUND");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::not_found);
    }
  }
}
