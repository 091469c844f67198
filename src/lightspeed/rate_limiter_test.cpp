#include "lightspeed/rate_limiter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace lightspeed {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

double Secs(base::Duration d) { return std::chrono::duration<double>(d).count(); }

RequestShape Get(const std::string& entity) { return {"GET", entity}; }

TEST(BucketHeaders, ParsesFractionalLevelsAndBurst) {
  auto r = ParseBucketHeaders("37.46/90", "1.5", "7.5", "3/20");
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->level, 37.46);
  EXPECT_DOUBLE_EQ(r->size, 90);
  EXPECT_DOUBLE_EQ(r->drip_rate, 1.5);
  EXPECT_DOUBLE_EQ(*r->cost, 7.5);
  EXPECT_EQ(*r->burst_limit, 20);
  EXPECT_FALSE(ParseBucketHeaders("", "1", "", ""));
  EXPECT_FALSE(ParseBucketHeaders("12", "1", "", ""));
  EXPECT_TRUE(ParseBucketHeaders("91.2/90", "1", "", "")) << "levels may read above the size";
}

// Found by fuzzing (fuzz/regressions/lightspeed_client): "Retry-After: 21e308" reads as
// infinity, and turning that into a Duration was undefined behaviour.
TEST(BucketHeaders, NumbersThatAreNotFiniteAreNoReading) {
  EXPECT_FALSE(ParseBucketHeaders("inf/90", "1", "", ""));
  EXPECT_FALSE(ParseBucketHeaders("1/nan", "1", "", ""));
  EXPECT_FALSE(ParseBucketHeaders("1/90", "1e999", "", ""));
  auto r = ParseBucketHeaders("1/90", "1", "inf", "");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->cost) << "an infinite cost is not learned";
}

TEST(RateLimiterTest, AnEndlessRetryAfterWaitsAtMostAnHour) {
  base::ManualClock clock(base::TimePoint(seconds(1000)));
  RateLimiter limiter(clock);
  limiter.OnRateLimited(limiter.Acquire(Get("Item")), HUGE_VAL, std::nullopt);
  const auto before = clock.Now();
  limiter.Cancel(limiter.Acquire(Get("Item")));
  EXPECT_GT(Secs(clock.Now() - before), 3599);
  EXPECT_LT(Secs(clock.Now() - before), 3601);
}

TEST(BucketHeaders, NumbersTheModelCannotHoldAreRefused) {
  // A broken or hostile answer: a burst no int holds (converting it is undefined behaviour), NaN
  // or infinity (they would poison every later wait).
  auto r = ParseBucketHeaders("1/90", "1", "", "1e20/1e20");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->burst_limit) << "the burst header is ignored, the rest still read";
  EXPECT_FALSE(ParseBucketHeaders("1/90", "1", "", "-5/inf")->burst_limit);
  EXPECT_FALSE(ParseBucketHeaders("nan/90", "1", "", ""));
  EXPECT_FALSE(ParseBucketHeaders("1/inf", "1", "", ""));
  EXPECT_FALSE(ParseBucketHeaders("1/90", "inf", "", ""));
  EXPECT_FALSE(ParseBucketHeaders("1/90", "1", "nan", "")->cost);
}

// Found by fuzzing (fuzz/regressions/lightspeed_client): "X-LS-API-Bucket-Level:
// 77777777777777773/60" had the next request wait until the clock itself overflowed.
TEST(RateLimiterTest, ABucketLevelNoBucketHasDelaysARequestAtMostAnHour) {
  base::ManualClock clock(base::TimePoint(seconds(1000)));
  RateLimiter limiter(clock);
  limiter.Observe(limiter.Acquire(Get("Item")), ParseBucketHeaders("7.7e16/60", "1", "1", ""));
  const auto before = clock.Now();
  limiter.Cancel(limiter.Acquire(Get("Item")));
  EXPECT_GE(Secs(clock.Now() - before), 3600);
  EXPECT_LT(Secs(clock.Now() - before), 3601);
}

