#include "store/vault_file.hpp"

#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace linkvault::vault_file {

std::uint64_t size_or_zero(const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error) {
    if (error == std::errc::no_such_file_or_directory) return 0;
    throw Error(ErrorCode::io, fmt::format("cannot inspect vault file '{}': {}", path,
                                           error.message()));
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("'{}' is not a regular file", path));
  }
  const auto size = std::filesystem::file_size(path, error);
  if (error) {
    if (error == std::errc::no_such_file_or_directory) return 0;
    throw Error(ErrorCode::io, fmt::format("cannot inspect vault file '{}': {}", path,
                                           error.message()));
  }
  return size;
}

std::optional<FileSalt> read_salt(const std::string& path) {
  // A keyless read-only connection reads nothing by itself; its file handle
  // gives the raw bytes (the codec works above it, in the pager).
  sql::Connection connection(path, sql::Access::read_only);
  sqlite3_file* file = nullptr;
  const int found = sqlite3_file_control(connection.handle(), "main",
                                         SQLITE_FCNTL_FILE_POINTER, &file);
  if (found != SQLITE_OK || file == nullptr || file->pMethods == nullptr) {
    throw Error(ErrorCode::io, fmt::format("cannot read the header of '{}'", path));
  }
  FileSalt salt{};
  const int result = file->pMethods->xRead(file, salt.data(), static_cast<int>(salt.size()), 0);
  if (result == SQLITE_IOERR_SHORT_READ) return std::nullopt;
  if (result != SQLITE_OK) sql::throw_sqlite(result, connection.handle(), "reading the salt");
  return salt;
}

CreationLock::CreationLock(const std::string& vault_path) {
  std::filesystem::path directory = std::filesystem::path(vault_path).parent_path();
  if (directory.empty()) directory = ".";
  directory_fd_ = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd_ < 0) {
    throw Error(ErrorCode::io, fmt::format("cannot open the directory of vault '{}': {}",
                                           vault_path, std::strerror(errno)));
  }
  while (::flock(directory_fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int saved = errno;
    ::close(directory_fd_);
    throw Error(ErrorCode::io, fmt::format("cannot lock the directory of vault '{}': {}",
                                           vault_path, std::strerror(saved)));
  }
}

CreationLock::~CreationLock() {
  // Closing the descriptor releases the flock.
  ::close(directory_fd_);
}

}  // namespace linkvault::vault_file
