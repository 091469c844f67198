// The store's time zone: an IANA name ("America/Chicago") from the system's tz database
// (Debian's tzdata, read through date-tz), used to show times as the store's staff live them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace base {

// True when `name` is a zone of the tz database ("UTC", "Europe/Amsterdam").
bool IsTimeZone(std::string_view name);

// Every zone name of the tz database, sorted ("Africa/Abidjan" … "UTC" …); empty without one.
std::vector<std::string> TimeZoneNames();

// `t` in `zone` as "2026-11-20 09:04 CST" (strftime-like `format`, %Z the zone's abbreviation).
// An unknown zone formats in UTC, so a page never fails over a setting.
std::string FormatInZone(TimePoint t, std::string_view zone,
                         const char* format = "%Y-%m-%d %H:%M %Z");

// The instant a day ("2026-11-20") begins in `zone` (its first local midnight, or the first
// instant after a gap). kInvalidInput naming `field` for a malformed date or unknown zone.
Result<TimePoint> StartOfDayInZone(std::string_view date, std::string_view zone,
                                   std::string_view field);

}  // namespace base
