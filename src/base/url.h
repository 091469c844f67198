// Public base URLs (server.public_url) and loopback hosts: the OAuth redirect and every absolute
// link spoke builds start from one checked base.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace base {

// Percent-encodes everything but RFC 3986's unreserved characters (A-Z a-z 0-9 - _ . ~): one
// path segment or query value.
std::string PercentEncode(std::string_view text);

// The host of an authority "host[:port]" or "[v6]:port" (a Host header, a listen address).
std::string HostOfAuthority(std::string_view authority);
// localhost, 127.0.0.0/8 (also v4-mapped, ::ffff:127.0.0.1) or ::1 (with or without brackets).
bool IsLoopbackHost(std::string_view host);
// Checks a public base URL — http(s)://host[:port][/path], no user info, query or fragment;
// plain http only for a loopback host — and returns it without a trailing slash. Errors name
// `key`.
Result<std::string> ParsePublicUrl(std::string_view url, const std::string& key);

}  // namespace base
