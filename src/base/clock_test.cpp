#include "base/clock.h"

#include <gtest/gtest.h>

namespace base {
namespace {

TEST(Time, FormatsAndParsesUtc) {
  auto t = ParseTime("2026-11-20T15:04:05Z", "placed_at");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatTime(*t), "2026-11-20T15:04:05Z");
  auto off = ParseTime("2026-11-20T17:04:05+02:00", "placed_at");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(FormatTime(*off), "2026-11-20T15:04:05Z");
  EXPECT_TRUE(ParseTime("2026-11-20T15:04:05.123Z", "x").ok());
}

TEST(Time, RejectsMalformed) {
  for (const char* bad :
       {"2026-11-20", "2026-11-20 15:04:05Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-11-20T15:04:05", "yesterday", "2026-11-20T15:04:05Zjunk"}) {
    auto t = ParseTime(bad, "placed_at");
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().field, "placed_at");
  }
}

// Found by fuzzing (fuzz/regressions/time): year 0026 overflowed the nanosecond TimePoint.
TEST(Time, RefusesYearsATimePointCannotHold) {
  for (const char* far : {"0026-11-20T15:04:05Z", "1677-01-01T00:00:00Z", "1899-12-31T23:59:59Z",
                          "2200-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    auto t = ParseTime(far, "placed_at");
    ASSERT_FALSE(t.ok()) << far;
    EXPECT_EQ(t.error().field, "placed_at");
    EXPECT_NE(t.error().message.find("1900"), std::string::npos) << t.error().message;
  }
  for (const char* edge : {"1900-01-01T00:00:00Z", "2199-12-31T23:59:59Z"}) {
    auto t = ParseTime(edge, "placed_at");
    ASSERT_TRUE(t.ok()) << edge;
    EXPECT_EQ(FormatTime(*t), edge);
  }
}

TEST(ManualClockTest, SleepAdvancesTimeWithoutWaiting) {
  ManualClock clock(std::chrono::system_clock::from_time_t(1000));
  clock.SleepFor(std::chrono::minutes(30));
  EXPECT_EQ(std::chrono::system_clock::to_time_t(clock.Now()), 1000 + 1800);
}

}  // namespace
}  // namespace base
