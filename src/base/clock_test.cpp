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

TEST(ManualClockTest, SleepAdvancesTimeWithoutWaiting) {
  ManualClock clock(std::chrono::system_clock::from_time_t(1000));
  clock.SleepFor(std::chrono::minutes(30));
  EXPECT_EQ(std::chrono::system_clock::to_time_t(clock.Now()), 1000 + 1800);
}

}  // namespace
}  // namespace base
