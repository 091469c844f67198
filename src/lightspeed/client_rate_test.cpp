// R22 against lsr-sim: the client keeps inside the account's bucket on its own, and shares it
// with another client without earning 429s in a row.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/mutex.h"
#include "lightspeed/client.h"
#include "lightspeed/memory_vault_test_util.h"
#include "sim/sim.h"

namespace lightspeed {
namespace {

using nlohmann::json;

struct Rig {
  explicit Rig(base::Clock* clock) {
    sim::SimOptions o;
    o.clock = clock;
    simulator = sim::Simulator::Create(o);
    port = *simulator->Start();
    account = simulator->CreateAccount("Spoke Cycles", 1, true);
    transport = CreateCurlTransport({});
    oauth = std::make_unique<OAuthClient>(
        OAuthOptions{simulator->BaseUrl(), account.client_id, account.client_secret}, *transport);
    vault = std::make_unique<MemoryVault>(account.refresh_token);
    tokens = std::make_unique<TokenManager>(*vault, *oauth, clock ? *clock : base::SystemClock());
    ClientOptions c;
    c.api_base = simulator->BaseUrl();
    c.account_id = account.account_id;
    c.transport = transport.get();
    c.tokens = tokens.get();
    c.clock = clock;
    c.on_call = [this](const CallRecord& r) {
      base::MutexLock l(mu);
      calls.push_back(r);
    };
    client = std::make_unique<Client>(c);
  }
  ~Rig() { (void)simulator->Stop(); }
  json Control(const std::string& method, const std::string& path, const json& body = nullptr) {
    httplib::Client c("127.0.0.1", port);
    auto r = method == "PUT" ? c.Put(path.c_str(), body.dump(), "application/json")
                             : c.Get(path.c_str());
    return r ? json::parse(r->body, nullptr, false) : json();
  }
  std::string AccountPath(const std::string& rest) {
    return "/_sim/accounts/" + account.account_id + rest;
  }
  NewSale Sale(int n) {
    NewSale s;
    s.shop_id = account.shop_id;
    s.register_id = account.register_id;
    s.employee_id = account.employee_id;
    s.reference_number = "R" + std::to_string(n);
    s.reference_source = "web";
    s.tax_category_id = "0";
    s.lines.push_back({"11", 1, base::Money::FromCents(899), {}, false, ""});
    s.lines.push_back({"0", 1, base::Money::FromCents(500), {}, false, "Shipping: UPS"});
    s.payments.push_back({"1", base::Money::FromCents(1399)});
    return s;
  }

