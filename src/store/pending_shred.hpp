// Crypto-shredding that survives a crash (docs/SEMANTICS.md, "Keys and
// purging"). Destroying keys rewrites their keyring rows, but until a
// checkpoint has copied every frame into the file and cut the -wal to zero
// bytes, older page images in the file and in the -wal still hold the wrapped
// keys. So the purge's own transaction writes a marker row into `meta`, and
// the marker goes only once such a checkpoint has succeeded; a crash in
// between leaves the marker for the next open to act on.
#pragma once

namespace linkvault {

namespace sql {
class Connection;
}

namespace shred {

// Inside the purge's write transaction: records that a shred is pending.
// Each purge writes a fresh random value, so finishing one purge's shred
// never clears the marker of a purge that committed after it began.
void mark_pending(sql::Connection& connection);

enum class Wait {
  bounded,  // let the busy handler wait for the writer lock and for readers
  none,     // one attempt, no waiting (at open, after later writes)
};

// Outside any transaction: if a shred is pending, checkpoints (TRUNCATE) and
// clears the marker when the whole log was checkpointed. True when no shred
// is pending any more; false when it could not finish (readers still hold
// snapshots older than the purge, or any error): the marker stays.
bool finish_pending(sql::Connection& connection, Wait wait) noexcept;

}  // namespace shred
}  // namespace linkvault
