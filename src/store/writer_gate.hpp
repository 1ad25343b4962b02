// WriterGate — the threads of one process take turns at the file's write
// lock, first come first served, before they ask SQLite for it.
//
// SQLite has one writer per file. Threads that all ask it at once wait in
// its busy handler, which sleeps and polls: the lock may sit free while
// every waiter sleeps, and the order is luck, so a few waits run far longer
// than the transactions ahead of them. Queueing here hands the lock from
// one thread straight to the next in arrival order. Other processes still
// meet at SQLite's lock (and its busy handler). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>

namespace linkvault {

class WriterGate {
 public:
  // Waits for this thread's turn until `deadline`; false if it passed
  // first (the caller then fails with BUSY, as for the file's lock).
  bool enter(std::chrono::steady_clock::time_point deadline);
  // After enter() returned true: lets the next thread in.
  void leave() noexcept;

 private:
  std::mutex mutex_;
  std::condition_variable turn_;
  std::deque<std::uint64_t> queue_;  // tickets waiting, in arrival order
  std::uint64_t next_ticket_ = 0;
  bool inside_ = false;
};

}  // namespace linkvault
