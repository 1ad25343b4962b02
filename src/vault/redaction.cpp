#include "vault/redaction.hpp"

#include "vault/credential_codec.hpp"

#include <botan/mem_ops.h>

#include <vector>

namespace linkvault {
namespace {

// Marks every byte of `text` that lies inside an occurrence of `value`
// (occurrences found at every position, so overlapping ones count).
void cover_occurrences(std::string_view text, std::string_view value,
                       std::vector<bool>& covered) {
  if (value.size() < min_redacted_value_bytes) return;
  for (std::size_t at = text.find(value); at != std::string_view::npos;
       at = text.find(value, at + 1)) {
    for (std::size_t i = at; i < at + value.size(); ++i) covered[i] = true;
  }
}

}  // namespace

std::string redact_credentials(std::string_view text, const Credentials& credentials) {
  std::vector<bool> covered(text.size(), false);
  for (const auto& [name, secret] : credentials) {
    const std::string_view value = secret_view(secret);
    cover_occurrences(text, value, covered);
    const SecretBytes escaped = json_escaped_secret(value);  // what a C tester was given
    if (escaped != secret) cover_occurrences(text, secret_view(escaped), covered);
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (!covered[i]) {
      out.push_back(text[i++]);
      continue;
    }
    out.append(redaction_mark);
    while (i < text.size() && covered[i]) ++i;
  }
  return out;
}

void wipe_string(std::string& text) noexcept {
  // The buffer holds capacity() characters plus the terminator.
  Botan::secure_scrub_memory(text.data(), text.capacity());
  text.clear();
}

}  // namespace linkvault
