// The C++ Refresher and TokenExchange that call the host's C functions
// (lv_refresher_fn, lv_exchange_fn), the way c_tester does for testers.
//
// What the host is lent — the credentials, or the exchange request with the
// PKCE verifier and client secret — is JSON written into secure memory and
// wiped when the call returns. The host answers through an lv_token_reply on
// this stack frame, listed as live only while its function runs
// (handle.hpp). Its answer becomes the TokenGrant, or a
// PermanentRefreshError (lv_token_reply_fail with permanent != 0), or a
// std::runtime_error for a transient failure: lv_token_reply_fail with
// permanent == 0, no answer at all, or a non-zero return.
#pragma once

#include "linkvault.h"
#include "linkvault/oauth.hpp"

#include <functional>
#include <string>

namespace linkvault::capi {

// `provider` gives the provider key passed to the host; it is asked only
// when a refresh actually runs.
Refresher c_refresher(lv_refresher_fn function, void* user_data,
                      std::function<std::string()> provider);

TokenExchange c_exchange(lv_exchange_fn function, void* user_data);

}  // namespace linkvault::capi
