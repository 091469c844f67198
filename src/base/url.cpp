#include "base/url.h"

#include <cctype>

namespace base {

std::string PercentEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string HostOfAuthority(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    return close == std::string_view::npos ? "" : std::string(authority.substr(1, close - 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

bool IsLoopbackHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::string lower(host);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "localhost" || lower == "::1") return true;
  // An IPv4 peer on a dual-stack ("::") listener shows as a v4-mapped address.
  if (lower.rfind("::ffff:", 0) == 0) lower = lower.substr(7);
  if (lower.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : lower) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

Result<std::string> ParsePublicUrl(std::string_view url, const std::string& key) {
  auto bad = [&](const std::string& why) -> Error {
    return Invalid(key, key + " " + why + " (e.g. https://spoke.example.com), not \"" +
                            std::string(url) + "\"");
  };
  const bool https = url.rfind("https://", 0) == 0, http = url.rfind("http://", 0) == 0;
  if (!https && !http) return bad("must start with https:// (http:// only for a loopback host)");
  const std::string_view rest = url.substr(https ? 8 : 7);
  const size_t path_at = rest.find('/');
  const std::string_view authority = rest.substr(0, path_at);
  if (url.find_first_of("?#") != std::string_view::npos)
    return bad("must not have a query or fragment");
  if (authority.find('@') != std::string_view::npos) return bad("must not hold a user name");
  if (url.find_first_of(" \t\r\n\\\"<>") != std::string_view::npos)
    return bad("must not hold spaces, quotes or backslashes");
  const std::string host = HostOfAuthority(authority);
  if (host.empty()) return bad("has no host");
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos &&
      authority.substr(colon).find(']') == std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos)
      return bad("has a bad port");
  }
  if (http && !IsLoopbackHost(host))
    return bad("must use https:// (Lightspeed accepts plain http only for localhost)");
  std::string out(url);
  while (out.size() > (https ? 8u : 7u) && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace base
