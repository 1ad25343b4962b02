// LeaseRenewer — keeps a refresh lease alive while the host's refresher
// runs: a thread that renews it every third of its length, so a slow
// provider does not let the lease lapse and a second caller refresh with
// the same refresh token. Stops (and joins) on destruction. If the process
// dies the renewals stop with it and the lease lapses, which is how another
// caller takes over.
#pragma once

#include "vault/vault_core.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace linkvault {

class LeaseRenewer {
 public:
  LeaseRenewer(VaultCore& core, std::string tenant, std::string integration_id,
               std::string token, std::chrono::milliseconds lease);
  ~LeaseRenewer();
  LeaseRenewer(const LeaseRenewer&) = delete;
  LeaseRenewer& operator=(const LeaseRenewer&) = delete;

 private:
  void run() noexcept;
  // One renewal; false once the lease is no longer ours.
  bool renew() noexcept;

  VaultCore& core_;
  const std::string tenant_;
  const std::string integration_id_;
  const std::string token_;
  const std::chrono::milliseconds lease_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace linkvault
