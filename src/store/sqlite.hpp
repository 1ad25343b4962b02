// Thin RAII owners over the SQLCipher C API: a Connection owns a sqlite3*, a
// Statement owns a prepared sqlite3_stmt* (SQLiteCpp's shape). Both are
// movable, non-copyable, and used by one thread at a time. SQLite result
// codes become linkvault::Error here and nowhere else in the store.
#pragma once

#include "linkvault/error.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace linkvault::sql {

// How long a connection waits for other connections' locks by default
// (OpenOptions::busy_timeout_ms), in SQLite's busy handler and in retries.
inline constexpr int default_busy_timeout_ms = 5000;

// Maps a SQLite result code to an ErrorCode (BUSY, IO, WRONG_KEY, ...).
ErrorCode error_code_for(int sqlite_result) noexcept;
[[noreturn]] void throw_sqlite(int result, sqlite3* db, std::string_view what);

// The pause before retry number `attempt` + 1 (5 ms, 10 ms, ...).
void pause_before_retry(int attempt) noexcept;

// Runs `step` again while it fails with Error(BUSY): the busy handler gave
// up, or SQLite reported BUSY without calling it (it does so where waiting
// could deadlock). Retries until `budget` has passed since the first run,
// with a short pause between, then fails with the last BUSY; the busy
// handler inside one run waits at most the connection's timeout, so the whole
// takes at most about budget + one timeout. `step` must be safe to run again.
template <typename Step>
auto retry_while_busy(Step&& step, std::chrono::milliseconds budget) -> decltype(step()) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (int attempt = 1;; ++attempt) {
    try {
      return step();
    } catch (const Error& error) {
      if (error.code() != ErrorCode::busy || std::chrono::steady_clock::now() >= deadline) {
        throw;
      }
    }
    pause_before_retry(attempt);
  }
}

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::span<const std::uint8_t> blob);
  // A REAL (a distinct name: an int argument would be ambiguous between
  // the integer and the floating overloads).
  Statement& bind_real(int index, double value);
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // true while a row is available; false when done.
  bool step();
  // Runs to completion, expecting no rows.
  void run();
  // Clears bindings and rewinds, ready for reuse.
  void reset() noexcept;

  bool is_null(int column) const;
  std::int64_t column_int(int column) const;
  double column_real(int column) const;
  std::string column_text(int column) const;
  std::string_view column_text_view(int column) const;
  std::optional<std::string> column_optional_text(int column) const;
  std::optional<std::int64_t> column_optional_int(int column) const;
  std::vector<std::uint8_t> column_blob(int column) const;

  // The extended result code of the last failed step (for constraint checks).
  int last_result() const noexcept { return last_result_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_;
  int last_result_ = 0;
};

// A borrowed cached statement; rewound and unbound when the lease ends, so no
// statement keeps a read snapshot open past the code that used it.
class StatementLease {
 public:
  explicit StatementLease(Statement& statement) noexcept : statement_(&statement) {}
  ~StatementLease() { statement_->reset(); }
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;
  Statement* operator->() const noexcept { return statement_; }
  Statement& operator*() const noexcept { return *statement_; }

 private:
  Statement* statement_;
};

enum class Access { read_only, read_write, read_write_create };

class Connection {
 public:
  // Opens the file (read_write_create: creating it if missing); no key is
  // applied yet. The busy handler (waiting up to busy_timeout_ms per call)
  // is set before anything else runs.
  Connection(const std::string& path, Access access,
             int busy_timeout_ms = default_busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const noexcept { return db_; }
  // The usual wait for another connection's lock.
  int busy_timeout_ms() const noexcept { return busy_timeout_ms_; }
  // How long the busy handler waits from now on (0: not at all); restore
  // the usual one with set_lock_wait_ms(busy_timeout_ms()).
  void set_lock_wait_ms(int milliseconds) noexcept { lock_wait_ms_ = milliseconds; }
  void exec(const char* sql);
  // Checkpoints the -wal when the caller says, not inside COMMIT: replaces
  // SQLite's auto-checkpoint (which runs in the committing call, while the
  // committing thread still holds the process's writer turn) with a count
  // of the log's pages after each commit, kept in `wal_pages`.
  void defer_checkpoints(std::atomic<int>& wal_pages) noexcept;
  // A PASSIVE checkpoint (it never waits for or blocks writers); best
  // effort, as the auto-checkpoint is.
  void checkpoint_passive() noexcept;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const noexcept;
  // A prepared statement kept for this connection's lifetime, reset and with
  // cleared bindings on each borrow. `sql` must be a string literal (its
  // address is the cache key).
  StatementLease cached(const char* sql);

 private:
  // SQLite's busy handler: true to try again after a short sleep.
  static int on_busy(void* connection, int count) noexcept;
  static int on_wal_commit(void* connection, sqlite3* db, const char* name, int pages) noexcept;

  sqlite3* db_ = nullptr;
  int busy_timeout_ms_;
  int lock_wait_ms_;
  std::chrono::steady_clock::time_point busy_since_;
  std::atomic<int>* wal_pages_ = nullptr;  // see defer_checkpoints()
  std::unordered_map<const char*, std::unique_ptr<Statement>> cache_;
};

}  // namespace linkvault::sql
