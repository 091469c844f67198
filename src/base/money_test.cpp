#include "base/money.h"

#include <gtest/gtest.h>

#include <numeric>

namespace base {
namespace {

Money M(int64_t cents) { return Money::FromCents(cents); }

TEST(MoneyParse, AcceptsTwoDecimals) {
  auto m = Money::Parse("899.99", "total");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->cents(), 89999);
  EXPECT_EQ(Money::Parse("0.00", "x")->cents(), 0);
  EXPECT_EQ(Money::Parse("0.05", "x")->cents(), 5);
  EXPECT_EQ(Money::Parse("1000000.00", "x")->cents(), 100000000);
}

TEST(MoneyParse, RejectsEverythingElseNamingTheField) {
  for (const char* bad :
       {"899.9", "899", "1e3", "-0.00", "-1.00", "+1.00", "", ".99", "1.999", "01.00", "1,00",
        " 1.00", "1.00 ", "12a.00", "1.0a", "NaN", "99999999999999.00", "1.-1"}) {
    auto m = Money::Parse(bad, "lines[0].unit_price");
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(m.error().field, "lines[0].unit_price");
    EXPECT_NE(m.error().message.find("lines[0].unit_price"), std::string::npos);
  }
}

TEST(MoneyFormat, RoundTripsAndShowsDollars) {
  EXPECT_EQ(M(89999).ToString(), "899.99");
  EXPECT_EQ(M(5).ToString(), "0.05");
  EXPECT_EQ(M(0).ToString(), "0.00");
  EXPECT_EQ(M(-300).ToString(), "-3.00");
  EXPECT_EQ(M(1250).Dollars(), "$12.50");
  EXPECT_EQ(M(-300).Dollars(), "-$3.00");
  for (int64_t c : {0, 1, 10, 99, 100, 101, 123456789}) {
    EXPECT_EQ(Money::Parse(M(c).ToString(), "x")->cents(), c);
  }
}

TEST(MoneyArithmetic, DetectsOverflow) {
  Money out;
  EXPECT_FALSE(Money::Multiply(M(INT64_MAX / 2), 3, &out));
  EXPECT_FALSE(Money::Add(M(INT64_MAX), M(1), &out));
  ASSERT_TRUE(Money::Multiply(M(250), 4, &out));
  EXPECT_EQ(out.cents(), 1000);
}

int64_t Sum(const std::vector<Money>& v) {
  int64_t s = 0;
  for (auto m : v) s += m.cents();
  return s;
}

// R7: an order discount is spread in proportion, to the cent, remainder to the largest line.
TEST(Spread, R7ProportionalRemainderToLargest) {
  auto s = Spread(M(1000), {M(10000), M(5000), M(5000)});
  EXPECT_EQ(s[0].cents(), 500);
  EXPECT_EQ(s[1].cents(), 250);
  EXPECT_EQ(s[2].cents(), 250);

  // 1.00 over three equal lines: 33 each, the extra cent to the first largest.
  s = Spread(M(100), {M(300), M(300), M(300)});
  EXPECT_EQ(s[0].cents(), 34);
  EXPECT_EQ(s[1].cents(), 33);
  EXPECT_EQ(s[2].cents(), 33);

  // The remainder goes to the largest, not the first.
  s = Spread(M(10), {M(100), M(700), M(200)});
  EXPECT_EQ(s[0].cents(), 1);
  EXPECT_EQ(s[1].cents(), 7);
  EXPECT_EQ(s[2].cents(), 2);
  s = Spread(M(11), {M(100), M(700), M(200)});
  EXPECT_EQ(s[1].cents(), 8);
}

TEST(Spread, R7EveryCentAccountedFor) {
  const std::vector<Money> weights = {M(89999), M(2499), M(1), M(1500), M(0)};
  for (int64_t cents = 0; cents <= 5000; ++cents) {
    auto s = Spread(M(cents), weights);
    ASSERT_EQ(Sum(s), cents) << cents;
    EXPECT_EQ(s[4].cents(), 0) << "a zero-amount line takes no discount";
    for (size_t i = 1; i < 4; ++i) {
      // Each non-largest share is the floor of its exact proportion.
      const __int128 exact = static_cast<__int128>(cents) * weights[i].cents() / 93999;
      EXPECT_EQ(s[i].cents(), static_cast<int64_t>(exact));
    }
  }
}

TEST(Spread, EdgeCases) {
  EXPECT_TRUE(Spread(M(100), {}).empty());
  auto s = Spread(M(100), {M(0), M(0)});
  EXPECT_EQ(s[0].cents(), 100);
  EXPECT_EQ(s[1].cents(), 0);
  s = Spread(M(0), {M(5), M(7)});
  EXPECT_EQ(Sum(s), 0);
}

}  // namespace
}  // namespace base
