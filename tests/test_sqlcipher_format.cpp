// The database file's encryption, read back with Botan alone from what
// docs/FORMAT.md ("Database file") says: the page key from HKDF, the HMAC key
// from PBKDF2-HMAC-SHA1, AES-256-CBC pages and their HMAC-SHA1. No SQLite or
// SQLCipher call reads the bytes, so a second implementation written from
// the document reads what these tests read.
#include "sqlcipher_pages.hpp"
#include "vault_fixture.hpp"

#include <botan/kdf.h>
#include <botan/mac.h>
#include <botan/pwdhash.h>
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

// About the SQLCipher file format: not run on PostgreSQL.
TEST_SUITE_BEGIN("sqlcipher");

using namespace linkvault;
using namespace linkvault::testing;

namespace {

// docs/FORMAT.md "Database file", as constants.
constexpr std::size_t page_size = 4096;
constexpr std::size_t salt_size = 16;
constexpr std::size_t reserve_size = 48;  // 16 IV + 20 HMAC + 12 random
constexpr std::size_t iv_offset = page_size - reserve_size;
constexpr std::size_t hmac_offset = iv_offset + 16;
constexpr std::size_t hmac_size = 20;
constexpr std::uint8_t hmac_salt_mask = 0x3a;
constexpr std::size_t hmac_kdf_rounds = 2;

struct RawKeyVault {
  std::string dir = make_temp_dir();
  std::string path = dir + "/format.vault";
  SecretBytes raw_key = SecretBytes(32);

  RawKeyVault() { Botan::system_rng().randomize(raw_key.data(), raw_key.size()); }
  ~RawKeyVault() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  MasterSecret master() const { return MasterSecret::from_key(raw_key); }

  // Enough rows to spread over several pages (tables, indexes, keyring).
  void fill(Vault& vault) const {
    for (const char* tenant_name : {"acme", "globex", "initech"}) {
      auto tenant = vault.tenant(tenant_name);
      for (int i = 0; i < 6; ++i) {
        ConnectOptions options;
        options.name = "workspace-" + std::to_string(i);
        tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-format-test-token"}}),
                       options);
      }
    }
  }
};

std::array<std::uint8_t, salt_size> salt_of(const std::vector<std::uint8_t>& file) {
  std::array<std::uint8_t, salt_size> salt{};
  std::copy_n(file.begin(), salt.size(), salt.begin());
  return salt;
}

// page key = HKDF-SHA256(raw key, salt = file salt, info = label, 32 bytes)
SecretBytes page_key_of(const SecretBytes& raw_key, const std::array<std::uint8_t, salt_size>& salt) {
  const std::string_view label = "linkvault/v1/sqlcipher-key";
  return Botan::KDF::create_or_throw("HKDF(SHA-256)")
      ->derive_key(32, raw_key.data(), raw_key.size(), salt.data(), salt.size(),
                   reinterpret_cast<const std::uint8_t*>(label.data()), label.size());
}

// HMAC key = PBKDF2-HMAC-SHA1(page key, file salt XOR mask, rounds, 32 bytes)
SecretBytes hmac_key_of(const SecretBytes& page_key, std::array<std::uint8_t, salt_size> salt,
                        std::uint8_t mask = hmac_salt_mask) {
  for (auto& byte : salt) byte ^= mask;
  SecretBytes key(32);
  Botan::PasswordHashFamily::create_or_throw("PBKDF2(SHA-1)")
      ->from_params(hmac_kdf_rounds)
      ->derive_key(key.data(), key.size(), reinterpret_cast<const char*>(page_key.data()),
                   page_key.size(), salt.data(), salt.size());
  return key;
}

enum class PageNumberOrder { little_endian, big_endian };

// HMAC-SHA1(HMAC key, page[start .. IV end) ‖ page number), start = 16 on page 1.
bool page_hmac_verifies(const SecretBytes& hmac_key, const std::uint8_t* page,
                        std::uint32_t number,
                        PageNumberOrder order = PageNumberOrder::little_endian) {
  const std::size_t start = number == 1 ? salt_size : 0;
  const std::array<std::uint8_t, 4> le{static_cast<std::uint8_t>(number),
                                       static_cast<std::uint8_t>(number >> 8),
                                       static_cast<std::uint8_t>(number >> 16),
                                       static_cast<std::uint8_t>(number >> 24)};
  const std::array<std::uint8_t, 4> be{le[3], le[2], le[1], le[0]};
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-1)");
  mac->set_key(hmac_key.data(), hmac_key.size());
  mac->update(page + start, hmac_offset - start);
  mac->update(order == PageNumberOrder::little_endian ? le.data() : be.data(), 4);
  const auto expected = mac->final();
  return expected.size() == hmac_size &&
         std::equal(expected.begin(), expected.end(), page + hmac_offset);
}

std::uint32_t u32be_at(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
  return (std::uint32_t{bytes[offset]} << 24) | (std::uint32_t{bytes[offset + 1]} << 16) |
         (std::uint32_t{bytes[offset + 2]} << 8) | bytes[offset + 3];
}

}  // namespace

