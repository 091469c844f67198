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

Result<TimePoint> StartOfDayInZone(std::string_view text, std::string_view zone,
                                   std::string_view field) {
  const std::string f(field);
  auto digits = [&](size_t at, size_t n, int* out) {
    *out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      *out = *out * 10 + (text[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(0, 4, &y) ||
      !digits(5, 2, &m) || !digits(8, 2, &d))
    return Invalid(f, f + " must be a date like 2026-11-20 or an RFC 3339 time");
  const date::year_month_day ymd{date::year(y), date::month(m), date::day(d)};
  if (!ymd.ok()) return Invalid(f, f + " is not a calendar date");
  // Times are kept to the nanosecond in 64 bits: beyond 2262 they would wrap around.
  if (y < 1970 || y > 2199) return Invalid(f, f + " must be a date from 1970 to 2199");
  const date::time_zone* z = Find(zone);
  if (z == nullptr) return Invalid(f, "the store's time zone is unknown: " + std::string(zone));
  const date::local_seconds local{date::local_days(ymd).time_since_epoch()};
  date::sys_seconds start;
  try {
    start = z->to_sys(local, date::choose::earliest);
  } catch (const std::exception&) {  // midnight skipped by a gap: the gap's end
    start = z->to_sys(local + std::chrono::hours(1), date::choose::earliest);
  }
  return std::chrono::time_point_cast<Duration>(start);
}

}  // namespace base
