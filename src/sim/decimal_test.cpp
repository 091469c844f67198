#include "sim/decimal.h"

#include <gtest/gtest.h>

#include "sim/query.h"

namespace sim {
namespace {

TEST(Decimal, ParsesLenientInputExactly) {
  EXPECT_EQ(ParseFixed("10", 2), 1000);
  EXPECT_EQ(ParseFixed("10.5", 2), 1050);
  EXPECT_EQ(ParseFixed("-3.25", 2), -325);
  EXPECT_EQ(ParseFixed("0.0825", 8), 8250000);
  EXPECT_EQ(ParseFixed("10.500", 2), 1050);  // trailing zeros beyond the scale are harmless
  EXPECT_FALSE(ParseFixed("10.505", 2));
  EXPECT_FALSE(ParseFixed("1e3", 2));
  EXPECT_FALSE(ParseFixed("", 2));
  EXPECT_FALSE(ParseFixed(".", 2));
}

TEST(Decimal, FormatsTrimmedToMinimumDecimals) {
  EXPECT_EQ(FormatFixed(1050, 2, 2), "10.50");
  EXPECT_EQ(FormatFixed(8250000, 8, 0), "0.0825");
  EXPECT_EQ(FormatFixed(16491750000, 10, 2), "1.649175");
  EXPECT_EQ(FormatFixed(-5, 2, 2), "-0.05");
  EXPECT_EQ(FormatFixed(0, 8, 0), "0");
}

TEST(Decimal, RoundsHalfAwayFromZero) {
  EXPECT_EQ(DivRoundHalfAway(825, 10), 83);  // 0.825 -> 0.83, not banker's 0.82
  EXPECT_EQ(DivRoundHalfAway(824, 10), 82);
  EXPECT_EQ(DivRoundHalfAway(-825, 10), -83);
}

TEST(QueryString, KeepsOperatorValuesThatContainEquals) {
  // httplib's own parser would turn "timeStamp=>=,2026" into ",2026".
  Params p = ParseQueryString("timeStamp=%3E%3D,2026-01-01&qoh=>=,5&or=a%3Dx|a%3Dy&email=a+b%40x");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].second, ">=,2026-01-01");
  EXPECT_EQ(p[1].second, ">=,5");
  EXPECT_EQ(p[2].second, "a=x|a=y");
  EXPECT_EQ(p[3].second, "a b@x");  // PHP-style: '+' is a space
}

}  // namespace
}  // namespace sim
