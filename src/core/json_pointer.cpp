#include "core/json_pointer.hpp"

#include "linkvault/utf8.hpp"

#include <limits>

namespace linkvault {
namespace {

// RFC 6901 section 4: an array index is "0" or a decimal without a leading
// zero. Anything else ("01", "-", "1e2", "+1") names no element of an array.
std::size_t array_index(std::string_view key) noexcept {
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  if (key.empty() || (key.size() > 1 && key[0] == '0')) return none;
  std::size_t value = 0;
  for (const char c : key) {
    if (c < '0' || c > '9') return none;
    const auto digit = static_cast<std::size_t>(c - '0');
    // An index beyond any array a payload can hold resolves to nothing.
    if (value > (std::numeric_limits<std::size_t>::max() - 1 - digit) / 10) return none;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

const char* json_pointer_problem(std::string_view text) noexcept {
  if (text.size() > max_json_pointer_bytes) return "is longer than 1024 bytes";
  if (!text.empty() && text[0] != '/') return "must be \"\" or start with '/'";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '~' && (i + 1 == text.size() || (text[i + 1] != '0' && text[i + 1] != '1'))) {
      return "may hold '~' only as ~0 or ~1";
    }
  }
  if (!is_valid_utf8(text)) return "must be valid UTF-8";
  return nullptr;
}

std::optional<JsonPointer> JsonPointer::parse(std::string_view text) {
  if (json_pointer_problem(text) != nullptr) return std::nullopt;
  JsonPointer pointer;
  pointer.text_ = std::string(text);
  std::size_t start = 1;
  while (start <= text.size() && !text.empty()) {
    std::size_t end = text.find('/', start);
    if (end == std::string_view::npos) end = text.size();
    Token token;
    token.key.reserve(end - start);
    for (std::size_t i = start; i < end; ++i) {
      if (text[i] == '~') {
        token.key.push_back(text[i + 1] == '1' ? '/' : '~');
        ++i;
      } else {
        token.key.push_back(text[i]);
      }
    }
    token.index = array_index(token.key);
    pointer.tokens_.push_back(std::move(token));
    start = end + 1;
  }
  return pointer;
}

bool JsonPointer::step(const Token& token, simdjson::dom::element& current) noexcept {
  simdjson::dom::object object;
  simdjson::dom::array array;
  if (current.get(object) == simdjson::SUCCESS) {
    // at_key compares the unescaped key bytes and returns the first match.
    return object.at_key(token.key).get(current) == simdjson::SUCCESS;
  }
  if (current.get(array) == simdjson::SUCCESS) {
    if (token.index == not_an_index || token.index >= array.size()) return false;
    return array.at(token.index).get(current) == simdjson::SUCCESS;
  }
  return false;
}

bool JsonPointer::resolve(simdjson::dom::element root,
                          simdjson::dom::element& out) const noexcept {
  simdjson::dom::element current = root;
  for (const Token& token : tokens_) {
    if (!step(token, current)) return false;
  }
  out = current;
  return true;
}

JsonPointer JsonPointer::parent() const {
  JsonPointer pointer;
  if (tokens_.empty()) return pointer;
  pointer.tokens_.assign(tokens_.begin(), tokens_.end() - 1);
  pointer.text_ = text_.substr(0, text_.rfind('/'));
  return pointer;
}

bool JsonPointer::resolve_last(simdjson::dom::element parent,
                               simdjson::dom::element& out) const noexcept {
  if (tokens_.empty()) {
    out = parent;
    return true;
  }
  simdjson::dom::element current = parent;
  if (!step(tokens_.back(), current)) return false;
  out = current;
  return true;
}

}  // namespace linkvault