TEST(PredictCost, The2026Model) {
  EXPECT_DOUBLE_EQ(PredictCost(Get("Item")), 1);
  RequestShape sale{"POST", "Sale", 4, true};
  // developers.lightspeedhq.com/retail/endpoints/Sale/ "Request Cost": a Sale write costs 2
  // drips in place of the base 1, plus 3 with completed:true, plus 0.5 per nested entity.
  EXPECT_DOUBLE_EQ(PredictCost(sale), 2 + 3 + 0.5 * 4);
  RequestShape open_sale{"PUT", "Sale", 0, false};
  EXPECT_DOUBLE_EQ(PredictCost(open_sale), 2);
  EXPECT_DOUBLE_EQ(PredictCost({"DELETE", "Sale"}), 2);
  RequestShape customer{"POST", "Customer", 3};
  EXPECT_DOUBLE_EQ(PredictCost(customer), 2.5);
  RequestShape list{"GET", "Customer", 0, false, 1, 0, true};
  EXPECT_DOUBLE_EQ(PredictCost(list), 1.2) << "load_relations doubled on lists";
}

TEST(RateLimiterTest, R22WaitsBeforeOverflowingInsteadOfEarningA429) {
  base::ManualClock clock(base::TimePoint(seconds(1000)));
  RateLimiter limiter(clock);
  auto t = limiter.Acquire(Get("Item"));
  limiter.Observe(t, ParseBucketHeaders("89/90", "10", "1", ""));
  const auto before = clock.Now();
  RequestShape sale{"POST", "Sale", 4, true};  // predicted 7 units
  auto s = limiter.Acquire(sale);
  // 89 + 7 must come down to 90: 6 units at 10 per second.
  EXPECT_NEAR(Secs(clock.Now() - before), 0.6, 0.01);
  limiter.Observe(s, ParseBucketHeaders("90/90", "10", "7", ""));
}

TEST(RateLimiterTest, EmptyBucketAdmitsAtOnce) {
  base::ManualClock clock(base::TimePoint(seconds(1000)));
  RateLimiter limiter(clock);
  const auto before = clock.Now();
  for (int i = 0; i < 5; ++i) limiter.Observe(limiter.Acquire(Get("Item")), std::nullopt);
  EXPECT_EQ(clock.Now(), before);
}

// Issue 12: lsr-sim under rate model `off` sends no rate headers. With no bucket in sight the
// limiter waits for nothing: not for the guess it starts with, not for a bucket or burst limit
// an earlier answer reported.
TEST(RateLimiterTest, AnswersWithoutRateHeadersAreNotPaced) {
  base::ManualClock clock(base::TimePoint(seconds(1000)));
  RateLimiter limiter(clock);
  limiter.Observe(limiter.Acquire(Get("Item")), ParseBucketHeaders("59/60", "1", "1", "18/20"));
  limiter.ObserveUnmetered(limiter.Acquire(Get("Item")));
  const auto before = clock.Now();
  const RequestShape sale{"POST", "Sale", 4, true};  // 9 units each
  std::vector<RateLimiter::Ticket> in_flight;
  for (int i = 0; i < 200; ++i) in_flight.push_back(limiter.Acquire(sale));
  EXPECT_EQ(clock.Now(), before) << "200 requests in flight, none waited";
  EXPECT_TRUE(limiter.Now().unmetered);
  EXPECT_EQ(limiter.SecondsToDrain(1000), 0);
  for (const auto& t : in_flight) limiter.ObserveUnmetered(t);
  // Headers again: the bucket they report is respected again.
  limiter.Observe(limiter.Acquire(Get("Item")), ParseBucketHeaders("60/60", "1", "1", ""));
  EXPECT_FALSE(limiter.Now().unmetered);
  limiter.Cancel(limiter.Acquire(Get("Item")));
  EXPECT_NEAR(Secs(clock.Now() - before), 1.0, 0.01);
}

