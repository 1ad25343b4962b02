// An iterative validator (nesting kept on a small explicit stack of
// container kinds, so no input can overflow the call stack).
#include "core/json_error_offset.hpp"

#include <string>

namespace linkvault {

namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::size_t run() {
    skip_space();
    if (!value()) return at_;
    skip_space();
    return at_ == text_.size() ? text_.size() + 1 : at_;
  }

 private:
  bool done() const { return at_ >= text_.size(); }
  char peek() const { return text_[at_]; }

  void skip_space() {
    while (!done() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++at_;
  }

  // One value, containers included, without recursion.
  bool value() {
    std::string stack;  // '[' or '{' per open container
    for (;;) {
      skip_space();
      if (done()) return false;
      const char c = peek();
      if (c == '[' || c == '{') {
        ++at_;
        skip_space();
        if (done()) return false;
        if ((c == '[' && peek() == ']') || (c == '{' && peek() == '}')) {
          ++at_;
        } else {
          stack.push_back(c);
          if (c == '{' && !member_key()) return false;
          continue;
        }
      } else if (!scalar()) {
        return false;
      }
      // After a value: close containers or go on to the next element.
      for (;;) {
        if (stack.empty()) return true;
        skip_space();
        if (done()) return false;
        const char close = stack.back() == '[' ? ']' : '}';
        if (peek() == close) {
          ++at_;
          stack.pop_back();
          continue;
        }
        if (peek() != ',') return false;
        ++at_;
        if (stack.back() == '{' && !member_key()) return false;
        break;
      }
    }
  }

  // "key" : (the value follows)
  bool member_key() {
    skip_space();
    if (done() || peek() != '"' || !string()) return false;
    skip_space();
    if (done() || peek() != ':') return false;
    ++at_;
    return true;
  }

  bool scalar() {
    const char c = peek();
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (const std::string_view word : {"true", "false", "null"}) {
      if (c == word[0]) return literal(word);
    }
    return false;
  }

  bool literal(std::string_view word) {
    for (const char expected : word) {
      if (done() || peek() != expected) return false;
      ++at_;
    }
    return true;
  }

  bool digits() {
    const std::size_t first = at_;
    while (!done() && peek() >= '0' && peek() <= '9') ++at_;
    return at_ != first;
  }

  bool number() {
    if (peek() == '-') ++at_;
    if (done()) return false;
    if (peek() == '0') {
      ++at_;
    } else if (!digits()) {
      return false;
    }
    if (!done() && peek() == '.') {
      ++at_;
      if (!digits()) return false;
    }
    if (!done() && (peek() == 'e' || peek() == 'E')) {
      ++at_;
      if (!done() && (peek() == '+' || peek() == '-')) ++at_;
      if (!digits()) return false;
    }
    return true;
  }

  static bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  bool string() {
    ++at_;  // the opening quote
    for (;;) {
      if (done()) return false;
      const auto byte = static_cast<unsigned char>(peek());
      if (byte == '"') {
        ++at_;
        return true;
      }
      if (byte < 0x20) return false;
      if (byte == '\\') {
        ++at_;
        if (done()) return false;
        const char escape = peek();
        if (escape == 'u') {
          for (int k = 0; k < 4; ++k) {
            ++at_;
            if (done() || !is_hex(peek())) return false;
          }
          ++at_;
        } else if (std::string_view("\"\\/bfnrt").find(escape) != std::string_view::npos) {
          ++at_;
        } else {
          return false;
        }
        continue;
      }
      if (byte < 0x80) {
        ++at_;
        continue;
      }
      if (!utf8_sequence()) return false;
    }
  }

  // One multi-byte UTF-8 sequence at at_ (shortest form, no surrogates, at
  // most U+10FFFF); at_ stays on the first bad byte.
  bool utf8_sequence() {
    const auto lead = static_cast<unsigned char>(peek());
    int length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    ++at_;
    for (int k = 1; k < length; ++k) {
      if (done()) return false;
      const auto byte = static_cast<unsigned char>(peek());
      if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xBF)) return false;
      ++at_;
    }
    return true;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

std::size_t json_error_offset(std::string_view json) noexcept {
  try {
    return Scanner(json).run();
  } catch (...) {  // only std::bad_alloc of the stack string
    return json.size() + 1;
  }
}

}  // namespace linkvault
