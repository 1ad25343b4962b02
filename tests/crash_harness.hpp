// Crash harness: fork a child that runs a workload and reports each operation
// on a pipe (an intent record before it, an acknowledgement after it
// returns), SIGKILL it at a random moment, reap it, and hand the parent every
// record that reached the pipe.
//
// Knows nothing about vaults; tests/crash_workload.hpp runs the operations and
// tests/crash_checker.hpp proves the outcome. The parent is single-threaded
// (doctest); children never return into it: a child's body runs inside
// try/catch and the child always leaves with _exit(). The parent must not hold
// an open SQLite connection when it forks (a child would inherit SQLite's
// per-process lock bookkeeping for that file).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

namespace linkvault::crash {

using SteadyClock = std::chrono::steady_clock;

enum class RecordKind : std::uint8_t {
  intent = 1,  // about to run the operation
  ack = 2,     // the operation returned
  error = 3,   // the operation (or the child) threw; the child exits with 2
};

enum class OpKind : std::uint8_t {
  none = 0,
  open = 1,
  connect = 2,  // a new integration
  reconnect = 3,
  update = 4,
  reveal = 5,
  test = 6,
  disconnect = 7,
  mark_error = 8,
  set_quota = 9,
  purge = 10,
};

inline const char* to_string(OpKind op) noexcept {
  switch (op) {
    case OpKind::none: return "none";
    case OpKind::open: return "open";
    case OpKind::connect: return "connect";
    case OpKind::reconnect: return "reconnect";
    case OpKind::update: return "update_credentials";
    case OpKind::reveal: return "reveal_credentials";
    case OpKind::test: return "test";
    case OpKind::disconnect: return "disconnect";
    case OpKind::mark_error: return "mark_error";
    case OpKind::set_quota: return "set_quota";
    case OpKind::purge: return "purge_tenant";
  }
  return "?";
}

// One fixed-size record, written with one write() of fewer than PIPE_BUF
// bytes, so a record is never torn, even by SIGKILL.
struct Record {
  RecordKind kind = RecordKind::intent;
  OpKind op = OpKind::none;
  std::int16_t worker = 0;
  std::int32_t error_code = 0;  // the ErrorCode of an error record
  std::int64_t seq = 0;         // the worker's operation number
  std::int64_t number = 0;      // quota (-1: none), test success, purge counts
  std::int64_t number2 = 0;     // purge activity count, tester saw the right token
  char tenant[48] = {};
  char integration[48] = {};
  char name[48] = {};
  char value[200] = {};  // credential value, message, or error text
};
static_assert(sizeof(Record) < PIPE_BUF, "a record must be written atomically");

template <std::size_t N>
void set_text(char (&field)[N], std::string_view text) noexcept {
  const std::size_t length = std::min(text.size(), N - 1);
  // An empty view may have a null data(), which memcpy must not get.
  if (length > 0) std::memcpy(field, text.data(), length);
  field[length] = '\0';
}

template <std::size_t N>
std::string text_of(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}

// Every kill the harness has done in this run of the suite.
inline int& total_kills() {
  static int kills = 0;
  return kills;
}

// The suite's seed: LINKVAULT_CRASH_SEED if set (to replay op choices; kill
// moments still depend on timing), else a fresh one. Tests print it.
inline std::uint64_t crash_seed() {
  if (const char* text = std::getenv("LINKVAULT_CRASH_SEED")) {
    return std::strtoull(text, nullptr, 10);
  }
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device();
}

// A well-mixed seed per (suite seed, round, worker).
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t round, std::uint64_t worker) {
  std::uint64_t x = seed ^ (round * 0x9E3779B97F4A7C15ULL) ^ (worker * 0xBF58476D1CE4E5B9ULL);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// What the child's body gets: a way to report records and to see whether
// the parent asked it to finish.
class ChildContext {
 public:
  ChildContext(int fd, const std::atomic<bool>* stop) : fd_(fd), stop_(stop) {}

  void send(const Record& record) noexcept {
    if (record.kind == RecordKind::intent) last_intent_ = record;
    const char* bytes = reinterpret_cast<const char*>(&record);
    ssize_t written;
    do {
      written = ::write(fd_, bytes, sizeof record);
    } while (written < 0 && errno == EINTR);
    if (written != static_cast<ssize_t>(sizeof record)) _exit(3);  // the parent is gone
  }

  // The error record for the operation in flight (the last intent).
  void send_error(int code, std::string_view message) noexcept {
    Record record = last_intent_;
    record.kind = RecordKind::error;
    record.error_code = code;
    set_text(record.value, message);
    send(record);
  }

  bool stop_requested() const noexcept { return stop_->load(std::memory_order_relaxed); }

 private:
  int fd_;
  const std::atomic<bool>* stop_;
  Record last_intent_{};
};

// A forked child, its record pipe and its stop flag. Destroying a child that
// is still running kills and reaps it.
class Child {
 public:
  // Forks; the child runs body(ChildContext&) and _exits: 0 when the body
  // returns, 2 after an exception (reported first as an error record whose
  // error_code is the result of code_of(exception)).
  template <typename Body, typename CodeOf>
  static std::unique_ptr<Child> spawn(Body&& body, CodeOf&& code_of) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    void* shared = ::mmap(nullptr, sizeof(std::atomic<bool>), PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
      ::close(fds[0]);
      ::close(fds[1]);
      throw std::system_error(errno, std::generic_category(), "mmap");
    }
    auto* stop = new (shared) std::atomic<bool>(false);
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int saved = errno;
      ::close(fds[0]);
      ::close(fds[1]);
      ::munmap(shared, sizeof(std::atomic<bool>));
      throw std::system_error(saved, std::generic_category(), "fork");
    }
    if (pid == 0) {
      // doctest's crash handlers must not report a child's crash as the
      // parent's test: a crashing child dies of its signal.
      for (int signal_number : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGTERM}) {
        std::signal(signal_number, SIG_DFL);
      }
      ::close(fds[0]);
      ChildContext context(fds[1], stop);
      int status = 0;
      try {
        body(context);
      } catch (...) {
        const auto [code, message] = code_of(std::current_exception());
        context.send_error(code, message);
        status = 2;
      }
      _exit(status);
    }
    ::close(fds[1]);
    return std::unique_ptr<Child>(new Child(pid, fds[0], stop));
  }

  ~Child() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (fd_ >= 0) ::close(fd_);
    ::munmap(static_cast<void*>(stop_), sizeof(std::atomic<bool>));
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const noexcept { return pid_; }
  const std::vector<Record>& records() const noexcept { return records_; }
  bool reaped() const noexcept { return reaped_; }
  int status() const noexcept { return status_; }
  bool killed_by_us() const noexcept { return killed_; }

  void request_stop() noexcept { stop_->store(true, std::memory_order_relaxed); }

  // SIGKILL, counted as a kill unless the child had already ended on its own.
  void kill_now() {
    if (reaped_ || killed_) return;
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
      reaped_ = true;
      return;
    }
    ::kill(pid_, SIGKILL);
    killed_ = true;
    ++total_kills();
  }

  // Blocks until the child is gone (kill it first unless it is finishing),
  // then reads what is left on the pipe.
  void reap() {
    if (!reaped_) {
      while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
    }
    drain(true);
  }

  // For wait_exit(): the child was reaped with waitpid(WNOHANG).
  void adopt_status(int status) {
    status_ = status;
    reaped_ = true;
    drain(true);
  }

  // Reads whatever is available; blocking until EOF when `to_end`.
  void drain(bool to_end) {
    if (fd_ < 0) return;
    char chunk[4096];
    for (;;) {
      if (!to_end) {
        pollfd entry{fd_, POLLIN, 0};
        if (::poll(&entry, 1, 0) <= 0) return;
      }
      const ssize_t got = ::read(fd_, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(fd_);
        fd_ = -1;
        return;
      }
      buffer_.insert(buffer_.end(), chunk, chunk + got);
      while (buffer_.size() >= sizeof(Record)) {
        Record record;
        std::memcpy(&record, buffer_.data(), sizeof record);
        buffer_.erase(buffer_.begin(), buffer_.begin() + sizeof record);
        records_.push_back(record);
      }
    }
  }

  int fd() const noexcept { return fd_; }

  // A description of how the child ended, for messages.
  std::string ending() const {
    if (!reaped_) return "still running";
    if (WIFSIGNALED(status_)) {
      return std::string("killed by signal ") + std::to_string(WTERMSIG(status_)) +
             (killed_ ? " (ours)" : " (NOT ours: the child crashed)");
    }
    if (WIFEXITED(status_)) return "exited with " + std::to_string(WEXITSTATUS(status_));
    return "ended oddly";
  }

 private:
  Child(pid_t pid, int fd, std::atomic<bool>* stop) : pid_(pid), fd_(fd), stop_(stop) {}

  pid_t pid_;
  int fd_;
  std::atomic<bool>* stop_;
  std::vector<char> buffer_;
  std::vector<Record> records_;
  bool reaped_ = false;
  bool killed_ = false;
  int status_ = 0;
};