TEST(RateLimiterTest, InFlightReservationsCountForOtherThreads) {
  base::ManualClock clock(base::TimePoint(seconds(1000)));
  RateLimiter limiter(clock);
  limiter.Observe(limiter.Acquire(Get("Item")), ParseBucketHeaders("85/90", "1", "1", ""));
  auto a = limiter.Acquire(Get("Item"));  // 86 with this one in flight
  auto b = limiter.Acquire(Get("Item"));  // 87
  auto c = limiter.Acquire(Get("Item"));  // 88
  auto d = limiter.Acquire(Get("Item"));  // 89
  auto e = limiter.Acquire(Get("Item"));  // 90: fits exactly
  const auto before = clock.Now();
  auto f = limiter.Acquire(Get("Item"));  // must wait for one unit to drain
  EXPECT_NEAR(Secs(clock.Now() - before), 1.0, 0.01);
  for (auto* t : {&a, &b, &c, &d, &e, &f}) limiter.Cancel(*t);
}

TEST(RateLimiterTest, RetryAfterBlocksEveryone) {
  base::ManualClock clock(base::TimePoint(seconds(1000)));
  RateLimiter limiter(clock);
  auto t = limiter.Acquire(Get("Item"));
  limiter.OnRateLimited(t, 3, ParseBucketHeaders("10/90", "1", "1", ""));
  const auto before = clock.Now();
  limiter.Cancel(limiter.Acquire(Get("Item")));
  EXPECT_GE(Secs(clock.Now() - before), 3.0);
}

TEST(RateLimiterTest, LearnsTheCostTheServerReports) {
  base::ManualClock clock(base::TimePoint(seconds(1000)));
  RateLimiter limiter(clock);
  RequestShape sale{"POST", "Sale", 2, true};
  auto t = limiter.Acquire(sale);
  EXPECT_DOUBLE_EQ(t.reserved, PredictCost(sale));
  limiter.Observe(t, ParseBucketHeaders("10/60", "1", "10", ""));  // a legacy account: writes 10
  auto u = limiter.Acquire(sale);
  EXPECT_DOUBLE_EQ(u.reserved, 10);
  limiter.Cancel(u);
}

TEST(RateLimiterTest, BurstWindowIsRespected) {
  base::ManualClock clock(base::TimePoint(seconds(1000)));
  RateLimiter limiter(clock);
  limiter.Observe(limiter.Acquire(Get("Item")), ParseBucketHeaders("1/900", "100", "1", "1/4"));
  const auto start = clock.Now();
  for (int i = 0; i < 9; ++i) limiter.Observe(limiter.Acquire(Get("Item")), std::nullopt);
  // Three a second (one below the limit of four): nine more need three windows.
  EXPECT_GE(Secs(clock.Now() - start), 2.0);
}

TEST(RateLimiterTest, AnotherClientsSpendingSlowsUsDown) {
  base::ManualClock clock(base::TimePoint(seconds(1000)));
  RateLimiter limiter(clock);
  limiter.Observe(limiter.Acquire(Get("Item")), ParseBucketHeaders("1/10", "1", "1", ""));
  // Each second the server reports 1.5 units more than our own requests explain.
  double server_level = 1;
  for (int i = 0; i < 6; ++i) {
    clock.Advance(seconds(1));
    server_level = std::max(0.0, server_level - 1) + 1.5 + 1;
    limiter.Observe(
        limiter.Acquire(Get("Item")),
        ParseBucketHeaders(std::to_string(std::min(server_level, 9.0)) + "/10", "1", "1", ""));
  }
  // With a drip of 1 and others spending more than that, we wait at the floor rate (0.1/s),
  // not the nominal one.
  const auto before = clock.Now();
  limiter.Cancel(limiter.Acquire(RequestShape{"POST", "Customer", 4}));  // 3 units
  EXPECT_GT(Secs(clock.Now() - before), 3.0);
}

TEST(RateLimiterTest, SharedPerAccountInTheProcess) {
  base::ManualClock clock(base::TimePoint(seconds(1)));
  auto a = LimiterFor("http://x", "1", clock);
  auto b = LimiterFor("http://x", "1", clock);
  auto c = LimiterFor("http://x", "2", clock);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
}

}  // namespace
}  // namespace lightspeed
