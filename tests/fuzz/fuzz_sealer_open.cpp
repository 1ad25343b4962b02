// CredentialSealer::open against a sealer with fixed keys (the golden vector
// key of docs/FORMAT.md as version 258, another key as version 1, version 2
// destroyed). The first byte picks the mode (mod 4); the rest is:
//   0 a blob, opened under the golden context
//   1 edits to a valid blob, as (op, position, value) triples: xor a byte,
//     truncate, append or insert. It opens only if no byte changed, and
//     then to the original plaintext
//   2 a context "tenant\0integration\0purpose": the valid blob opens only
//     under the golden context
//   3 a plaintext: seal then open gives it back, and seal_with_nonce is
//     deterministic
// Every failure must be Error(INTEGRITY).
#include "fuzz_check.hpp"
#include "linkvault/credential_sealer.hpp"
#include "linkvault/error.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

using namespace linkvault;

namespace {

constexpr std::string_view golden_tenant = "acme";
constexpr std::string_view golden_integration = "0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b";
constexpr std::string_view golden_purpose = "credentials";
constexpr std::string_view golden_plaintext =
    "linkvault golden vector: correct horse battery staple";
constexpr std::array<std::uint8_t, 12> golden_nonce = {0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce,
                                                       0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88};
const SealContext golden_context{golden_tenant, golden_integration, golden_purpose};

SecretBytes key_from(std::uint8_t first) {
  SecretBytes key(32);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(first + i);
  return key;
}

const CredentialSealer& sealer() {
  static const CredentialSealer instance = [] {
    std::vector<DataKey> keys;
    keys.push_back(DataKey{258, key_from(0x00)});
    keys.push_back(DataKey{1, key_from(0x40)});
    return CredentialSealer(std::move(keys), 258, {2});
  }();
  return instance;
}

// The golden blob (sealed by the primary, version 258) and one sealed by the
// older version 1.
const std::vector<std::uint8_t>& valid_blob(bool older) {
  static const std::vector<std::uint8_t> golden = sealer().seal_with_nonce(
      fuzz::bytes_of(golden_plaintext), golden_context, golden_nonce);
  static const std::vector<std::uint8_t> old = [] {
    std::vector<DataKey> keys;
    keys.push_back(DataKey{1, key_from(0x40)});
    const CredentialSealer previous(std::move(keys), 1);
    return previous.seal_with_nonce(fuzz::bytes_of(golden_plaintext), golden_context,
                                    golden_nonce);
  }();
  return older ? old : golden;
}

// open(), with INTEGRITY as the only acceptable failure.
std::optional<SecretBytes> try_open(std::span<const std::uint8_t> blob,
                                    const SealContext& context) {
  try {
    return sealer().open(blob, context);
  } catch (const Error& error) {
    FUZZ_CHECK(error.code() == ErrorCode::integrity, "open failed with %s: %s",
               error_code_name(error.code()), error.what());
    return std::nullopt;
  }
}

bool is_golden_plaintext(const SecretBytes& plaintext) {
  return secret_view(plaintext) == golden_plaintext;
}

void open_blob(std::span<const std::uint8_t> blob) {
  try {
    (void)CredentialSealer::blob_key_version(blob);
  } catch (const Error& error) {
    FUZZ_CHECK(error.code() == ErrorCode::integrity, "blob_key_version failed with %s",
               error_code_name(error.code()));
  }
  const auto plaintext = try_open(blob, golden_context);
  if (!plaintext) return;
  // Nobody without the keys can forge a blob: it must be a valid one.
  FUZZ_CHECK(std::ranges::equal(blob, valid_blob(false)) || std::ranges::equal(blob, valid_blob(true)),
             "a %zu-byte blob that is not one of the valid ones opened", blob.size());
  FUZZ_CHECK(is_golden_plaintext(*plaintext), "a valid blob opened to something else");
}

void open_edited(std::span<const std::uint8_t> edits) {
  std::vector<std::uint8_t> blob = valid_blob(!edits.empty() && (edits[0] & 0x80) != 0);
  for (std::size_t i = 0; i + 3 <= edits.size(); i += 3) {
    const std::uint8_t op = edits[i];
    const std::size_t at = blob.empty() ? 0 : edits[i + 1] % blob.size();
    const std::uint8_t value = edits[i + 2];
    switch (op % 4) {
      case 0: if (!blob.empty()) blob[at] ^= value; break;
      case 1: blob.resize(at); break;
      case 2: blob.push_back(value); break;
      default: blob.insert(blob.begin() + static_cast<std::ptrdiff_t>(at), value); break;
    }
  }
  open_blob(blob);
}

void open_in_context(std::span<const std::uint8_t> text) {
  const std::string_view all(reinterpret_cast<const char*>(text.data()), text.size());
  const auto first = all.find('\0');
  const auto second = first == std::string_view::npos ? first : all.find('\0', first + 1);
  const std::string_view tenant = all.substr(0, first);
  const std::string_view integration =
      first == std::string_view::npos ? std::string_view{} : all.substr(first + 1, second - first - 1);
  const std::string_view purpose =
      second == std::string_view::npos ? std::string_view{} : all.substr(second + 1);
  const SealContext context{tenant, integration, purpose};
  const bool same = tenant == golden_tenant && integration == golden_integration &&
                    purpose == golden_purpose;
  for (const bool older : {false, true}) {
    const auto plaintext = try_open(valid_blob(older), context);
    FUZZ_CHECK(plaintext.has_value() == same, "the valid blob %s under another context",
               same ? "does not open" : "opens");
    if (plaintext) FUZZ_CHECK(is_golden_plaintext(*plaintext), "opened to something else");
  }
}

void seal_and_open(std::span<const std::uint8_t> plaintext) {
  const auto blob = sealer().seal(plaintext, golden_context);
  const auto back = try_open(blob, golden_context);
  FUZZ_CHECK(back && std::ranges::equal(*back, plaintext), "seal then open lost the plaintext");
  FUZZ_CHECK(CredentialSealer::blob_key_version(blob) == 258, "sealed with a non-primary key");
  FUZZ_CHECK(sealer().seal_with_nonce(plaintext, golden_context, golden_nonce) ==
                 sealer().seal_with_nonce(plaintext, golden_context, golden_nonce),
             "seal_with_nonce is not deterministic");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: open_blob(rest); break;
    case 1: open_edited(rest); break;
    case 2: open_in_context(rest); break;
    default: seal_and_open(rest); break;
  }
  return 0;
}