// Holds children at a line until the parent opens it, so several start an
// operation at the same moment. Children call wait() (it closes their copy of
// the write end first, else they would never see the gate open).
class StartGate {
 public:
  StartGate() {
    if (::pipe(fds_) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  }
  ~StartGate() {
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  StartGate(const StartGate&) = delete;
  StartGate& operator=(const StartGate&) = delete;

  void wait() noexcept {
    ::close(fds_[1]);
    fds_[1] = -1;
    char byte;
    while (::read(fds_[0], &byte, 1) < 0 && errno == EINTR) {
    }
  }
  void open() noexcept {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

// Reads every child's records until `until` (so no child blocks on a full
// pipe), or until every pipe is at EOF.
inline void pump(const std::vector<Child*>& children, SteadyClock::time_point until) {
  for (;;) {
    std::vector<pollfd> entries;
    std::vector<Child*> owners;
    for (Child* child : children) {
      if (child->fd() >= 0) {
        entries.push_back(pollfd{child->fd(), POLLIN, 0});
        owners.push_back(child);
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - SteadyClock::now());
    if (entries.empty()) {
      if (left.count() > 0) std::this_thread::sleep_for(left);
      return;
    }
    if (left.count() <= 0) {
      for (Child* child : owners) child->drain(false);
      return;
    }
    const int ready = ::poll(entries.data(), entries.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].revents != 0) owners[i]->drain(false);
    }
  }
}

// Pumps until `child` has sent a record that `wanted` accepts; false at the
// deadline or if the child is gone first.
template <typename Predicate>
bool wait_for_record(Child& child, Predicate wanted, SteadyClock::duration timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  std::size_t seen = 0;
  while (SteadyClock::now() < deadline) {
    pump({&child}, std::min(deadline, SteadyClock::now() + std::chrono::milliseconds(1)));
    const auto& records = child.records();
    for (; seen < records.size(); ++seen) {
      if (wanted(records[seen])) return true;
    }
    if (child.fd() < 0) return false;
  }
  return false;
}

// Waits for a child that was asked to finish (or is expected to): true once
// it exited on its own; false if it did not within `timeout` (a hang: it is
// then killed, so the caller can report it).
inline bool wait_exit(Child& child, SteadyClock::duration timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    pump({&child}, SteadyClock::now() + std::chrono::milliseconds(2));
    int status = 0;
    const pid_t done = ::waitpid(child.pid(), &status, WNOHANG);
    if (done == child.pid()) {
      child.adopt_status(status);
      return true;
    }
  }
  ::kill(child.pid(), SIGKILL);  // a hang, not one of the random kills
  child.reap();
  return false;
}

}  // namespace linkvault::crash
