#include "http/request_target.h"

#include <strings.h>

namespace http::detail {
namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

// The path-and-query of an absolute-form target, or the target itself.
std::string_view OriginPart(std::string_view target) {
  size_t scheme = 0;
  if (StartsWithNoCase(target, "http://")) scheme = 7;
  if (StartsWithNoCase(target, "https://")) scheme = 8;
  if (scheme == 0) return target;
  const size_t start = target.find_first_of("/?", scheme);
  return start == std::string_view::npos ? std::string_view("/") : target.substr(start);
}

}  // namespace

void ApplyTarget(std::string_view target, Request& req) {
  target = target.substr(0, target.find('#'));
  target = OriginPart(target);
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  // "http://host?x=1" has an empty path: it means "/".
  req.path = path.empty() && q != std::string_view::npos ? "/" : PercentDecode(path, false);
  if (q != std::string_view::npos) ParseUrlEncoded(target.substr(q + 1), req.params);
}

bool IsUrlEncodedForm(std::string_view content_type) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (!StartsWithNoCase(content_type, kForm)) return false;
  const std::string_view rest = content_type.substr(kForm.size());
  return rest.empty() || rest[0] == ';' || rest[0] == ' ' || rest[0] == '\t';
}

}  // namespace http::detail
