#include "web/site/chart.h"

#include <gtest/gtest.h>

namespace web::site {
namespace {

using namespace std::chrono_literals;

TEST(BucketHistory, KeepsOneHourPerStore) {
  BucketHistory h;
  const base::TimePoint t0{std::chrono::seconds(1'800'000'000)};
  for (int i = 0; i <= 90; ++i) h.Add(1, {t0 + i * 1min, double(i), 60});
  h.Add(2, {t0, 5, 60});
  const auto one = h.Get(1, t0 + 90min);
  ASSERT_FALSE(one.empty());
  EXPECT_EQ(one.front().at, t0 + 30min);
  EXPECT_EQ(one.size(), 61u);
  EXPECT_EQ(h.Get(2, t0).size(), 1u);
  EXPECT_TRUE(h.Get(3, t0).empty());
}

TEST(Chart, DrawsALineOrSaysThereWasNothing) {
  const base::TimePoint now{std::chrono::seconds(1'800'000'000)};
  EXPECT_NE(RenderLevelChart({}, now).find("No Lightspeed calls"), std::string::npos);
  const std::string svg = RenderLevelChart({{now - 10min, 30, 60}, {now, 60, 60}}, now);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  // Full bucket at "now": the right edge at the top of the plot.
  EXPECT_NE(svg.find("710.0,12.0"), std::string::npos);
  // In a merchant's words: how much of the capacity was in use, not bucket units.
  EXPECT_NE(svg.find("100% in use"), std::string::npos);
  EXPECT_NE(svg.find(">50%</text>"), std::string::npos);
  EXPECT_EQ(svg.find("units"), std::string::npos);
}

}  // namespace
}  // namespace web::site
