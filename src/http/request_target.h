// The pieces of a request the server decodes itself from client bytes (beyond Beast's parsing):
// the target's path and query, and whether a body is a urlencoded form. Kept apart so the fuzz
// target (fuzz/http_request_fuzz.cpp) reaches them without a socket.
#pragma once

#include <string_view>

#include "http/http.h"

namespace http::detail {

// Sets req.path (percent-decoded, '+' kept) and adds the query's parameters to req.params, from
// an origin-form target ("/a%20b?x=1") or an absolute-form one ("http://host/a?x=1", as sent to
// proxies: its path and query are used, "/" when it has no path). A "#fragment" is dropped.
void ApplyTarget(std::string_view target, Request& req);

// "application/x-www-form-urlencoded", in any case, with or without parameters ("; charset=…").
bool IsUrlEncodedForm(std::string_view content_type);

}  // namespace http::detail
