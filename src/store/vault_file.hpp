// The vault file itself, below SQLite: reading its salt, and creating it once
// when several processes race to create the same path.
//
// Why not a plain open()/read()/close() of the file: closing any descriptor
// of a file drops every POSIX lock this process holds on it, including the
// locks of SQLite connections that another Vault in this process has open on
// the same file. So the salt is read through a SQLite connection's own file
// handle (SQLite tracks its descriptors and defers their close), and the
// creation lock is taken on the directory, never on the vault file.
#pragma once

#include "linkvault/master_secret.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace linkvault::vault_file {

// The first 16 bytes of an existing, non-empty vault file: SQLCipher's salt.
// std::nullopt when the file is shorter than 16 bytes.
std::optional<FileSalt> read_salt(const std::string& path);

// The file's size in bytes; 0 when it does not exist.
std::uint64_t size_or_zero(const std::string& path);

// Held while a process decides that a vault file is new and creates it: two
// processes creating the same path at once would otherwise each pick their
// own salt, and one would then fail with WRONG_KEY. An exclusive flock() on
// the directory that holds the vault (released when this goes, and by the
// kernel if the process dies). Error(IO) when the directory cannot be opened.
class CreationLock {
 public:
  explicit CreationLock(const std::string& vault_path);
  ~CreationLock();
  CreationLock(const CreationLock&) = delete;
  CreationLock& operator=(const CreationLock&) = delete;

 private:
  int directory_fd_ = -1;
};

}  // namespace linkvault::vault_file
