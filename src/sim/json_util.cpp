#include "sim/json_util.h"

#include <charconv>
#include <ctime>

#include "http/http.h"

namespace sim {

std::optional<std::string> ScalarText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_float()) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v.get<double>());
    std::string s(buf, r.ptr);
    if (s.find('e') != std::string::npos) {  // tiny or huge: write it out plainly
      r = std::to_chars(buf, buf + sizeof buf, v.get<double>(), std::chars_format::fixed);
      s.assign(buf, r.ptr);
    }
    return s;
  }
  if (v.is_null()) return std::string();
  return std::nullopt;
}

Json OneOrMany(std::vector<Json> items) {
  if (items.size() == 1) return std::move(items[0]);
  Json arr = Json::array();
  for (auto& i : items) arr.push_back(std::move(i));
  return arr;
}

Json Wrapped(const std::string& child, std::vector<Json> items) {
  if (items.empty()) return "";
  Json o = Json::object();
  o[child] = OneOrMany(std::move(items));
  return o;
}

bool ReadWrapped(const Json& parent, const std::string& key, const std::string& child,
                 std::vector<Json>* out) {
  out->clear();
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty()))
    return true;
  if (!it->is_object()) return false;
  auto c = it->find(child);
  if (c == it->end()) return it->empty();
  if (c->is_object()) {
    out->push_back(*c);
    return true;
  }
  if (!c->is_array()) return false;
  for (const auto& e : *c) {
    if (!e.is_object()) return false;
    out->push_back(e);
  }
  return true;
}

std::string FormatTimeUs(int64_t us) {
  const std::time_t secs =
      static_cast<std::time_t>(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return buf;
}

std::string ErrorBody(int status, std::string_view message, std::string_view error_class) {
  Json j = Json::object();
  j["httpCode"] = std::to_string(status);
  j["httpMessage"] = http::StatusText(status);
  j["message"] = std::string(message);
  j["errorClass"] = std::string(error_class);
  // Messages quote paths and query fields, whose bytes need not be UTF-8.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string FieldText(const Json& o, const std::string& k) {
  auto it = o.find(k);
  if (it == o.end()) return "";
  auto t = ScalarText(*it);
  return t ? *t : "";
}

base::Error BadArgument(const std::string& field, const std::string& message) {
  return base::Invalid(field, message, "InvalidArgumentException");
}

}  // namespace sim
