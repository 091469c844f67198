// PostgreSQL only: what the contract suite cannot show with one process and one connection —
// nodes migrating and claiming at once, a server restart, the pool's errors, the database clock.
// Each test case runs its own throwaway server (tests/support/pg_cluster.h), so they are few.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "store/store.h"
#include "tests/support/pg_cluster.h"

namespace store {
namespace {

std::string FreshDatabase() {
  auto url = testsupport::SharedPgCluster().CreateDatabase("");
  EXPECT_TRUE(url.ok()) << url.error().message;
  return url.ok() ? *url : std::string("postgresql://unusable");
}

shop::Order Order(const std::string& number) {
  shop::Order o;
  o.number = number;
  o.placed_at = base::TimePoint(std::chrono::seconds(1'763'651'045));
  o.customer = {"ann@example.com", "Ann", "Lee", std::nullopt};
  o.lines = {shop::Line{"TREK-FX2", 1, base::Money::FromCents(1000), {}, true, {}}};
  o.total = base::Money::FromCents(1000);
  o.payments = {shop::Payment{"pay_1", "Stripe", base::Money::FromCents(1000)}};
  return o;
}

ExportCheck Allow() {
  return [](const shop::Order&, shop::ExportState, const LightspeedSettings&) {
    return shop::Eligibility{};
  };
}

std::unique_ptr<Store> OpenOrDie(const std::string& url) {
  auto opened = Open(url);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return opened.ok() ? std::move(*opened) : nullptr;
}

// Two nodes starting at once both migrate: the advisory lock makes one wait, and each version is
// applied exactly once.
TEST(PostgresStore, TwoNodesMigratingAtOnceApplyEachVersionOnce) {
  const std::string url = FreshDatabase();
  std::vector<int> a, b;
  std::string error_a, error_b;
  std::thread first([&] {
    auto r = Migrate(url);
    if (r.ok())
      a = *r;
    else
      error_a = r.error().message;
  });
  std::thread second([&] {
    auto r = Migrate(url);
    if (r.ok())
      b = *r;
    else
      error_b = r.error().message;
  });
  first.join();
  second.join();
  EXPECT_EQ(error_a, "");
  EXPECT_EQ(error_b, "");
  EXPECT_TRUE(a.empty() || b.empty()) << "one of the two applied every version, the other none";
  std::vector<int> all = a;
  all.insert(all.end(), b.begin(), b.end());
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front(), 1);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "no version twice";
  pqxx::connection c(url);
  pqxx::work w(c);
  EXPECT_EQ(w.exec("SELECT COUNT(*) FROM schema_migrations")[0][0].as<int>(),
            static_cast<int>(all.size()));
  auto again = Migrate(url);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

// R20: many workers on several nodes claim the same due orders; each order goes to exactly one.
TEST(PostgresStore, R20ManyWorkersClaimingAtOnceClaimEachOrderExactlyOnce) {
  const std::string url = FreshDatabase();
  auto db = OpenOrDie(url);
  ASSERT_TRUE(db);
  auto store = db->CreateStore("bikes", "Boulder Bikes", "USD");
  ASSERT_TRUE(store.ok());
  constexpr int kOrders = 40;
  for (int i = 0; i < kOrders; ++i) {
    const std::string n = "N" + std::to_string(i);
    ASSERT_TRUE(db->PutOrder(store->id, Order(n)).ok());
    ASSERT_TRUE(db->QueueExport(store->id, n, Allow()).ok());
  }
  auto other_node = OpenOrDie(url);  // a second pool, as another process would have
  ASSERT_TRUE(other_node);
  std::map<std::string, std::atomic<int>> claims;
  for (int i = 0; i < kOrders; ++i) claims["N" + std::to_string(i)] = 0;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t)
    workers.emplace_back([&, t] {
      Store* node = t % 2 ? other_node.get() : db.get();
      for (auto& [number, count] : claims) {
        auto c =
            node->ClaimExport(store->id, number, "w" + std::to_string(t), std::chrono::seconds(60));
        if (c.ok())
          ++count;
        else if (c.error().code != base::ErrorCode::kConflict)
          ++unexpected;
      }
    });
  for (auto& w : workers) w.join();
  EXPECT_EQ(unexpected.load(), 0);
  for (auto& [number, count] : claims) EXPECT_EQ(count.load(), 1) << number;
  EXPECT_TRUE(db->ListDueExports(store->id, 100)->empty());
}

// The server restarts under a running store: the next calls reconnect and succeed, and every
// order queued before the restart is still queued.
TEST(PostgresStore, AServerRestartLosesNothingQueuedAndTheNextCallsReconnect) {
  const std::string url = FreshDatabase();
  auto db = OpenOrDie(url);
  ASSERT_TRUE(db);
  auto store = db->CreateStore("bikes", "Boulder Bikes", "USD");
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 5; ++i) {
    const std::string n = "N" + std::to_string(i);
    ASSERT_TRUE(db->PutOrder(store->id, Order(n)).ok());
    ASSERT_TRUE(db->QueueExport(store->id, n, Allow()).ok());
  }
  // Every pooled connection in use once, so all of them break with the restart.
  std::vector<std::thread> readers;
  for (int t = 0; t < 8; ++t) readers.emplace_back([&] { (void)db->ListStores(); });
  for (auto& r : readers) r.join();
  const pid_t before = testsupport::SharedPgCluster().pid();
  auto restarted = testsupport::SharedPgCluster().Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  ASSERT_NE(testsupport::SharedPgCluster().pid(), before);
  auto due = db->ListDueExports(store->id, 100);
  ASSERT_TRUE(due.ok()) << due.error().message;
  EXPECT_EQ(due->size(), 5u);
  ASSERT_TRUE(db->PutOrder(store->id, Order("N5")).ok());
  ASSERT_TRUE(db->QueueExport(store->id, "N5", Allow()).ok());
  auto counts = db->CountExports(store->id);
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->at(shop::ExportState::kQueued), 6);
}

// database.url may carry a password; no error the store answers may show it.
TEST(PostgresStore, ErrorsNeverQuoteTheUrlsPassword) {
  for (const std::string url :
       {"postgresql://spoke:s3cret@127.0.0.1:1/x", "postgres://spoke:s3cr%65t@127.0.0.1:1/x",
        "postgresql://spoke@127.0.0.1:1/x?password=s3cret",
        "postgresql://spoke:s3cret@127.0.0.1:notaport/x"}) {
    auto opened = Open(url);
    ASSERT_FALSE(opened.ok()) << url;
    EXPECT_EQ(opened.error().code, base::ErrorCode::kUnavailable) << opened.error().message;
    EXPECT_EQ(opened.error().message.find("s3cret"), std::string::npos) << opened.error().message;
    auto migrated = Migrate(url);
    ASSERT_FALSE(migrated.ok());
    EXPECT_EQ(migrated.error().message.find("s3cret"), std::string::npos)
        << migrated.error().message;
  }
}

// Leases are measured on the database's clock (no test clock here): a 1 s lease, stored in whole
// seconds, has run out between 1 and 2 s later, never before.
TEST(PostgresStore, LeasesRunOnTheDatabaseClock) {
  auto db = OpenOrDie(FreshDatabase());
  ASSERT_TRUE(db);
  auto store = db->CreateStore("bikes", "Boulder Bikes", "USD");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(db->PutOrder(store->id, Order("N1")).ok());
  ASSERT_TRUE(db->QueueExport(store->id, "N1", Allow()).ok());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(db->ClaimExport(store->id, "N1", "w1", std::chrono::seconds(1)).ok());
  std::chrono::duration<double> due_after{0};
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(4)) {
    auto due = db->ListDueExports(store->id, 10);
    ASSERT_TRUE(due.ok());
    if (!due->empty()) {
      due_after = std::chrono::steady_clock::now() - start;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(due_after.count(), 0.99) << "the lease ended early";
  EXPECT_LE(due_after.count(), 2.3) << "the lease never ended";
  EXPECT_TRUE(db->ClaimExport(store->id, "N1", "w2", std::chrono::seconds(60)).ok());
}

}  // namespace
}  // namespace store

