#include "store/writer_gate.hpp"

#include <algorithm>

namespace linkvault {

bool WriterGate::enter(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  const std::uint64_t ticket = next_ticket_++;
  queue_.push_back(ticket);
  const auto my_turn = [&] { return !inside_ && queue_.front() == ticket; };
  if (!turn_.wait_until(lock, deadline, my_turn)) {
    queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
    turn_.notify_all();  // if this ticket was first, the next one may go
    return false;
  }
  queue_.pop_front();
  inside_ = true;
  return true;
}

void WriterGate::leave() noexcept {
  {
    std::lock_guard lock(mutex_);
    inside_ = false;
  }
  turn_.notify_all();
}

}  // namespace linkvault
