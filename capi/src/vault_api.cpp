// The vault as a whole: open, close, destroy, the provider catalog and the
// audit check (with or without anchors).
#include "arguments.hpp"
#include "audit_anchors_json.hpp"
#include "guard.hpp"
#include "handles.hpp"
#include "linkvault.h"
#include "linkvault/error.hpp"
#include "linkvault/master_secret.hpp"
#include "records_json.hpp"
#include "vault_call.hpp"

#include <fmt/format.h>

#include <memory>

using namespace linkvault;
using namespace linkvault::capi;

namespace {

int open_vault(lv_vault** out, std::string_view path, const MasterSecret& secret, int create) {
  OpenOptions options;
  options.create = create != 0;
  auto handle = std::make_shared<lv_vault>(Vault::open(std::string(path), secret, options));
  *out = HandleRegistry::instance().adopt(std::move(handle));
  return LV_OK;
}

}  // namespace

extern "C" {

int lv_vault_open(lv_vault** out, const char* path, const uint8_t* key, size_t key_length,
                  int create) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto path_text = text_argument(path, "path");
    if (key == nullptr) throw Error(ErrorCode::invalid_argument, "key: must not be NULL");
    if (key_length != master_key_size) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("key_length: must be {} bytes, not {}", master_key_size, key_length));
    }
    const auto secret = MasterSecret::from_key(SecretBytes(key, key + key_length));
    return open_vault(out, path_text, secret, create);
  });
}

int lv_vault_open_passphrase(lv_vault** out, const char* path, const char* passphrase,
                             int create) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto path_text = text_argument(path, "path");
    const auto passphrase_text = text_argument(passphrase, "passphrase");
    const auto secret = MasterSecret::from_passphrase(make_secret(passphrase_text));
    return open_vault(out, path_text, secret, create);
  });
}

int lv_vault_close(lv_vault* vault) {
  return guard(__func__, [&] {
    if (vault == nullptr) return;
    VaultCall call(vault);
    call.vault().close();
  });
}

void lv_vault_destroy(lv_vault* vault) {
  guard(__func__, [&] {
    // Unlisted first, so no new call can find it; calls already in flight
    // hold their own reference and finish against a closed vault.
    const std::shared_ptr<lv_vault> handle = HandleRegistry::instance().release(vault);
    if (handle == nullptr) return;
    handle->retire();
    handle->object.close();
  });
}

int lv_provider_list(lv_vault* vault, char** out) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    call.answer(providers_json(call.vault().providers()));
  });
}

namespace {
int register_provider(const char* function, lv_vault* vault, char** out,
                      const char* spec_json, bool replace) {
  return guard(function, [&] {
    VaultCall call(vault, out);
    const auto spec = text_argument(spec_json, "spec_json");
    const ProviderSpec registered = call.vault().register_provider(spec, replace);
    call.answer(to_json(registered));
  });
}
}  // namespace

int lv_provider_register(lv_vault* vault, char** out, const char* spec_json) {
  return register_provider(__func__, vault, out, spec_json, false);
}

int lv_provider_register_replace(lv_vault* vault, char** out, const char* spec_json) {
  return register_provider(__func__, vault, out, spec_json, true);
}

int lv_audit_verify(lv_vault* vault, char** out) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    call.answer(audit_report_json(call.vault().verify_audit()));
  });
}

int lv_audit_heads(lv_vault* vault, char** out) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    call.answer(audit_anchors_json(call.vault().audit_heads()));
  });
}

int lv_audit_verify_anchored(lv_vault* vault, char** out, const char* anchors_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto anchors = parse_audit_anchors(text_argument(anchors_json, "anchors_json"));
    call.answer(audit_report_json(call.vault().verify_audit(anchors)));
  });
}

}  // extern "C"
