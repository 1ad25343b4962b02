// Opening a vault in the states real hosts leave it in: after a writer was
// killed (a -wal beside the file), and while other processes open, write and
// close it at the same moment.
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

// About opening the SQLCipher file (-wal recovery, salt races): not run on PostgreSQL.
TEST_SUITE_BEGIN("sqlcipher");

using namespace linkvault;
using namespace linkvault::testing;

namespace {

std::uintmax_t size_or_zero(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : size;
}

// A child's exit code, or -1 if it did not exit normally.
int exit_code(pid_t child) {
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// True once the other end of the pipe is closed (the parent's "stop").
bool stop_requested(int fd) {
  pollfd poll_fd{fd, POLLIN, 0};
  return ::poll(&poll_fd, 1, 0) > 0;
}

}  // namespace

TEST_CASE("a wrong key leaves a crashed vault's file and -wal byte-for-byte unchanged") {
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/crashed.vault";
  const std::string wal = path + "-wal";
  const MasterSecret master = random_master();
  std::string integration_id;
  {
    Vault vault = Vault::open(path, master);
    auto tenant = vault.tenant("acme");
    integration_id = tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-crash-0000000000"}})).id;
  }
  REQUIRE_FALSE(std::filesystem::exists(wal));  // the clean close checkpointed

  // A writer killed mid-loop: the common crash state.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      Vault vault = Vault::open(path, master);
      auto tenant = vault.tenant("acme");
      for (int n = 0;; ++n) tenant.mark_error(admin, integration_id, "loop " + std::to_string(n));
    } catch (...) {
    }
    _exit(1);
  }
  // Wait (bounded) for a WAL of a few dozen frames, then kill.
  for (int wait = 0; wait < 2000 && size_or_zero(wal) < 256 * 1024; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(size_or_zero(wal) > 0);

  const auto file_before = read_file(path);
  const auto wal_before = read_file(wal);
  CHECK(code_of([&] { Vault::open(path, random_master()); }) == ErrorCode::wrong_key);
  CHECK(code_of([&] {
          Vault::open(path, MasterSecret::from_passphrase(make_secret("not the passphrase")));
        }) == ErrorCode::wrong_key);

  CHECK(std::filesystem::exists(wal));
  CHECK(std::filesystem::exists(path + "-shm"));
  CHECK(read_file(path).size() == file_before.size());
  CHECK(read_file(path) == file_before);
  CHECK(read_file(wal).size() == wal_before.size());
  CHECK(read_file(wal) == wal_before);

  // The right key still opens it, with every committed entry intact.
  Vault vault = Vault::open(path, master);
  const auto report = vault.verify_audit();
  CHECK(report.ok);
  CHECK(report.checked > 1);
  vault.close();
  std::filesystem::remove_all(dir);
}

TEST_CASE("processes opening a vault at once while another writes all succeed") {
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/busy.vault";
  const MasterSecret master = random_master();
  {
    Vault vault = Vault::open(path, master);
    auto tenant = vault.tenant("acme");
    tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-busy-00000000000"}}));
  }

  // The writer: opens the vault, holds a write transaction ~200 ms, commits,
  // closes (its close may be the last and checkpoint), again, until stopped.
  int stop[2];
  REQUIRE(pipe(stop) == 0);
  const pid_t writer = fork();
  REQUIRE(writer >= 0);
  if (writer == 0) {
    int code = 0;
    try {
      close(stop[1]);
      for (int round = 0; !stop_requested(stop[0]); ++round) {
        StoreOptions options;
        options.create = false;
        auto store = SqlCipherStore::open(path, options, [&](const FileSalt& salt) {
          return master.derive_vault_keys(salt).database_key;
        });
        auto connection = store->open_connection();
        connection->exec("BEGIN IMMEDIATE");
        sql::Statement note(connection->handle(),
                            "UPDATE tenants SET max_integrations = ?1 WHERE tenant = 'acme'");
        note.bind(1, std::int64_t{1000 + round}).run();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        connection->exec("COMMIT");
      }
    } catch (const std::exception& error) {
      std::fprintf(stderr, "writer: %s\n", error.what());
      code = 1;
    } catch (...) {
      code = 1;
    }
    _exit(code);
  }
  close(stop[0]);

  // The openers start together on one byte each from the start pipe.
  constexpr int processes = 6;
  constexpr int opens = 20;
  int start[2];
  REQUIRE(pipe(start) == 0);
  std::vector<pid_t> openers;
  for (int p = 0; p < processes; ++p) {
    const pid_t opener = fork();
    REQUIRE(opener >= 0);
    if (opener == 0) {
      int failures = 0;
      try {
        close(start[1]);
        close(stop[1]);
        char go = 0;
        if (::read(start[0], &go, 1) != 1) _exit(100);
        for (int n = 0; n < opens; ++n) {
          try {
            Vault vault = Vault::open(path, master, OpenOptions{false});
            if (vault.tenant("acme").list().size() != 1) ++failures;
            vault.close();
          } catch (const std::exception& error) {
            std::fprintf(stderr, "opener %d, open %d: %s\n", p, n, error.what());
            ++failures;
          }
        }
      } catch (...) {
        failures = opens;
      }
      _exit(failures);
    }
    openers.push_back(opener);
  }
  close(start[0]);
  const std::string go(processes, 'g');
  REQUIRE(::write(start[1], go.data(), go.size()) == static_cast<ssize_t>(go.size()));
  close(start[1]);

  int failed_opens = 0;
  for (const pid_t opener : openers) {
    const int code = exit_code(opener);
    CHECK(code >= 0);
    failed_opens += code < 0 ? opens : code;
  }
  close(stop[1]);  // stop the writer after its current round
  CHECK(exit_code(writer) == 0);
  CHECK(failed_opens == 0);

  Vault vault = Vault::open(path, master);
  CHECK(vault.verify_audit().ok);
  vault.close();
  std::filesystem::remove_all(dir);
}

TEST_CASE("processes creating the same new vault at once agree on one file") {
  // Each would otherwise pick its own salt for the empty path, and all but
  // one would then fail with WRONG_KEY.
  constexpr int processes = 6;
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/new.vault";
  const MasterSecret master = random_master();
  int go[2];
  REQUIRE(::pipe(go) == 0);
  std::vector<pid_t> children;
  for (int n = 0; n < processes; ++n) {
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      int status = 0;
      try {
        ::close(go[1]);
        char start = 0;
        if (::read(go[0], &start, 1) < 0) _exit(3);  // all start together
        Vault vault = Vault::open(path, master);
        auto tenant = vault.tenant("t" + std::to_string(n));
        tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-created-together-0000"}}));
      } catch (...) {
        status = 1;
      }
      _exit(status);
    }
    children.push_back(child);
  }
  ::close(go[0]);
  ::close(go[1]);  // EOF releases every child at once
  int failed = 0;
  for (const pid_t child : children) failed += exit_code(child) == 0 ? 0 : 1;
  CHECK(failed == 0);

  Vault vault = Vault::open(path, master);
  for (int n = 0; n < processes; ++n) {
    CAPTURE(n);
    CHECK(vault.tenant("t" + std::to_string(n)).list().size() == 1);
  }
  CHECK(vault.verify_audit().ok);
  vault.close();
  std::filesystem::remove_all(dir);
}

TEST_SUITE_END();
