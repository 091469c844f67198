// Issue 13: several nodes on one database. Each node here is what a `spoke worker` process is —
// its own store handle, Lightspeed connections (so its own rate limiters) and engine — over one
// SQLite file and one lsr-sim. Every Lightspeed account (lane) is driven by one node at a time,
// the nodes share the lanes, and a node that stops or dies leaves its lanes to the others
// without a sale being sent twice.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "tests/support/service.h"

namespace {

using testing_support::json;
using testing_support::TestService;
using namespace std::chrono_literals;

struct Node {
  std::unique_ptr<store::Store> db;
  std::unique_ptr<exporter::Connections> connections;
  std::unique_ptr<exporter::Engine> engine;
};

std::unique_ptr<Node> MakeNode(TestService& svc, const std::string& name) {
  auto node = std::make_unique<Node>();
  auto db = store::Open(svc.db_url());
  if (!db.ok()) throw std::runtime_error(db.error().message);
  node->db = std::move(*db);
  exporter::LightspeedConfig config;
  config.api_base = config.auth_base = svc.simulator().BaseUrl();
  config.client_id = svc.account().client_id;
  config.client_secret = svc.account().client_secret;
  std::ifstream(svc.dir() / "spoke.key") >> config.secret_key_hex;
  node->connections = std::make_unique<exporter::Connections>(*node->db, config);
  exporter::EngineOptions o;
  o.node = name;
  o.workers = 4;
  o.batch = 2;  // several turns per lane, so lanes change hands mid-run
  o.poll = 50ms;
  o.first_backoff = 200ms;
  o.max_backoff = 2s;
  o.settle = 300ms;
  o.lane_lease = 4s;
  node->engine = std::make_unique<exporter::Engine>(*node->db, *node->connections, o);
  return node;
}

// Four connected stores (four accounts, four lanes), `per_store` helmet orders each, queued; every
// sale takes lsr-sim `sale_ms` to answer, so the run lasts long enough to watch.
struct Shop {
  std::string token;
  std::string account;
  store::StoreId store;
  std::vector<std::string> numbers;
};

std::vector<Shop> FourShopsWithOrders(TestService& svc, int per_store, int sale_ms) {
  svc.Connect();
  std::vector<Shop> shops{{svc.token(), svc.account().account_id, svc.store_id(), {}}};
  for (const char* slug : {"b", "c", "d"}) {
    auto m = svc.AddConnectedStore(slug);
    shops.push_back({m.token, m.account.account_id, svc.db().FindStore(slug)->id, {}});
  }
  for (Shop& s : shops) {
    svc.SimControl("POST", "/faults",
                   {{"method", "POST"},
                    {"path", "Sale"},
                    {"action", "delay"},
                    {"delay_ms", sale_ms},
                    {"count", "unlimited"}},
                   s.account);
    EXPECT_LT(svc.Call("PUT", "/api/v1/items/HELMET", testing_support::HelmetItem().dump(), s.token)
                  .status,
              300);
    json numbers = json::array();
    for (int i = 0; i < per_store; ++i) {
      const std::string n = s.account + "-" + std::to_string(i);
      EXPECT_LT(svc.Call("PUT", "/api/v1/orders/" + n,
                         testing_support::HelmetOrder(n, "c" + n + "@example.com").dump(), s.token)
                    .status,
                300);
      s.numbers.push_back(n);
      numbers.push_back(n);
    }
    EXPECT_EQ(svc.Call("POST", "/api/v1/exports", json{{"orders", numbers}}.dump(), s.token).status,
              200);
  }
  return shops;
}

void ExpectEachOrderExportedOnce(TestService& svc, const std::vector<Shop>& shops) {
  for (const Shop& s : shops) {
    for (const std::string& n : s.numbers)
      EXPECT_EQ(svc.WaitForExport(n, 60, s.token).body["export"]["state"], "exported") << n;
    const json stats = svc.SimControl("GET", "/stats", nullptr, s.account);
    EXPECT_EQ(stats["requests"].value("POST Sale", 0), static_cast<int>(s.numbers.size()))
        << "account " << s.account << ": " << stats.dump();
    EXPECT_TRUE(stats.value("duplicate_references", json::object()).empty()) << stats.dump();
  }
}

// Watches the lanes while the nodes run: who the database says drives each lane (one node per
// lane and fence) and what each engine believes it holds (never the same lane on two nodes).
class LaneWatch {
 public:
  LaneWatch(store::Store& db, std::vector<exporter::Engine*> engines)
      : db_(db), engines_(std::move(engines)), thread_([this] { Run(); }) {}
  ~LaneWatch() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Nodes the database named as a lane's holder.
  std::set<std::string> nodes_seen;
  // (lane, fence) → the nodes that held it under that fence: one each.
  std::map<std::pair<std::string, int64_t>, std::set<std::string>> holders;
  std::vector<std::string> overlaps;  // lanes two engines believed they held at once

