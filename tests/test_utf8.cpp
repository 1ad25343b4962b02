// The one UTF-8 module (linkvault/utf8.hpp): messages and the C shim's
// last-error buffer are cut with it.
#include "linkvault/utf8.hpp"
#include "vault/input_rules.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace linkvault;

TEST_CASE("utf8_prefix_length never ends inside a character") {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x91";  // a é € 🔑
  CHECK(utf8_prefix_length(text, 100) == text.size());
  CHECK(utf8_prefix_length(text, text.size()) == text.size());
  CHECK(utf8_prefix_length(text, 0) == 0);
  CHECK(utf8_prefix_length(text, 1) == 1);
  CHECK(utf8_prefix_length(text, 2) == 1);   // inside é
  CHECK(utf8_prefix_length(text, 3) == 3);
  CHECK(utf8_prefix_length(text, 5) == 3);   // inside €
  CHECK(utf8_prefix_length(text, 6) == 6);
  CHECK(utf8_prefix_length(text, 9) == 6);   // inside 🔑
  CHECK(is_valid_utf8(text.substr(0, utf8_prefix_length(text, 8))));
}

TEST_CASE("clean_message cuts on a character boundary and refuses invalid UTF-8") {
  CHECK(clean_message("ab\xC3\xA9", 3) == "ab");
  CHECK(clean_message("ab\xC3\xA9", 4) == "ab\xC3\xA9");
  CHECK(clean_message("ab\xC3", 10) == "(message was not valid UTF-8)");
}
