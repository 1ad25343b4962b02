// Built against the installed C++ package: opens a vault and connects.
#include <linkvault/linkvault.hpp>

#include <cstdio>
#include <filesystem>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::filesystem::remove(argv[1]);
  auto vault = linkvault::Vault::open(argv[1], linkvault::MasterSecret::from_key(linkvault::SecretBytes(32, 7)));
  linkvault::Credentials credentials;
  credentials.emplace("api_key", linkvault::make_secret("installed-key-0123456789"));
  const auto integration = vault.tenant("t").connect({"u", "U", linkvault::Role::admin}, "tave", credentials);
  std::printf("installed C++ package: %s %s\n", integration.provider.c_str(), integration.credential_mask.c_str());
  return vault.verify_audit().ok ? 0 : 1;
}