  std::unique_ptr<sim::Simulator> simulator;
  int port = 0;
  sim::AccountInfo account;
  std::unique_ptr<Transport> transport;
  std::unique_ptr<OAuthClient> oauth;
  std::unique_ptr<MemoryVault> vault;
  std::unique_ptr<TokenManager> tokens;
  std::unique_ptr<Client> client;
  base::Mutex mu;
  std::vector<CallRecord> calls GUARDED_BY(mu);
};

// 300 mixed requests at bucket 90 / drip 10 on the 2026 model. The emulator and the client share
// a manual clock, so the bucket arithmetic is exact and the test takes no real waiting.
TEST(ClientRate, R22ThreeHundredMixedRequestsEarnNo429) {
  base::ManualClock clock(base::TimePoint(std::chrono::seconds(1'800'000'000)));
  Rig rig(&clock);
  rig.Control("PUT", rig.AccountPath("/rate"),
              {{"model", "2026"}, {"bucket_size", 90}, {"drip_rate", 10}});
  const auto start = clock.Now();
  for (int i = 0; i < 300; ++i) {
    base::Status s;
    switch (i % 5) {
      case 0:
        s = base::SyncWait(rig.client->FindItems(ItemKey::kUpc, "735000000117")).ok()
                ? base::Status()
                : base::Internal("");
        break;
      case 1:
        s = base::SyncWait(rig.client->FindCustomersByEmail("turing@example.com")).ok()
                ? base::Status()
                : base::Internal("");
        break;
      case 2:
        s = base::SyncWait(rig.client->CreateSale(rig.Sale(i))).ok() ? base::Status()
                                                                     : base::Internal("");
        break;
      case 3:
        s = base::SyncWait(rig.client->CreateCustomer({"A", "B", "c" + std::to_string(i) + "@x.com",
                                                       std::nullopt, std::nullopt}))
                    .ok()
                ? base::Status()
                : base::Internal("");
        break;
      default:
        s = base::SyncWait(rig.client->FindSales("R" + std::to_string(i - 2), "web")).ok()
                ? base::Status()
                : base::Internal("");
    }
    ASSERT_TRUE(s.ok()) << "request " << i;
  }
  const json stats = rig.Control("GET", rig.AccountPath("/stats"));
  EXPECT_EQ(stats["rate_limited"], 0) << stats.dump();
  double units = 0;
  for (auto& [k, v] : stats["units"].items()) units += v.get<double>();
  const double floor_s = (units - 90) / 10;
  const double took_s = std::chrono::duration<double>(clock.Now() - start).count();
  EXPECT_GE(took_s, floor_s - 1) << "nobody drains a bucket faster than its drip";
  EXPECT_GT(units, 600) << "the mix is heavy enough to need waiting";
}

// Issue 12: lsr-sim under rate model `off` sends no rate headers, and the client then sends
// without waiting, even after a metered answer had shown it a burst limit.
TEST(ClientRate, WithoutRateHeadersNothingWaits) {
  base::ManualClock clock(base::TimePoint(std::chrono::seconds(1'800'000'000)));
  Rig rig(&clock);
  ASSERT_TRUE(
      base::SyncWait(rig.client->FindItems(ItemKey::kUpc, "735000000117")).ok());  // the 2026 model
  rig.Control("PUT", rig.AccountPath("/rate"), {{"model", "off"}});
  const auto start = clock.Now();
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(base::SyncWait(rig.client->CreateSale(rig.Sale(i))).ok()) << "sale " << i;
    ASSERT_TRUE(base::SyncWait(rig.client->FindItems(ItemKey::kUpc, "735000000117")).ok())
        << "search " << i;
  }
  EXPECT_EQ(clock.Now(), start) << "120 requests, more than the 20-per-second burst, no wait";
  base::MutexLock l(rig.mu);
  for (const CallRecord& r : rig.calls) EXPECT_NE(r.status, 429);
}

// Another client spends half the drip on the same account while ours works as fast as the
// bucket allows: a 429 may happen, but never two in a row.
TEST(ClientRate, R22SharingTheBucketNeverEarnsTwo429sInARow) {
  Rig rig(nullptr);
  rig.Control("PUT", rig.AccountPath("/rate"),
              {{"model", "2026"}, {"bucket_size", 30}, {"drip_rate", 5}});
  // The other client: its own token, one GET every 400 ms (2.5 units per second).
  auto pair = rig.oauth->Refresh(rig.account.refresh_token);
  ASSERT_TRUE(pair.ok()) << pair.error().message;
  rig.vault = std::make_unique<MemoryVault>(pair->refresh_token);
  rig.tokens = std::make_unique<TokenManager>(*rig.vault, *rig.oauth, base::SystemClock());
  ClientOptions c;
  c.api_base = rig.simulator->BaseUrl();
  c.account_id = rig.account.account_id;
  c.transport = rig.transport.get();
  c.tokens = rig.tokens.get();
  c.on_call = [&rig](const CallRecord& r) {
    base::MutexLock l(rig.mu);
    rig.calls.push_back(r);
  };
  Client ours(c);
  std::atomic<bool> done{false};
  std::thread other([&] {
    httplib::Client h("127.0.0.1", rig.port);
    const std::string path = "/API/V3/Account/" + rig.account.account_id + "/Item/3.json";
    httplib::Headers auth{{"Authorization", "Bearer " + pair->access_token}};
    while (!done) {
      h.Get(path.c_str(), auth);
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
    }
  });
  for (int i = 0; i < 36; ++i)
    ASSERT_TRUE(base::SyncWait(ours.FindItems(ItemKey::kCustomSku, "SC-0003")).ok());
  done = true;
  other.join();
  int in_a_row = 0, worst = 0, total429 = 0;
  base::MutexLock l(rig.mu);
  for (const CallRecord& r : rig.calls) {
    in_a_row = r.status == 429 ? in_a_row + 1 : 0;
    total429 += r.status == 429;
    worst = std::max(worst, in_a_row);
  }
  EXPECT_LE(worst, 1) << total429 << " 429s in all";
}

}  // namespace
}  // namespace lightspeed
