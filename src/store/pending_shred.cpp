#include "store/pending_shred.hpp"

#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <botan/hex.h>
#include <botan/system_rng.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace linkvault::shred {

namespace {

// Sets a connection's busy timeout for one scope, then restores the usual one.
class BusyTimeoutScope {
 public:
  BusyTimeoutScope(sql::Connection& connection, int milliseconds) noexcept
      : connection_(connection) {
    connection_.set_lock_wait_ms(milliseconds);
  }
  ~BusyTimeoutScope() { connection_.set_lock_wait_ms(connection_.busy_timeout_ms()); }
  BusyTimeoutScope(const BusyTimeoutScope&) = delete;
  BusyTimeoutScope& operator=(const BusyTimeoutScope&) = delete;

 private:
  sql::Connection& connection_;
};

std::optional<std::string> read_marker(sql::Connection& connection) {
  sql::Statement marker(connection.handle(),
                        "SELECT value FROM meta WHERE key = 'shred_pending'");
  if (!marker.step()) return std::nullopt;
  return marker.column_text(0);
}

// TRUNCATE copies every frame into the file, then cuts the -wal to zero
// bytes, so no old frame survives even where later frames would not reach.
// It fails (BUSY) while a reader still uses a snapshot older than the log's
// end; SQLite then checkpoints only part of the log, so the frame counts are
// checked too, not only the result code.
bool checkpoint_whole_log(sqlite3* db) noexcept {
  int log_frames = -1;
  int checkpointed_frames = -1;
  const int result = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE,
                                               &log_frames, &checkpointed_frames);
  return result == SQLITE_OK && log_frames >= 0 && checkpointed_frames == log_frames;
}

}  // namespace

void mark_pending(sql::Connection& connection) {
  std::array<std::uint8_t, 16> id{};
  Botan::system_rng().randomize(id.data(), id.size());
  // No UPSERT on SQLite 3.15; meta's key is its primary key, so REPLACE
  // overwrites an older purge's marker (this shred covers that one too).
  sql::Statement mark(connection.handle(),
                      "INSERT OR REPLACE INTO meta (key, value) VALUES ('shred_pending', ?1)");
  mark.bind(1, Botan::hex_encode(id.data(), id.size(), false)).run();
}

bool finish_pending(sql::Connection& connection, Wait wait) noexcept {
  try {
    // Read before the checkpoint: a marker seen here belongs to a purge that
    // committed before the checkpoint began, so the checkpoint covers it.
    const auto marker = read_marker(connection);
    if (!marker) return true;
    bool complete = false;
    {
      const BusyTimeoutScope timeout(connection,
                                     wait == Wait::bounded ? connection.busy_timeout_ms() : 0);
      complete = checkpoint_whole_log(connection.handle());
    }
    if (!complete) return false;
    // Only this marker: one written meanwhile by a later purge stays.
    sql::Statement clear(connection.handle(),
                         "DELETE FROM meta WHERE key = 'shred_pending' AND value = ?1");
    clear.bind(1, *marker).run();
    const bool cleared = connection.changes() == 1 || !read_marker(connection);
    // The delete wrote one frame (the meta page, no key in it); checkpoint
    // once more, without waiting, so a finished shred leaves an empty -wal.
    {
      const BusyTimeoutScope timeout(connection, 0);
      checkpoint_whole_log(connection.handle());
    }
    return cleared;
  } catch (...) {
    return false;  // the marker stays; the next attempt tries again
  }
}

}  // namespace linkvault::shred
