#include "store/store_rows.hpp"

#include "core/json_text.hpp"

#include <simdjson.h>

namespace linkvault {

std::string scopes_to_json(const std::vector<std::string>& scopes) {
  std::string out = "[";
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_json_quoted(out, scopes[i]);
  }
  out.push_back(']');
  return out;
}

std::vector<std::string> scopes_from_json(std::string_view text) {
  // One parser per thread: constructing one allocates, and reads are hot.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(text.data(), text.size(), true).get_array().get(array)) {
    throw Error(ErrorCode::integrity, "stored scopes are not a JSON array");
  }
  std::vector<std::string> scopes;
  for (auto element : array) {
    std::string_view scope;
    if (element.get_string().get(scope)) {
      throw Error(ErrorCode::integrity, "stored scope is not a string");
    }
    scopes.emplace_back(scope);
  }
  return scopes;
}

}  // namespace linkvault
