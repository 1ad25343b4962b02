// What the store conformance suite needs from a backend: fresh stores over
// one shared vault, and a way to alter stored rows behind the store's back
// (an attacker's or a broken disk's edit). Each backend defines
// make_conformance_backend() in its own file (sqlcipher_backend.cpp here;
// the PostgreSQL backend will bring its own) and links the same tests.
#pragma once

#include "store/store.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace linkvault::conformance {

enum class Tamper {
  integration_status,  // the row's status becomes text that is no status
  integration_scopes,  // the row's scopes become text that is no JSON array
  audit_head,          // the tenant's head MAC becomes 5 bytes
  activity_details,    // an entry's details change after it was MACed
  activity_mac,        // an entry's MAC becomes 5 bytes
};

class Backend {
 public:
  virtual ~Backend() = default;
  // A Store over the backend's one vault (created empty by the first call):
  // several Stores opened here share the data, as processes do.
  virtual std::unique_ptr<Store> open(int busy_timeout_ms) = 0;
  // `id` is an integration id, or for activity the entry's sequence as text;
  // ignored for audit_head.
  virtual void tamper(Tamper what, std::string_view tenant, std::string_view id) = 0;
};

std::unique_ptr<Backend> make_conformance_backend();

}  // namespace linkvault::conformance
