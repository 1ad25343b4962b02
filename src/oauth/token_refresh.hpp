// Token refresh with a single flight (docs/SEMANTICS.md, "Token refresh").
//
// One refresh of an integration at a time, in all threads and processes:
// the threads of one process queue on a lock per integration
// (VaultCore::refresh_locks), and the one at the front takes a lease in the
// vault (OAuthStore::take_refresh_lease) with a fresh owner token, which a
// LeaseRenewer keeps alive while the host's refresher runs. No transaction
// is open during the call. Every write afterwards is fenced by the token: a
// caller whose lease lapsed and was taken over writes nothing.
//
// Whoever waited re-reads once it is at the front: if the integration's
// refresh_count moved since it first looked, someone refreshed it, and it
// returns those credentials without calling its own refresher.
#pragma once

#include "linkvault/actor.hpp"
#include "linkvault/oauth.hpp"
#include "linkvault/secret.hpp"
#include "vault/vault_core.hpp"

#include <string_view>

namespace linkvault {

// Tenant::valid_credentials after its argument checks.
Credentials valid_credentials(VaultCore& core, std::string_view tenant,
                              std::string_view integration_id, const Actor& actor,
                              const Refresher& refresher, const RefreshOptions& options);

// Error(INVALID_ARGUMENT) for options outside their ranges (oauth.hpp).
void validate_refresh_options(const RefreshOptions& options);

}  // namespace linkvault
