#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace linkvault::sql {

ErrorCode error_code_for(int sqlite_result) noexcept {
  switch (sqlite_result & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorCode::busy;
    case SQLITE_NOTADB: return ErrorCode::wrong_key;
    case SQLITE_CORRUPT: return ErrorCode::integrity;
    case SQLITE_CONSTRAINT: return ErrorCode::conflict;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL: return ErrorCode::io;
    default: return ErrorCode::internal;  // SQLITE_NOMEM, SQLITE_MISUSE, ...
  }
}

void throw_sqlite(int result, sqlite3* db, std::string_view what) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(result);
  throw Error(error_code_for(result),
              fmt::format("storage error during {}: {} (SQLite code {})", what,
                          detail, result));
}

void pause_before_retry(int attempt) noexcept {
  std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db), statement_(nullptr) {
  const int result = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()),
                                        &statement_, nullptr);
  if (result != SQLITE_OK) throw_sqlite(result, db, "prepare");
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), statement_(other.statement_), last_result_(other.last_result_) {
  other.statement_ = nullptr;
}

Statement& Statement::bind(int index, std::string_view text) {
  const int result = sqlite3_bind_text(statement_, index, text.data(),
                                       static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (result != SQLITE_OK) throw_sqlite(result, db_, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int result = sqlite3_bind_int64(statement_, index, value);
  if (result != SQLITE_OK) throw_sqlite(result, db_, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::span<const std::uint8_t> blob) {
  // A zero-length blob is still a blob, not NULL.
  static const std::uint8_t empty = 0;
  const int result = sqlite3_bind_blob(statement_, index,
                                       blob.empty() ? &empty : blob.data(),
                                       static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  if (result != SQLITE_OK) throw_sqlite(result, db_, "bind");
  return *this;
}

Statement& Statement::bind_real(int index, double value) {
  const int result = sqlite3_bind_double(statement_, index, value);
  if (result != SQLITE_OK) throw_sqlite(result, db_, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int result = sqlite3_bind_null(statement_, index);
  if (result != SQLITE_OK) throw_sqlite(result, db_, "bind");
  return *this;
}

bool Statement::step() {
  last_result_ = sqlite3_step(statement_);
  if (last_result_ == SQLITE_ROW) return true;
  if (last_result_ == SQLITE_DONE) return false;
  last_result_ = sqlite3_extended_errcode(db_);
  throw_sqlite(last_result_, db_, "query");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() noexcept {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

std::int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(statement_, column);
}

double Statement::column_real(int column) const {
  return sqlite3_column_double(statement_, column);
}

std::string_view Statement::column_text_view(int column) const {
  const auto* text = sqlite3_column_text(statement_, column);
  const int size = sqlite3_column_bytes(statement_, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::string Statement::column_text(int column) const {
  return std::string(column_text_view(column));
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_text(column);
}

std::optional<std::int64_t> Statement::column_optional_int(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_int(column);
}

std::vector<std::uint8_t> Statement::column_blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_, column));
  const int size = sqlite3_column_bytes(statement_, column);
  if (data == nullptr || size <= 0) return {};
  return {data, data + size};
}

Connection::Connection(const std::string& path, Access access, int busy_timeout_ms)
    : busy_timeout_ms_(busy_timeout_ms), lock_wait_ms_(busy_timeout_ms) {
  // NOMUTEX: a connection is used by one thread at a time (the pool's rule),
  // so SQLite's per-connection mutex would be pure overhead.
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (access) {
    case Access::read_only: flags |= SQLITE_OPEN_READONLY; break;
    case Access::read_write: flags |= SQLITE_OPEN_READWRITE; break;
    case Access::read_write_create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
  }
  const int result = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (result != SQLITE_OK) {
    std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(result);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(ErrorCode::io, fmt::format("cannot open vault file '{}': {}", path, detail));
  }
  sqlite3_extended_result_codes(db_, 1);
  // Wait for other connections' locks from the very first statement: the
  // key check, the switch to WAL and the migrations meet other processes'
  // recoveries, checkpoints and writes like any other call does. (Set as a
  // PRAGMA after the key check, it left those to fail at once with BUSY.)
  sqlite3_busy_handler(db_, &Connection::on_busy, this);
}

int Connection::on_busy(void* context, int count) noexcept {
  // SQLite's own handler (sqlite3_busy_timeout) sleeps 1, 2, 5, 10, 15, 20,
  // 25 ... 100 ms between tries. A writer here holds the lock well under a
  // millisecond, so under contention that schedule sleeps long after the
  // lock is free: with 4 workers claiming jobs, p99 waits of 35-55 ms. Short
  // sleeps first, longer ones only when the wait goes on.
  using namespace std::chrono;
  auto* connection = static_cast<Connection*>(context);
  const auto now = steady_clock::now();
  if (count == 0) connection->busy_since_ = now;
  const auto left = milliseconds(connection->lock_wait_ms_) - (now - connection->busy_since_);
  if (left <= steady_clock::duration::zero()) return 0;
  const steady_clock::duration pause = count < 20    ? microseconds(100)
                                       : count < 200 ? microseconds(500)
                                                     : milliseconds(2);
  std::this_thread::sleep_for(std::min(pause, left));
  return 1;
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the close
  sqlite3_close_v2(db_);
}

void Connection::exec(const char* sql) {
  char* message = nullptr;
  const int result = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (result != SQLITE_OK) {
    std::string detail = message != nullptr ? message : sqlite3_errstr(result);
    sqlite3_free(message);
    throw Error(error_code_for(result),
                fmt::format("storage error: {} (SQLite code {})", detail, result));
  }
}

void Connection::defer_checkpoints(std::atomic<int>& wal_pages) noexcept {
  wal_pages_ = &wal_pages;
  sqlite3_wal_hook(db_, &Connection::on_wal_commit, this);
}

int Connection::on_wal_commit(void* context, sqlite3*, const char*, int pages) noexcept {
  static_cast<Connection*>(context)->wal_pages_->store(pages);
  return SQLITE_OK;
}

void Connection::checkpoint_passive() noexcept {
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

std::int64_t Connection::changes() const noexcept { return sqlite3_changes(db_); }

StatementLease Connection::cached(const char* sql) {
  auto found = cache_.find(sql);
  if (found == cache_.end()) {
    found = cache_.emplace(sql, std::make_unique<Statement>(db_, sql)).first;
  }
  return StatementLease(*found->second);
}

}  // namespace linkvault::sql
