#include "crypto/audit_mac.hpp"

#include "linkvault/error.hpp"

#include <botan/mac.h>
#include <botan/mem_ops.h>

#include <memory>

namespace linkvault {

std::array<std::uint8_t, audit_mac_size> audit_mac(
    const SecretBytes& key, std::span<const std::uint8_t> previous_mac,
    std::span<const std::uint8_t> canonical_entry) {
  if (key.empty()) {
    throw Error(ErrorCode::invalid_argument, "audit MAC key must not be empty");
  }
  // One HMAC object per thread: creating one costs more than MACing a short
  // entry, and Botan objects must not be shared between threads. The key is
  // cleared after each use so none lingers in the thread's object.
  thread_local const std::unique_ptr<Botan::MessageAuthenticationCode> hmac =
      Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  std::array<std::uint8_t, audit_mac_size> mac;
  try {
    hmac->set_key(key);
    hmac->update(previous_mac.data(), previous_mac.size());
    hmac->update(canonical_entry.data(), canonical_entry.size());
    hmac->final(mac.data());
  } catch (...) {
    hmac->clear();
    throw;
  }
  hmac->clear();
  return mac;
}

bool constant_time_equal(std::span<const std::uint8_t> a,
                         std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return Botan::constant_time_compare(a.data(), b.data(), a.size());
}

}  // namespace linkvault