TEST_CASE("database file: page 1 decrypts to SQLite's header after the salt, as FORMAT.md says") {
  RawKeyVault v;
  {
    Vault vault = Vault::open(v.path, v.master());
    v.fill(vault);
    vault.close();
  }
  const auto file = read_file(v.path);
  REQUIRE(file.size() >= 2 * page_size);
  CHECK(file.size() % page_size == 0);
  const auto salt = salt_of(file);
  CHECK_FALSE(std::equal(salt.begin(), salt.end(), "SQLite format 3"));

  const SqlCipherPageReader reader(page_key_of(v.raw_key, salt), file);
  REQUIRE(reader.understood());
  const auto pages = reader.file_pages(file);
  REQUIRE(pages.size() == file.size() / page_size);
  const auto& page1 = pages.front();
  REQUIRE(page1.plain.size() == page_size - reserve_size);

  // SQLite's header with its first 16 bytes ("SQLite format 3\0") replaced
  // by the salt: the decrypted bytes continue it from offset 16.
  std::vector<std::uint8_t> header(std::begin("SQLite format 3"), std::end("SQLite format 3"));
  REQUIRE(header.size() == 16);
  header.insert(header.end(), page1.plain.begin() + 16, page1.plain.end());
  CHECK((header[16] << 8 | header[17]) == page_size);  // page size, big-endian
  CHECK(header[18] == 2);                               // write version: WAL
  CHECK(header[19] == 2);                               // read version: WAL
  CHECK(header[20] == reserve_size);                    // reserved bytes per page
  CHECK(header[21] == 64);                              // payload fractions, fixed
  CHECK(header[22] == 32);
  CHECK(header[23] == 32);
  // The page count in the header is valid (its change counter matches) and
  // counts exactly the file's pages.
  CHECK(u32be_at(header, 92) == u32be_at(header, 24));
  CHECK(u32be_at(header, 28) == pages.size());
  // Text encoding UTF-8, and the schema version linkvault sets.
  CHECK(u32be_at(header, 56) == 1);
  CHECK(u32be_at(header, 60) == static_cast<std::uint32_t>(latest_schema_version()));
  // After the 100-byte header, sqlite_master's b-tree page: a table leaf or
  // interior page.
  CHECK((header[100] == 0x0D || header[100] == 0x05));
}

TEST_CASE("database file: every page's HMAC-SHA1 verifies exactly as FORMAT.md says") {
  RawKeyVault v;
  {
    Vault vault = Vault::open(v.path, v.master());
    v.fill(vault);
    vault.close();
  }
  const auto file = read_file(v.path);
  REQUIRE(file.size() >= 2 * page_size);
  const auto salt = salt_of(file);
  const auto page_key = page_key_of(v.raw_key, salt);
  const auto hmac_key = hmac_key_of(page_key, salt);

  std::size_t verified = 0;
  for (std::size_t offset = 0; offset + page_size <= file.size(); offset += page_size) {
    const auto number = static_cast<std::uint32_t>(offset / page_size + 1);
    if (page_hmac_verifies(hmac_key, file.data() + offset, number)) ++verified;
  }
  CHECK(verified == file.size() / page_size);

  // Each detail of the description matters: any other choice fails.
  CHECK_FALSE(page_hmac_verifies(hmac_key, file.data(), 1, PageNumberOrder::big_endian));
  CHECK_FALSE(page_hmac_verifies(hmac_key_of(page_key, salt, 0x00), file.data(), 1));
  CHECK_FALSE(page_hmac_verifies(hmac_key, file.data() + page_size, 1));  // page moved
  auto flipped = file;
  flipped[page_size + 100] ^= 0x01;
  CHECK_FALSE(page_hmac_verifies(hmac_key, flipped.data() + page_size, 2));
}

TEST_CASE("database file: -wal and -shm exist while open; WAL frames hold pages with the same HMAC") {
  RawKeyVault v;
  Vault vault = Vault::open(v.path, v.master());
  v.fill(vault);
  CHECK(std::filesystem::exists(v.path + "-wal"));
  CHECK(std::filesystem::exists(v.path + "-shm"));

  const auto file = read_file(v.path);
  const auto wal = read_file(v.path + "-wal");
  REQUIRE(file.size() >= page_size);
  const auto salt = salt_of(file);
  const auto hmac_key = hmac_key_of(page_key_of(v.raw_key, salt), salt);

  // WAL header 32 bytes; each frame a 24-byte header (page number first,
  // big-endian) then the encrypted page, the same bytes the file would hold.
  std::size_t frames = 0;
  std::size_t verified = 0;
  for (std::size_t offset = 32; offset + 24 + page_size <= wal.size(); offset += 24 + page_size) {
    const std::uint32_t number = u32be_at(wal, offset);
    ++frames;
    if (page_hmac_verifies(hmac_key, wal.data() + offset + 24, number)) ++verified;
  }
  CHECK(frames > 0);
  CHECK(verified == frames);

  vault.close();
  // The last connection to close checkpoints and removes both.
  CHECK_FALSE(std::filesystem::exists(v.path + "-wal"));
  CHECK_FALSE(std::filesystem::exists(v.path + "-shm"));
}

TEST_SUITE_END();
