// Issue 12, item 1: a store with a few orders is served whatever other stores hold. Store A has
// 1,100 orders queued on a nearly empty Lightspeed bucket; store B's five orders, queued after
// all of them, are exported while A still holds more than a thousand.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "tests/support/service.h"

namespace {

using testing_support::json;
using testing_support::Reply;
using testing_support::TestService;

// A store's HELMET item and `count` orders of it, numbered prefix0, prefix1 …, queued at once.
void QueueHelmetOrders(TestService& svc, const std::string& token, const std::string& prefix,
                       int count, json* numbers) {
  ASSERT_LT(
      svc.Call("PUT", "/api/v1/items/HELMET", testing_support::HelmetItem().dump(), token).status,
      300);
  *numbers = json::array();
  for (int i = 0; i < count; ++i) {
    const std::string n = prefix + std::to_string(i);
    ASSERT_LT(svc.Call("PUT", "/api/v1/orders/" + n,
                       testing_support::HelmetOrder(n, prefix + "@example.com").dump(), token)
                  .status,
              300);
    numbers->push_back(n);
  }
  ASSERT_EQ(svc.Call("POST", "/api/v1/exports", json{{"orders", *numbers}}.dump(), token).status,
            200);
}

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
  json b_numbers;
  ASSERT_NO_FATAL_FAILURE(QueueHelmetOrders(svc, b.token, "B", 5, &b_numbers));

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
  json b_numbers;
  ASSERT_NO_FATAL_FAILURE(QueueHelmetOrders(svc, b.token, "B", 3, &b_numbers));

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

namespace {

int ThreadsOfThisProcess() {
  int n = 0;
  for ([[maybe_unused]] const auto& t : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// Issue 12, item 6: Lightspeed answers over the internet in 100-300 ms, so a node keeps many
// sales in flight at once, one per account, without a thread each. 40 stores each have an order
// and every Lightspeed request of theirs takes 1 s. A sale needs several requests (its customer,
// its item, its payment type, the sale): one sale at a time, more than 40 x 4 x 1 s; with the
// 40 waiting together on the engine's 2 threads, about as long as one sale. The process never
// has a thread per sale in flight.
TEST(Fairness, FortyStoresWaitForLightspeedAtOnceOnTwoThreads) {
  TestService svc(testing_support::ServiceOptions{.workers = 64, .threads = 2});
  constexpr int kStores = 40;
  std::vector<std::pair<std::string, std::string>> orders;  // number, store token
  for (int i = 0; i < kStores; ++i) {
    auto m = svc.AddConnectedStore("s" + std::to_string(i));
    svc.SimControl("POST", "/faults",
                   json::array({{{"action", "delay"}, {"delay_ms", 1000}, {"count", "unlimited"}}}),
                   m.account.account_id);
    json numbers;
    ASSERT_NO_FATAL_FAILURE(
        QueueHelmetOrders(svc, m.token, "S" + std::to_string(i) + "-", 1, &numbers));
    const std::string n = numbers[0];
    orders.push_back({n, m.token});
  }
  const int threads_before = ThreadsOfThisProcess();
  const auto started = std::chrono::steady_clock::now();
  svc.StartEngine();
  int most_threads = threads_before;
  std::atomic<bool> done{false};
  std::thread watch([&] {
    while (!done) {
      most_threads = std::max(most_threads, ThreadsOfThisProcess());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  for (const auto& [n, token] : orders)
    EXPECT_EQ(svc.WaitForExport(n, 120, token).body["export"]["state"], "exported") << n;
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  done = true;
  watch.join();
  EXPECT_LT(took, 120) << "the sales waited for Lightspeed one after another";
  // The engine's 2 threads, its dispatcher, watcher and keep-alive, the lease renewer, the
  // transport's thread and the test's watcher: never one per sale.
  EXPECT_LT(most_threads - threads_before, 15)
      << "threads went from " << threads_before << " to " << most_threads;
}

}  // namespace