 private:
  void Run() {
    while (!stop_) {
      if (auto lanes = db_.ListLanes(); lanes.ok())
        for (const store::LaneLease& l : *lanes) {
          nodes_seen.insert(l.node);
          holders[{l.lane, l.fence}].insert(l.node);
        }
      std::map<std::string, int> believed;
      for (exporter::Engine* e : engines_)
        for (const std::string& lane : e->HeldLanes())
          if (++believed[lane] > 1) overlaps.push_back(lane);
      std::this_thread::sleep_for(5ms);
    }
  }
  store::Store& db_;
  std::vector<exporter::Engine*> engines_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void ExpectOneNodePerLane(const LaneWatch& watch) {
  for (const auto& [lane_fence, nodes] : watch.holders)
    EXPECT_EQ(nodes.size(), 1u) << "lane " << lane_fence.first << " fence " << lane_fence.second;
  EXPECT_TRUE(watch.overlaps.empty()) << "two engines drove lane " << watch.overlaps.front();
}

bool WaitFor(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

TEST(Lanes, R22TwoNodesShareTheAccountsAndDriveEachFromOneNodeAtATime) {
  TestService svc;
  auto a = MakeNode(svc, "worker-1");
  auto b = MakeNode(svc, "worker-2");
  a->engine->Start();
  b->engine->Start();
  ASSERT_TRUE(WaitFor([&] { return svc.db().ListLiveNodes()->size() == 2; }, 5s));
  LaneWatch watch(svc.db(), {a->engine.get(), b->engine.get()});
  const auto shops = FourShopsWithOrders(svc, 6, 150);
  // The status says which node sends the store's sales, and how much is waiting.
  std::string driving;
  testing_support::Reply status;
  EXPECT_TRUE(WaitFor(
      [&] {
        status = svc.Get("/api/v1/lightspeed/status");
        if (status.body["driving_node"].is_string()) driving = status.body["driving_node"];
        return !driving.empty();
      },
      10s))
      << status.raw;
  EXPECT_TRUE(driving == a->engine->node() || driving == b->engine->node()) << driving;
  EXPECT_EQ(a->engine->node().rfind("worker-1#", 0), 0u)
      << "a configured name, with a suffix of this process's own: " << a->engine->node();
  EXPECT_EQ(status.body["lane"], shops[0].account);
  EXPECT_TRUE(status.body["backlog"]["queued"].is_number()) << status.raw;
  EXPECT_TRUE(status.body["backlog"]["exporting"].is_number()) << status.raw;
  ExpectEachOrderExportedOnce(svc, shops);
  watch.Stop();
  ExpectOneNodePerLane(watch);
  EXPECT_EQ(watch.nodes_seen, (std::set<std::string>{a->engine->node(), b->engine->node()}))
      << "both nodes drove lanes";
  a->engine->Stop();
  b->engine->Stop();
  EXPECT_TRUE(svc.db().ListLanes()->empty()) << "a stopped node releases its lanes";
  EXPECT_TRUE(svc.db().ListLiveNodes()->empty()) << "and leaves the live nodes";
  status = svc.Get("/api/v1/lightspeed/status");
  EXPECT_TRUE(status.body["driving_node"].is_null()) << status.raw;
  EXPECT_EQ(status.body["backlog"], (json{{"queued", 0}, {"exporting", 0}})) << status.raw;
  // /metrics names this process's node (the service's own engine, not started here).
  const auto metrics = svc.Get("/metrics");
  EXPECT_NE(metrics.raw.find("spoke_node_info{node=\""), std::string::npos) << metrics.raw;
}

TEST(Lanes, R20WhenOneNodeStopsMidRunTheOtherFinishesEverythingOnce) {
  TestService svc;
  auto a = MakeNode(svc, "worker-1");
  auto b = MakeNode(svc, "worker-2");
  a->engine->Start();
  b->engine->Start();
  ASSERT_TRUE(WaitFor([&] { return svc.db().ListLiveNodes()->size() == 2; }, 5s));
  LaneWatch watch(svc.db(), {a->engine.get(), b->engine.get()});
  const auto shops = FourShopsWithOrders(svc, 10, 150);
  ASSERT_TRUE(WaitFor([&] { return !b->engine->HeldLanes().empty(); }, 10s));
  b->engine->Stop();
  const auto after_stop = svc.db().ListLanes();
  ASSERT_TRUE(after_stop.ok());
  for (const store::LaneLease& l : *after_stop)
    EXPECT_NE(l.node, b->engine->node()) << "worker-2 released lane " << l.lane << " on stop";
  ExpectEachOrderExportedOnce(svc, shops);
  watch.Stop();
  ExpectOneNodePerLane(watch);
  EXPECT_EQ(a->engine->HeldLanes().size(), 4u) << "worker-1 took over every lane";
  a->engine->Stop();
}

// A node killed mid-sale: its lanes stay leased and its heartbeat runs until they expire; the
// survivor leaves those accounts alone meanwhile, then takes them over with a higher fence and
// settles the order it had in flight by searching first (the order's "maybe sent" mark).
TEST(Lanes, R20R22AKilledNodesLanesAreTakenOverWhenTheirLeasesRunOut) {
  TestService svc;
  const auto shops = FourShopsWithOrders(svc, 4, 50);
  store::Store& db = svc.db();
  const auto dead_ttl = 3s;
  ASSERT_TRUE(db.Heartbeat("crashed", dead_ttl).ok());
  std::map<std::string, int64_t> dead_fence;
  for (int i : {0, 1})
    dead_fence[shops[i].account] = **db.LeaseLane(shops[i].account, "crashed", dead_ttl);
  // It had claimed an order and was sending its sale when it died.
  const Shop& s0 = shops[0];
  auto claim = db.ClaimExport(s0.store, s0.numbers[0], "crashed-pid", dead_ttl);
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  ASSERT_TRUE(db.MarkSending(s0.store, s0.numbers[0], claim->fence, dead_ttl).ok());

  auto a = MakeNode(svc, "worker-1");
  a->engine->Start();
  // While the dead node's leases run, its accounts get no sale; the others are served.
  for (const std::string& n : shops[2].numbers)
    EXPECT_EQ(svc.WaitForExport(n, 20, shops[2].token).body["export"]["state"], "exported");
  auto lanes = db.ListLanes();
  std::map<std::string, std::string> holder;
  for (const store::LaneLease& l : *lanes) holder[l.lane] = l.node;
  if (holder[shops[0].account] == "crashed") {
    for (int i : {0, 1})
      EXPECT_EQ(svc.SimControl("GET", "/stats", nullptr, shops[i].account)["requests"].value(
                    "POST Sale", 0),
                0)
          << "account " << shops[i].account << " is still the dead node's";
  }

  ExpectEachOrderExportedOnce(svc, shops);
  const auto final_lanes = db.ListLanes();
  ASSERT_TRUE(final_lanes.ok());
  for (const store::LaneLease& l : *final_lanes) {
    EXPECT_EQ(l.node, a->engine->node());
    if (dead_fence.count(l.lane)) EXPECT_GT(l.fence, dead_fence[l.lane]) << l.lane;
  }
  EXPECT_EQ(svc.Call("GET", "/api/v1/orders/" + s0.numbers[0], "", s0.token)
                .body["export"]["attempts"]
                .get<int>(),
            2)
      << "the dead node's attempt, then the survivor's, which searched before sending";
  a->engine->Stop();
}

}  // namespace
