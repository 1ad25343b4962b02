#include "oauth/authorization_url.hpp"

namespace linkvault {

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' ||
                            byte == '_' || byte == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 0x0F]);
    }
  }
  return out;
}

std::string authorization_url(const AuthorizationRequest& request) {
  std::string url(request.authorize_url);
  // An endpoint that already carries a query (some tenants' Azure AD
  // endpoints do) gets ours appended to it.
  if (url.find('?') == std::string::npos) {
    url.push_back('?');
  } else if (url.back() != '?' && url.back() != '&') {
    url.push_back('&');
  }
  const auto add = [&url](std::string_view name, std::string_view value, bool first = false) {
    if (!first) url.push_back('&');
    url.append(name).push_back('=');
    url.append(percent_encode(value));
  };
  add("response_type", "code", /*first=*/true);
  add("client_id", request.client_id);
  add("redirect_uri", request.redirect_uri);
  if (!request.scopes.empty()) {
    std::string joined;
    for (const auto& scope : request.scopes) {
      if (!joined.empty()) joined.push_back(' ');
      joined.append(scope);
    }
    add("scope", joined);
  }
  add("state", request.state);
  add("code_challenge", request.code_challenge);
  add("code_challenge_method", "S256");
  return url;
}

}  // namespace linkvault
