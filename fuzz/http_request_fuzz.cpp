// What the server decodes itself from a client's bytes, on any input: the request target (path
// and query, origin- or absolute-form), urlencoded forms and the form Content-Type check. The
// whole input is one target; its lines are also taken as key/value pairs that, encoded, must
// decode back to themselves.
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "http/http.h"
#include "http/request_target.h"

namespace {

// Escapes every byte but the unreserved ones; a form escapes a space as '+'.
std::string Encode(std::string_view s, bool form) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (form && c == ' ') {
      out.push_back('+');
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

size_t Count(std::string_view s, char c) {
  size_t n = 0;
  for (char x : s) n += x == c;
  return n;
}

void CheckRawTarget(std::string_view target) {
  http::Request req;
  http::detail::ApplyTarget(target, req);
  FUZZ_CHECK(req.path.size() <= std::max<size_t>(target.size(), 1), req.path);
  FUZZ_CHECK(req.params.size() <= Count(target, '&') + 1, std::string(target));
  // An origin-form target's path is its part before '?' or '#', decoded, '+' kept.
  if (!target.empty() && target[0] == '/') {
    const std::string_view raw = target.substr(0, target.find_first_of("?#"));
    FUZZ_CHECK(req.path == http::PercentDecode(raw, false), req.path);
  }
  std::multimap<std::string, std::string> form;
  http::ParseUrlEncoded(target, form);
  FUZZ_CHECK(form.size() <= Count(target, '&') + 1, std::string(target));
  for (const auto& [k, v] : form) FUZZ_CHECK(k.size() + v.size() <= target.size(), k + "=" + v);
  for (bool plus : {false, true}) {
    const std::string d = http::PercentDecode(target, plus);
    FUZZ_CHECK(d.size() <= target.size(), d);
    if (target.find('%') == std::string_view::npos && !plus) FUZZ_CHECK(d == target, d);
  }
  if (http::detail::IsUrlEncodedForm(target)) {
    std::string lower(target.substr(0, 33));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    FUZZ_CHECK(lower == "application/x-www-form-urlencoded", std::string(target));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = fuzz::AsText(data, size);
  CheckRawTarget(input);

  std::vector<std::string> lines;
  for (std::string_view rest = input; !rest.empty() && lines.size() < 64;) {
    const size_t nl = rest.find('\n');
    lines.emplace_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  // Every line, encoded, decodes back, as a path and as a form value.
  for (const std::string& line : lines) {
    FUZZ_CHECK(http::PercentDecode(Encode(line, false), false) == line, line);
    FUZZ_CHECK(http::PercentDecode(Encode(line, true), true) == line, line);
  }
  // Lines as key/value pairs, sent as a query and as a form body, come back as they were.
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string query;
  for (size_t i = 0; i + 1 < lines.size(); i += 2) {
    pairs.emplace_back(lines[i], lines[i + 1]);
    query += (query.empty() ? "" : "&") + Encode(lines[i], true) + "=" + Encode(lines[i + 1], true);
  }
  const std::string path = lines.empty() ? "" : lines[0];
  http::Request req;
  http::detail::ApplyTarget("/" + Encode(path, false) + "?" + query, req);
  FUZZ_CHECK(req.path == "/" + path, req.path);
  std::multimap<std::string, std::string> expected(pairs.begin(), pairs.end());
  FUZZ_CHECK(req.params == expected, query);
  std::multimap<std::string, std::string> form;
  http::ParseUrlEncoded(query, form);
  FUZZ_CHECK(form == expected, query);
  return 0;
}
