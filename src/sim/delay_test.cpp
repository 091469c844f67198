// The delay fault on the real clock (issue 12): a delayed request holds no thread while it waits,
// so a sim with two threads keeps a hundred delayed requests pending at once and serves them all;
// a delay before the request takes effect still means nothing is saved until it is over.
#include <atomic>
#include <thread>
#include <vector>

#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

class DelayOnTheRealClock : public SimTest {
 protected:
  DelayOnTheRealClock() {
    SimOptions o;
    o.threads = 2;  // the system clock: delays wait on the server's timers
    sim_ = Simulator::Create(o);
  }
  void SetUp() override {
    SimTest::SetUp();
    RateOff();
  }

  Json Order(const std::string& ref) {
    Json b = SaleBody({{{"unitPrice", "10.00"}, {"tax", false}}},
                      {{{"paymentTypeID", 5}, {"amount", "10.00"}}});
    b["referenceNumber"] = ref;
    return b;
  }
  // A POST of the sale on a client of its own (for a thread of the test).
  Answer PostSale(const std::string& ref) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    auto r = c.Post(("/API/V3/Account/" + account_ + "/Sale.json").c_str(),
                    {{"Authorization", "Bearer " + token_}}, Order(ref).dump(), "application/json");
    Answer a;
    if (!r) return a;
    a.transport_ok = true;
    a.status = r->status;
    a.body = r->body;
    a.json = Json::parse(r->body, nullptr, false);
    return a;
  }
  size_t SalesWithRef(const std::string& ref) {
    Answer a = Api("GET", "Sale.json?referenceNumber=" + ref);
    const Json& s = a.json.contains("Sale") ? a.json["Sale"] : Json();
    return s.is_object() ? 1 : s.is_array() ? s.size() : 0;
  }
  // Polls the account's stats until `pred` holds (or about 20 s have passed).
  template <typename Pred>
  bool StatsReach(Pred pred) {
    for (int i = 0; i < 2000; ++i) {
      const Answer stats = Control("GET", "stats");
      if (stats.status == 200 && pred(stats.json)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  static int Fired(const Json& stats) { return stats["faults_fired"].value("delay", 0); }
};

TEST_F(DelayOnTheRealClock, AHundredDelayedRequestsArePendingAtOnceOnTwoThreads) {
  constexpr int kRequests = 100;
  Control("POST", "faults",
          Json{{"method", "POST"},
               {"path", "Sale"},
               {"action", "delay"},
               {"delay_ms", 4000},
               {"count", "unlimited"}});
  std::atomic<int> answered{0};
  std::vector<int> statuses(kRequests);
  std::vector<std::thread> clients;
  for (int i = 0; i < kRequests; ++i) {
    clients.emplace_back([&, i] {
      statuses[i] = PostSale("C" + std::to_string(i)).status;
      ++answered;
    });
  }
  // Two threads took up all hundred: sleeping on them, this would take 200 s.
  const bool all_pending = StatsReach([](const Json& s) { return Fired(s) == kRequests; });
  EXPECT_TRUE(all_pending) << "every delayed request reached the sim while the others wait";
  if (all_pending) {
    // The other requests (stats, this lookup) are answered meanwhile, and the delay comes before
    // the request takes effect: nothing is saved yet.
    EXPECT_EQ(answered, 0);
    EXPECT_EQ(SalesWithRef("C0"), 0u);
    EXPECT_EQ(SalesWithRef("C99"), 0u);
  }
  for (std::thread& t : clients) t.join();
  for (int i = 0; i < kRequests; ++i) EXPECT_EQ(statuses[i], 200) << i;
  for (int i = 0; i < kRequests; ++i) EXPECT_EQ(SalesWithRef("C" + std::to_string(i)), 1u) << i;
  const Answer stats = Control("GET", "stats");
  EXPECT_EQ(stats.json["faults_fired"]["delay"], kRequests);
  EXPECT_EQ(stats.json["unanswered_writes"].size(), static_cast<size_t>(kRequests))
      << "each delayed write is remembered, as before";
}

TEST_F(DelayOnTheRealClock, AnAccountRemovedDuringTheDelayAnswersUnauthorized) {
  Control("POST", "faults",
          Json{{"method", "POST"}, {"path", "Sale"}, {"action", "delay"}, {"delay_ms", 3000}});
  Answer late;
  std::thread client([&] { late = PostSale("R1"); });
  ASSERT_TRUE(StatsReach([](const Json& s) { return Fired(s) == 1; }));
  ASSERT_EQ(Call("POST", "/_sim/reset").status, 200);
  client.join();
  EXPECT_EQ(late.status, 401) << late.body;
  EXPECT_EQ(late.json["error_description"], "The account was removed") << late.body;
}

TEST_F(DelayOnTheRealClock, AfterCommitSavesAtOnceAndAnswersLate) {
  Control("POST", "faults",
          Json{{"method", "POST"},
               {"path", "Sale"},
               {"action", "delay"},
               {"delay_ms", 4000},
               {"after_commit", true}});
  std::atomic<bool> answered{false};
  int status = 0;
  std::thread client([&] {
    status = PostSale("L1").status;
    answered = true;
  });
  bool saved = false;
  for (int i = 0; i < 2000 && !saved; ++i) {
    saved = SalesWithRef("L1") == 1;
    if (!saved) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(saved);
  EXPECT_FALSE(answered) << "saved before the answer went out";
  client.join();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(SalesWithRef("L1"), 1u);
}

}  // namespace
}  // namespace sim::testing
