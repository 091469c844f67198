#include "base/time_zone.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace base {
namespace {

TimePoint At(const char* rfc3339) {
  auto t = ParseTime(rfc3339, "t");
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : TimePoint{};
}

TEST(TimeZone, KnowsTheTzDatabaseNames) {
  EXPECT_TRUE(IsTimeZone("UTC"));
  EXPECT_TRUE(IsTimeZone("America/Chicago"));
  EXPECT_TRUE(IsTimeZone("Europe/Amsterdam"));
  EXPECT_FALSE(IsTimeZone(""));
  EXPECT_FALSE(IsTimeZone("Mars/Olympus_Mons"));
  EXPECT_FALSE(IsTimeZone("../../etc/passwd"));
  EXPECT_FALSE(IsTimeZone(std::string(200, 'A')));
}

TEST(TimeZone, FormatsInTheZoneWithItsDaylightSavingTime) {
  // Chicago is UTC-6 in winter (CST) and UTC-5 in summer (CDT).
  EXPECT_EQ(FormatInZone(At("2026-11-20T15:04:00Z"), "America/Chicago"), "2026-11-20 09:04 CST");
  EXPECT_EQ(FormatInZone(At("2026-07-01T15:04:00Z"), "America/Chicago"), "2026-07-01 10:04 CDT");
  // A date that moves back a day.
  EXPECT_EQ(FormatInZone(At("2026-11-20T03:00:00Z"), "America/Los_Angeles"),
            "2026-11-19 19:00 PST");
  EXPECT_EQ(FormatInZone(At("2026-11-20T15:04:59Z"), "UTC"), "2026-11-20 15:04 UTC");
}

TEST(TimeZone, ListsTheZonesItKnows) {
  const std::vector<std::string> names = TimeZoneNames();
  ASSERT_GT(names.size(), 300u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "America/Chicago"), names.end());
  for (const std::string& n : names) ASSERT_TRUE(IsTimeZone(n)) << n;
}

TEST(TimeZone, AnUnknownZoneFormatsInUtc) {
  EXPECT_EQ(FormatInZone(At("2026-11-20T15:04:00Z"), "Nowhere/Atall"), "2026-11-20 15:04 UTC");
  EXPECT_EQ(FormatInZone(At("2026-11-20T15:04:00Z"), ""), "2026-11-20 15:04 UTC");
}

// Issue 15: reconciliation's dates start the day in the store's zone; a year past 2199 is refused
// (fuzz/time found 9999-12-31 wrapping around to 1816).
TEST(TimeZone, ADateStartsItsDayInTheZoneWithinTheYearsTimesCanHold) {
  auto day = StartOfDayInZone("2026-11-20", "America/Denver", "from");
  ASSERT_TRUE(day.ok()) << day.error().message;
  EXPECT_EQ(*day, At("2026-11-20T07:00:00Z"));
  for (const char* bad : {"9999-12-31", "2200-01-01", "1969-12-31", "2026-02-30", "2026-11-2x"}) {
    auto r = StartOfDayInZone(bad, "America/Denver", "from");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "from") << bad;
  }
}

}  // namespace
}  // namespace base
