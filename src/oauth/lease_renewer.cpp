#include "oauth/lease_renewer.hpp"

#include "vault/transaction.hpp"

namespace linkvault {

LeaseRenewer::LeaseRenewer(VaultCore& core, std::string tenant, std::string integration_id,
                           std::string token, std::chrono::milliseconds lease)
    : core_(core),
      tenant_(std::move(tenant)),
      integration_id_(std::move(integration_id)),
      token_(std::move(token)),
      lease_(lease),
      thread_([this] { run(); }) {}

LeaseRenewer::~LeaseRenewer() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LeaseRenewer::run() noexcept {
  const auto period = lease_ / 3;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();
    const bool still_ours = renew();
    lock.lock();
    if (!still_ours) return;
  }
}

bool LeaseRenewer::renew() noexcept {
  try {
    auto session = core_.session();
    Transaction transaction(*session, TransactionMode::write);
    const bool renewed = session->renew_refresh_lease(tenant_, integration_id_, token_,
                                                      core_.now_ms() + lease_.count());
    transaction.commit();
    return renewed;
  } catch (...) {
    // Busy or closed: try again next period; if the lease lapses meanwhile,
    // the refresh's final write finds it lost and drops its result.
    return true;
  }
}

}  // namespace linkvault
