// Shared helpers for the vault suites: a fresh vault (a file in a temp
// directory, or a fresh PostgreSQL schema: test_location.hpp), actors of
// each role, raw SQL on the stored rows for tampering (raw_sql.hpp).
#pragma once

#include "linkvault/linkvault.hpp"
#include "raw_sql.hpp"
#include "store/sqlcipher_store.hpp"
#include "store/sqlite.hpp"
#include "test_location.hpp"
#include "vault/vault_access.hpp"

#include <botan/system_rng.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace linkvault::testing {

inline std::string make_temp_dir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "linkvault-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

inline bool contains(const std::vector<std::uint8_t>& haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

inline MasterSecret random_master() {
  SecretBytes key(32);
  Botan::system_rng().randomize(key.data(), key.size());
  return MasterSecret::from_key(std::move(key));
}

inline Credentials creds(std::initializer_list<std::pair<const char*, const char*>> fields) {
  Credentials out;
  for (const auto& [name, value] : fields) out.emplace(name, make_secret(value));
  return out;
}

// The ErrorCode an operation throws, or ok.
inline ErrorCode code_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const Error& error) {
    return error.code();
  }
  return ErrorCode::ok;
}

inline const Actor admin{"u-admin", "Alice Admin", Role::admin};
inline const Actor member{"u-member", "Mo Member", Role::member};
inline const Actor system_actor{"svc-sync", "Sync Service", Role::system};

// Options for a vault whose time is `clock`.
inline OpenOptions options_with(std::shared_ptr<const Clock> clock) {
  OpenOptions options;
  options.clock = std::move(clock);
  return options;
}

struct VaultFixture {
  std::string dir = make_temp_dir();
  std::string path = test_vault_location(dir);  // a file, or a PostgreSQL URI
  MasterSecret master = random_master();
  // The vault's time: moves only when a test moves it.
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  Vault vault = Vault::open(path, master, options_with(clock));

  ~VaultFixture() {
    vault.close();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  // A keyed raw connection to the same file, for tampering and inspection
  // (SQLCipher only: the tests that use it are in test suite "sqlcipher").
  std::unique_ptr<sql::Connection> raw() {
    auto& store = dynamic_cast<SqlCipherStore&>(VaultAccess::core(vault)->store());
    return store.open_connection();
  }

  // Raw SQL on either backend, in `tenant`'s context (raw_sql.hpp).
  std::int64_t raw_exec(std::string_view tenant, const std::vector<std::string>& statements,
                        const std::vector<RawValue>& params = {}) {
    return testing::raw_exec(vault, path, tenant, statements, params);
  }
  std::vector<std::optional<std::string>> raw_texts(std::string_view tenant,
                                                    const std::string& query,
                                                    const std::vector<RawValue>& params = {}) {
    return testing::raw_texts(vault, path, tenant, query, params);
  }
  std::optional<std::vector<std::uint8_t>> raw_blob(std::string_view tenant,
                                                    const std::string& query,
                                                    const std::vector<RawValue>& params = {}) {
    return testing::raw_blob(vault, path, tenant, query, params);
  }

  Integration connect_slack(Tenant& tenant, const char* name = "default",
                            const char* token = "xoxb-1234567890-abcdefghij") {
    ConnectOptions options;
    options.name = name;
    return tenant.connect(admin, "slack", creds({{"bot_token", token}}), options);
  }
};

}  // namespace linkvault::testing
