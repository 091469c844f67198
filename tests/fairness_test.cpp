// Issue 12, item 1: a store with a few orders is served whatever other stores hold. Store A has
// 1,100 orders queued on a nearly empty Lightspeed bucket; store B's five orders, queued after
// all of them, are exported while A still holds more than a thousand.
#include <gtest/gtest.h>

#include "tests/support/service.h"

namespace {

using testing_support::json;
using testing_support::Reply;
using testing_support::TestService;

TEST(Fairness, AStoreWithFiveOrdersIsServedBehindOneWithMoreThanAThousand) {
  TestService svc;
  svc.Connect();
  // A's Lightspeed bucket lets a sale through every few seconds: its backlog stays over a
  // thousand for the whole test. (A slower drip would make the engine's stop wait that long for
  // the sale in flight.)
  svc.SimControl("PUT", "/rate", {{"model", "2026"}, {"bucket_size", 9}, {"drip_rate", 1}});
  ASSERT_LT(svc.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 300);
  json a_numbers = json::array();
  const auto queue = [&](json* numbers) {  // at most 500 orders a request
    ASSERT_EQ(svc.Post("/api/v1/exports", {{"orders", *numbers}}).status, 200);
    *numbers = json::array();
  };
  for (int i = 0; i < 1100; ++i) {
    const std::string n = "A" + std::to_string(10000 + i);
    ASSERT_LT(svc.Put("/api/v1/orders/" + n,
                      testing_support::HelmetOrder(n, "a" + std::to_string(i) + "@example.com"))
                  .status,
              300);
    a_numbers.push_back(n);
    if (a_numbers.size() == 500) queue(&a_numbers);
  }
  queue(&a_numbers);

  auto b = svc.AddConnectedStore("b");
  ASSERT_LT(
      svc.Call("PUT", "/api/v1/items/HELMET", testing_support::HelmetItem().dump(), b.token).status,
      300);
  json b_numbers = json::array();
  for (int i = 0; i < 5; ++i) {
    const std::string n = "B" + std::to_string(i);
    ASSERT_LT(svc.Call("PUT", "/api/v1/orders/" + n,
                       testing_support::HelmetOrder(n, "b@example.com").dump(), b.token)
                  .status,
              300);
    b_numbers.push_back(n);
  }
  ASSERT_EQ(svc.Call("POST", "/api/v1/exports", json{{"orders", b_numbers}}.dump(), b.token).status,
            200);

  svc.StartEngine();
  for (const auto& n : b_numbers)
    EXPECT_EQ(svc.WaitForExport(n, 20, b.token).body["export"]["state"], "exported") << n;
  const json a_stats = svc.SimControl("GET", "/stats");
  EXPECT_LT(a_stats["requests"].value("POST Sale", 0), 100)
      << "A still held more than a thousand queued orders while B was served";
}

}  // namespace

namespace {

// Issue 12, item 6: a worker never waits out a store's bucket. With one worker, store A's turn
// of 10 orders on a bucket that lets a sale through every 7 or 8 seconds would hold that worker
// for more than a minute; instead A's turn ends when its bucket is full (the rest back in the
// queue, R22) and store B's orders are exported meanwhile.
TEST(Fairness, R22AFullBucketHoldsNoWorkerAnotherStoreIsServedMeanwhile) {
  TestService svc(testing_support::ServiceOptions{.workers = 1});
  svc.Connect();
  svc.SimControl("PUT", "/rate", {{"model", "2026"}, {"bucket_size", 9}, {"drip_rate", 1}});
  ASSERT_LT(svc.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 300);
  json a_numbers = json::array();
  for (int i = 0; i < 10; ++i) {
    const std::string n = "A" + std::to_string(10000 + i);
    ASSERT_LT(
        svc.Put("/api/v1/orders/" + n, testing_support::HelmetOrder(n, "a@example.com")).status,
        300);
    a_numbers.push_back(n);
  }
  ASSERT_EQ(svc.Post("/api/v1/exports", {{"orders", a_numbers}}).status, 200);
  auto b = svc.AddConnectedStore("b");
  ASSERT_LT(
      svc.Call("PUT", "/api/v1/items/HELMET", testing_support::HelmetItem().dump(), b.token).status,
      300);
  json b_numbers = json::array();
  for (int i = 0; i < 3; ++i) {
    const std::string n = "B" + std::to_string(i);
    ASSERT_LT(svc.Call("PUT", "/api/v1/orders/" + n,
                       testing_support::HelmetOrder(n, "b@example.com").dump(), b.token)
                  .status,
              300);
    b_numbers.push_back(n);
  }
  ASSERT_EQ(svc.Call("POST", "/api/v1/exports", json{{"orders", b_numbers}}.dump(), b.token).status,
            200);

  svc.StartEngine();
  for (const auto& n : b_numbers)
    EXPECT_EQ(svc.WaitForExport(n, 20, b.token).body["export"]["state"], "exported") << n;
  const json a_stats = svc.SimControl("GET", "/stats");
  EXPECT_LT(a_stats["requests"].value("POST Sale", 0), 10)
      << "B was served while A still had orders waiting for its bucket";
  EXPECT_EQ(a_stats.value("rate_limited", 0), 0);
  // A's waiting orders are queued, not failed: a released claim counts no attempt.
  const Reply last = svc.Get("/api/v1/orders/A10009");
  EXPECT_EQ(last.body["export"]["state"], "queued") << last.raw;
}

}  // namespace
