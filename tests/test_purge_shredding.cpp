// purge_tenant's crypto-shredding survives a crash: a process killed after
// the purge committed but before its checkpoint could push the old page
// images out leaves no copy of the destroyed keys once the vault is used
// again. Checked on the decrypted content of every page of the file and
// every frame of the -wal.
#include "sqlcipher_pages.hpp"
#include "vault_fixture.hpp"
#include "vault/vault_access.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdint>
#include <sys/wait.h>
#include <unistd.h>

// About shredding in the SQLCipher file's pages and -wal: not run on PostgreSQL.
TEST_SUITE_BEGIN("sqlcipher");

using namespace linkvault;
using namespace linkvault::testing;

namespace {

// Whole-buffer pipe I/O; false on a short read (the writer died).
bool write_all(int fd, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t written = ::write(fd, bytes, size);
    if (written <= 0) return false;
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t size) {
  auto* bytes = static_cast<std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t got = ::read(fd, bytes, size);
    if (got <= 0) return false;
    bytes += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

// Every decrypted page image of the vault file and of its -wal.
std::vector<PageImage> decrypted_images(const std::string& path, const MasterSecret& master) {
  const auto file = read_file(path);
  REQUIRE(file.size() >= SqlCipherPageReader::page_size);
  FileSalt salt{};
  std::copy_n(file.begin(), salt.size(), salt.begin());
  const SqlCipherPageReader reader(master.derive_vault_keys(salt).database_key, file);
  REQUIRE(reader.understood());
  auto images = reader.file_pages(file);
  const auto wal = reader.wal_frames(read_file(path + "-wal"));
  images.insert(images.end(), wal.begin(), wal.end());
  return images;
}

std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

// How many "shred pending" markers the vault's meta table holds (0 or 1).
std::int64_t shred_markers(Vault& vault) {
  auto raw = dynamic_cast<SqlCipherStore&>(VaultAccess::core(vault)->store()).open_connection();
  sql::Statement count(raw->handle(), "SELECT count(*) FROM meta WHERE key = 'shred_pending'");
  count.step();
  return count.column_int(0);
}

std::vector<std::vector<std::uint8_t>> wrapped_keys_of(sql::Connection& raw, std::string_view tenant) {
  sql::Statement keys(raw.handle(), "SELECT wrapped FROM keyring WHERE tenant = ?1");
  keys.bind(1, tenant);
  std::vector<std::vector<std::uint8_t>> wrapped;
  while (keys.step()) wrapped.push_back(keys.column_blob(0));
  return wrapped;
}

// The child: connects "victim", reads its wrapped keys through a raw
// connection, pins a read snapshot on a second connection (so the purge's
// checkpoint cannot finish), purges, sends the wrapped keys, then waits to
// be killed. Never returns.
[[noreturn]] void purge_then_wait_for_the_kill(const std::string& path, const MasterSecret& master,
                                               int report_fd) {
  int status = 1;
  try {
    Vault vault = Vault::open(path, master);
    auto victim = vault.tenant("victim");
    ConnectOptions options;
    options.name = "victim-slack";
    victim.connect(admin, "slack", creds({{"bot_token", "xoxb-victim-0000000000"}}), options);

    auto& store = dynamic_cast<SqlCipherStore&>(VaultAccess::core(vault)->store());
    auto raw = store.open_connection();
    const auto wrapped = wrapped_keys_of(*raw, "victim");
    auto reader = store.open_connection();
    reader->exec("BEGIN");
    {
      sql::Statement pin(reader->handle(), "SELECT count(*) FROM keyring");
      pin.step();
    }

    vault.purge_tenant(admin, "victim");

    const auto count = static_cast<std::uint32_t>(wrapped.size());
    bool sent = write_all(report_fd, &count, sizeof count);
    for (const auto& key : wrapped) {
      const auto size = static_cast<std::uint32_t>(key.size());
      sent = sent && write_all(report_fd, &size, sizeof size) &&
             write_all(report_fd, key.data(), key.size());
    }
    if (sent) {
      for (;;) pause();  // the parent SIGKILLs us here: the crash
    }
  } catch (...) {
    status = 2;
  }
  _exit(status);
}

}  // namespace

TEST_CASE("a crash after purge_tenant commits leaves no copy of the destroyed keys") {
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/shred.vault";
  const MasterSecret master = random_master();
  std::string keeper_id;
  {
    Vault vault = Vault::open(path, master);
    auto keeper = vault.tenant("keeper");
    ConnectOptions options;
    options.name = "keeper-slack";
    keeper_id = keeper.connect(admin, "slack", creds({{"bot_token", "xoxb-keeper-00000000"}}),
                               options).id;
  }

  int report[2];
  REQUIRE(pipe(report) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(report[0]);
    purge_then_wait_for_the_kill(path, master, report[1]);
  }
  close(report[1]);
  std::vector<std::vector<std::uint8_t>> wrapped;
  std::uint32_t count = 0;
  bool received = read_all(report[0], &count, sizeof count) && count < 16;
  for (std::uint32_t n = 0; received && n < count; ++n) {
    std::uint32_t size = 0;
    received = read_all(report[0], &size, sizeof size) && size < 4096;
    std::vector<std::uint8_t> key(size);
    received = received && read_all(report[0], key.data(), key.size());
    wrapped.push_back(std::move(key));
  }
  close(report[0]);

  // The state the crash leaves: the purge committed, the old page images
  // are still on disk. Seeing the keys here proves the page reader works on
  // exactly the bytes the test then must not find.
  if (received) {
    const auto pending = decrypted_images(path, master);
    for (const auto& key : wrapped) CHECK_FALSE(places_holding(pending, key).empty());
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(received);
  CHECK(WIFSIGNALED(status));
  REQUIRE(count == 2);  // the credentials key and the audit key
  for (const auto& key : wrapped) REQUIRE(key.size() > 32);

  // A host process keeps the vault open throughout (so no close ever
  // checkpoints for us); another opens it and writes 20 times.
  Vault host = Vault::open(path, master);
  {
    Vault worker = Vault::open(path, master);
    auto keeper = worker.tenant("keeper");
    for (int n = 0; n < 20; ++n) keeper.mark_error(admin, keeper_id, "after purge " + std::to_string(n));
    worker.close();
  }
  const auto check_no_key_anywhere = [&](const std::string& when) {
    CAPTURE(when);
    const auto images = decrypted_images(path, master);
    // The reader sees live rows (so finding nothing below means something).
    CHECK_FALSE(places_holding(images, bytes_of(keeper_id)).empty());
    for (const auto& key : wrapped) {
      const auto places = places_holding(images, key);
      for (const auto& place : places) MESSAGE("destroyed key found in " << place);
      CHECK(places.empty());
    }
  };
  check_no_key_anywhere("with another process still holding the vault open");
  host.close();
  check_no_key_anywhere("after every process closed the vault");

  Vault after = Vault::open(path, master);
  CHECK(shred_markers(after) == 0);
  CHECK(after.verify_audit().ok);
  CHECK(after.tenant("victim").list().empty());
  CHECK(after.tenant("keeper").list().size() == 1);
  after.close();
  std::filesystem::remove_all(dir);
}

TEST_CASE("a shred that readers pinned at purge time finishes with the next write") {
  VaultFixture f;
  auto victim = f.vault.tenant("victim");
  f.connect_slack(victim, "victim-slack", "xoxb-victim-1111111111");
  auto keeper = f.vault.tenant("keeper");
  const auto kept = f.connect_slack(keeper, "keeper-slack", "xoxb-keeper-1111111111");
  auto raw = f.raw();
  const auto wrapped = wrapped_keys_of(*raw, "victim");
  REQUIRE(wrapped.size() == 2);

  // A reader holds a snapshot from before the purge: its checkpoint cannot
  // finish, the purge still succeeds and the marker stays.
  auto reader = f.raw();
  reader->exec("BEGIN");
  sql::Statement(reader->handle(), "SELECT count(*) FROM keyring").step();
  const auto report = f.vault.purge_tenant(admin, "victim");
  CHECK(report.keys == 2);
  CHECK(shred_markers(f.vault) == 1);
  {
    const auto pinned = decrypted_images(f.path, f.master);
    for (const auto& key : wrapped) CHECK_FALSE(places_holding(pinned, key).empty());
  }

  // Once the reader is done, the purging process's next write finishes it.
  reader->exec("COMMIT");
  keeper.mark_error(admin, kept.id, "a later write");
  CHECK(shred_markers(f.vault) == 0);
  const auto images = decrypted_images(f.path, f.master);
  CHECK_FALSE(places_holding(images, bytes_of(kept.id)).empty());
  for (const auto& key : wrapped) CHECK(places_holding(images, key).empty());
}

TEST_SUITE_END();
