// The prologue every lv_ function on a vault shares, said once:
//
//   VaultCall call(vault, out);   // *out reset and required, handle looked up
//   const Actor actor = actor_argument(actor_json);
//   ...
//   call.answer(integration_json(call.tenant(tenant_id).disconnect(actor, id)));
//
// The body then reads its own arguments in the order it lists them (so the
// first bad one is the one reported) and answers. The handle is held for the
// whole call, so a concurrent lv_vault_destroy cannot free it underneath.
#pragma once

#include "arguments.hpp"
#include "handles.hpp"
#include "linkvault/actor.hpp"
#include "linkvault/secret.hpp"
#include "linkvault/tenant.hpp"
#include "linkvault/vault.hpp"

#include <memory>
#include <string_view>
#include <type_traits>

namespace linkvault::capi {

// Out is the type *out has (char* for JSON answers), or void for a function
// without an out parameter.
template <typename Out = void>
class VaultCall {
 public:
  // The ABI promises *out its empty value whatever happens, so it is reset
  // before anything can fail, and checked before the handle is.
  VaultCall(lv_vault* vault, Out* out) requires(!std::is_void_v<Out>)
      : out_(reset_out(out)) {
    require_out(out_);
    handle_ = HandleRegistry::instance().acquire(vault);
  }
  explicit VaultCall(lv_vault* vault) requires std::is_void_v<Out>
      : out_(nullptr), handle_(HandleRegistry::instance().acquire(vault)) {}

  Vault& vault() const { return handle_->object; }
  // Checks the id (and that the vault is open): call it where the body would
  // have, after the arguments it parses first.
  Tenant tenant(std::string_view tenant_id) const { return vault().tenant(tenant_id); }

  // JSON for the host to free with lv_string_free.
  void answer(std::string_view json) requires std::is_same_v<Out, char*> {
    *out_ = to_c_string(json);
  }
  // Secret JSON (revealed credentials): secure memory until the host's copy,
  // which lv_string_free wipes.
  void answer(const SecretBytes& json) requires std::is_same_v<Out, char*> {
    *out_ = to_c_string(json);
  }
  // A plain value (a template: `Out value` would be ill-formed for void).
  template <typename Value>
  void answer(Value value) requires(!std::is_void_v<Out> && !std::is_same_v<Out, char*>) {
    *out_ = value;
  }

 private:
  Out* out_;
  std::shared_ptr<lv_vault> handle_;
};

VaultCall(lv_vault*) -> VaultCall<void>;
template <typename Out>
VaultCall(lv_vault*, Out*) -> VaultCall<Out>;

// The arguments many functions share, each named as in linkvault.h.
std::string_view tenant_argument(const char* tenant);
std::string_view integration_id_argument(const char* integration_id);
Actor actor_argument(const char* actor_json);
Credentials credentials_argument(const char* credentials_json);

}  // namespace linkvault::capi
