#include "base/time_zone.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <exception>

namespace base {
namespace {

const date::time_zone* Find(std::string_view name) {
  if (name.empty() || name.size() > 64) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {  // unknown name, or no tz database on this machine
    return nullptr;
  }
}

}  // namespace

bool IsTimeZone(std::string_view name) { return Find(name) != nullptr; }

std::vector<std::string> TimeZoneNames() {
  std::vector<std::string> out;
  try {
    for (const date::time_zone& z : date::get_tzdb().zones) out.push_back(z.name());
  } catch (const std::exception&) {
    return {};
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string FormatInZone(TimePoint t, std::string_view zone, const char* format) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const date::time_zone* z = Find(zone);
  if (z == nullptr) z = Find("UTC");
  if (z == nullptr) return date::format(format, secs);  // %Z reads "UTC" for a sys_time
  return date::format(format, date::make_zoned(z, secs));
}

}  // namespace base
