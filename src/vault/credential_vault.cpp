#include "vault/credential_vault.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "vault/credential_codec.hpp"

#include <fmt/format.h>

#include <string_view>

namespace linkvault {

namespace {
constexpr std::string_view credentials_purpose = "credentials";
}  // namespace

std::vector<std::uint8_t> seal_credentials(KeyringStorage& keys, Keyring& keyring,
                                           const Integration& integration,
                                           const Credentials& credentials) {
  const SecretBytes plaintext = encode_credentials(credentials);
  const auto sealer = keyring.sealer(keys, integration.tenant, KeyPurpose::credentials);
  return sealer->seal(plaintext, SealContext{integration.tenant, integration.id,
                                             credentials_purpose});
}

Credentials open_credentials(KeyringStorage& keys, Keyring& keyring,
                             const IntegrationRecord& record) {
  const Integration& integration = record.integration;
  // Only an integration waiting for its OAuth grant (pending_auth)
  // legitimately has no blob yet; in any other state an empty or NULL one
  // was written by someone other than us.
  if (record.sealed_credentials.empty() &&
      integration.status == IntegrationStatus::pending_auth) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("integration {} holds no credentials yet: it is pending_auth",
                            quote_for_message(integration.id)));
  }
  if (record.sealed_credentials.empty()) {
    throw Error(ErrorCode::integrity,
                fmt::format("integration {} has lost its sealed credentials",
                            quote_for_message(integration.id)));
  }
  const auto sealer = keyring.existing_sealer(keys, integration.tenant, KeyPurpose::credentials);
  const SecretBytes plaintext = sealer->open(
      record.sealed_credentials,
      SealContext{integration.tenant, integration.id, credentials_purpose});
  return decode_credentials(plaintext);
}

}  // namespace linkvault
