// The two shapes every Tenant operation takes, written once.
//
// change_integration: load → check → update → log → commit. One write
// transaction loads the tenant's integration (NOT_FOUND if it is not the
// tenant's), lets the caller check and change it, writes it back and appends
// the activity entry the caller names, then commits; any throw rolls all of
// it back. The load and the write are in one write transaction, which the
// store holds against other writers (store.hpp, update_integration).
//
// read_call_write: read, call the host, re-read and write. The read runs in
// a read transaction whose pooled connection goes back to the pool before
// the host is called, so a slow host (a provider's API) holds no transaction
// and no connection; the write step then loads afresh (the integration may
// have changed meanwhile) through change_integration.
#pragma once

#include "core/message_text.hpp"
#include "linkvault/actor.hpp"
#include "linkvault/error.hpp"
#include "vault/audit_log.hpp"
#include "vault/transaction.hpp"
#include "vault/vault_core.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

namespace linkvault {

// What a change writes to the activity log.
struct LogLine {
  std::string_view action;
  std::string details_json;
};

[[noreturn]] inline void throw_integration_not_found(std::string_view integration_id) {
  // The same words whether the id is unknown or another tenant's.
  throw Error(ErrorCode::not_found,
              fmt::format("integration {} not found", quote_for_message(integration_id)));
}

inline IntegrationRecord load_or_throw(IntegrationStore& integrations, std::string_view tenant,
                                       std::string_view integration_id) {
  auto record = integrations.load_integration(tenant, integration_id);
  if (!record) throw_integration_not_found(integration_id);
  return std::move(*record);
}

// `change(session, record)` checks and updates `record` in place and returns
// the LogLine to append. Returns the record as written.
template <typename Change>
IntegrationRecord change_integration(VaultCore& core, std::string_view tenant,
                                     std::string_view integration_id, const Actor& actor,
                                     Change&& change) {
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  IntegrationRecord record = load_or_throw(*session, tenant, integration_id);
  LogLine line = change(*session, record);
  session->update_integration(record);
  append_activity(*session, core.keyring(), core.clock(), tenant, record.integration.id,
                  line.action, actor, std::move(line.details_json));
  transaction.commit();
  return record;
}

// `read(session)` runs in a read transaction and returns what the host needs;
// `host(value)` runs with no transaction and no connection held; `write(result)`
// does the writing (usually through change_integration).
template <typename Read, typename Host, typename Write>
auto read_call_write(VaultCore& core, Read&& read, Host&& host, Write&& write) {
  auto input = [&] {
    auto session = core.session();
    Transaction transaction(*session, TransactionMode::read);
    auto value = read(*session);
    transaction.commit();
    return value;
  }();  // the session (and its connection) is back in the pool here
  return write(host(std::move(input)));
}

}  // namespace linkvault