namespace store {
namespace {

// New work reaches an idle node without polling: an order queued through another node's store
// wakes a watch at once (LISTEN/NOTIFY), a quiet queue lets it sleep, and a watch outlives a
// server restart (it reconnects, answering "look now" meanwhile).
TEST(PostgresStore, R27QueuedWorkWakesAWatchOnAnotherNode) {
  const std::string url = FreshDatabase();
  auto serve = OpenOrDie(url), worker = OpenOrDie(url);
  ASSERT_TRUE(serve && worker);
  auto store = serve->CreateStore("bikes", "Boulder Bikes", "USD");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(serve->PutOrder(store->id, Order("W1")).ok());
  auto watch = worker->WatchQueue();
  ASSERT_TRUE(watch.ok()) << watch.error().message;
  ASSERT_TRUE(*watch);
  EXPECT_FALSE((*watch)->Wait(std::chrono::milliseconds(200))) << "nothing was queued";

  const auto queued_at = std::chrono::steady_clock::now();
  std::thread queue([&] { ASSERT_TRUE(serve->QueueExport(store->id, "W1", Allow()).ok()); });
  EXPECT_TRUE((*watch)->Wait(std::chrono::seconds(5)));
  const auto woke_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - queued_at)
                           .count();
  queue.join();
  EXPECT_LT(woke_ms, 1000) << "woken by the notification, not by the timeout";

  ASSERT_TRUE(testsupport::SharedPgCluster().Restart().ok());
  // The first calls notice the lost connection and listen again ("look now" meanwhile); a
  // quiet answer means it listens on the new server.
  bool quiet = false;
  for (int i = 0; i < 20 && !quiet; ++i) quiet = !(*watch)->Wait(std::chrono::milliseconds(100));
  ASSERT_TRUE(quiet) << "the watch never listened again after the restart";
  ASSERT_TRUE(serve->PutOrder(store->id, Order("W2")).ok());
  ASSERT_TRUE(serve->QueueExport(store->id, "W2", Allow()).ok());
  EXPECT_TRUE((*watch)->Wait(std::chrono::seconds(5))) << "listening again after the restart";
}

}  // namespace
}  // namespace store
