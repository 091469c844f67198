// The alert part of the store contract (store/alerts.h), run on SQLite and on a throwaway
// PostgreSQL cluster: settings, incidents opened and resolved once, deliveries claimed once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <latch>
#include <thread>

#include "store/store.h"
#include "tests/support/pg_cluster.h"

namespace store {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

struct Backend {
  const char* name;
  std::string (*fresh_url)(const std::filesystem::path& dir);
};

std::string FreshSqlite(const std::filesystem::path& dir) {
  return "sqlite://" + (dir / "spoke.db").string();
}

std::string FreshPostgres(const std::filesystem::path&) {
  auto url = testsupport::SharedPgCluster().CreateDatabase("");
  if (!url.ok()) {
    ADD_FAILURE() << "cannot create a PostgreSQL database: " << url.error().message;
    return "postgresql://unusable";
  }
  return *url;
}

void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

const base::TimePoint kT0 = base::TimePoint(seconds(1'790'000'000));

AlertCondition Attention(const std::string& number) {
  return {"order_attention:" + number, "order_attention", number,
          "Order " + number + " needs attention", number};
}
const AlertCondition kReconnect{"reconnect", "reconnect", "lightspeed", "Reconnect Lightspeed", ""};
const std::vector<AlertChannel> kBoth{AlertChannel::kWebhook, AlertChannel::kEmail};

class AlertStoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : test)
      if (c == '/') c = '_';
    dir_ = std::filesystem::temp_directory_path() /
           ("spoke-alerts-" + std::to_string(getpid()) + "-" + test);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    url_ = GetParam().fresh_url(dir_);
    auto opened = Open(url_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(*opened);
    auto s = db_->CreateStore("bikes", "Boulder Bikes", "USD");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = s->id;
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::vector<AlertDelivery> Deliveries() {
    auto d = db_->ListAlertDeliveries(store_, 100);
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? *d : std::vector<AlertDelivery>{};
  }

  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<Store> db_;
  StoreId store_;
};

TEST_P(AlertStoreContract, SettingsAreOffByDefaultAndRoundTrip) {
  auto none = db_->GetAlertSettings(store_);
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->webhook_enabled);
  EXPECT_FALSE(none->email_enabled);
  EXPECT_EQ(*none, AlertSettings{});

  AlertSettings a;
  a.webhook_enabled = true;
  a.email_enabled = true;
  a.attention_minutes = 5;
  a.queue_minutes = 45;
  a.token_lapse_days = 3;
  a.webhook_url = "https://hooks.example.com/spoke";
  a.webhook_secret = "ab12";
  a.smtp_host = "smtp.example.com";
  a.smtp_port = 465;
  a.smtp_security = SmtpSecurity::kTls;
  a.smtp_user = "alerts";
  a.smtp_password_sealed = "sealed";
  a.smtp_from = "spoke@example.com";
  a.smtp_to = {"ann@example.com", "bob@example.com"};
  ASSERT_TRUE(db_->PutAlertSettings(store_, a).ok());
  auto back = db_->GetAlertSettings(store_);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, a);
  a.smtp_to = {"ann@example.com"};
  a.webhook_enabled = false;
  ASSERT_TRUE(db_->PutAlertSettings(store_, a).ok());
  EXPECT_EQ(*db_->GetAlertSettings(store_), a);
}

TEST_P(AlertStoreContract, AnIncidentOpensOnceAndResolvesOnceWithOneDeliveryPerChannel) {
  auto first = db_->SyncIncidents(store_, {Attention("10023"), kReconnect}, kBoth, kT0);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->opened, (std::vector<std::string>{"order_attention:10023", "reconnect"}));
  // The checker's next passes see the same conditions: nothing new.
  for (int i = 1; i <= 3; ++i) {
    auto again =
        db_->SyncIncidents(store_, {Attention("10023"), kReconnect}, kBoth, kT0 + minutes(i));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->opened.empty());
    EXPECT_TRUE(again->resolved.empty());
  }
  EXPECT_EQ(Deliveries().size(), 4u);  // 2 incidents × 2 channels

  auto cleared = db_->SyncIncidents(store_, {kReconnect}, kBoth, kT0 + minutes(10));
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->resolved, std::vector<std::string>{"order_attention:10023"});
  auto still = db_->SyncIncidents(store_, {kReconnect}, kBoth, kT0 + minutes(11));
  EXPECT_TRUE(still->resolved.empty());
  auto all = Deliveries();
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[0].event, AlertEvent::kResolved);
  EXPECT_EQ(all[0].incident.condition.key, "order_attention:10023");
  EXPECT_EQ(all[0].incident.resolved_at, kT0 + minutes(10));

  auto incidents = db_->ListAlertIncidents(store_, 10);
  ASSERT_TRUE(incidents.ok());
  ASSERT_EQ(incidents->size(), 2u);
  EXPECT_EQ((*incidents)[0].condition, kReconnect);  // open ones first
  EXPECT_FALSE((*incidents)[0].resolved_at);
  EXPECT_EQ((*incidents)[1].condition, Attention("10023"));
  EXPECT_EQ((*incidents)[1].opened_at, kT0);

  // The same order stopping again later is a new incident.
  auto reopened =
      db_->SyncIncidents(store_, {Attention("10023"), kReconnect}, kBoth, kT0 + minutes(20));
  EXPECT_EQ(reopened->opened, std::vector<std::string>{"order_attention:10023"});
  EXPECT_EQ(db_->ListAlertIncidents(store_, 10)->size(), 3u);
}

TEST_P(AlertStoreContract, WithoutChannelsIncidentsAreKeptButNothingIsToSend) {
  ASSERT_TRUE(db_->SyncIncidents(store_, {kReconnect}, {}, kT0).ok());
  EXPECT_TRUE(Deliveries().empty());
  auto claimed = db_->ClaimAlertDeliveries("node-a", kT0 + minutes(5), seconds(60), 10);
  ASSERT_TRUE(claimed.ok());
  EXPECT_TRUE(claimed->empty());
}

TEST_P(AlertStoreContract, ADeliveryIsClaimedByOneHolderRetriedAndFencedAgainstTakeover) {
  ASSERT_TRUE(db_->SyncIncidents(store_, {kReconnect}, {AlertChannel::kWebhook}, kT0).ok());
  auto a = db_->ClaimAlertDeliveries("node-a", kT0, seconds(60), 10);
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].incident.condition, kReconnect);
  EXPECT_EQ((*a)[0].channel, AlertChannel::kWebhook);
  EXPECT_EQ((*a)[0].event, AlertEvent::kOpened);
  // While node-a's lease runs nobody else gets it.
  EXPECT_TRUE(db_->ClaimAlertDeliveries("node-b", kT0 + seconds(30), seconds(60), 10)->empty());

  // node-a failed: due again in 30 s.
  DeliveryOutcome retry{DeliveryState::kPending, "the receiver answered 500", kT0 + seconds(40)};
  ASSERT_TRUE(db_->FinishAlertDelivery((*a)[0].id, (*a)[0].fence, retry, kT0 + seconds(10)).ok());
  EXPECT_TRUE(db_->ClaimAlertDeliveries("node-b", kT0 + seconds(39), seconds(60), 10)->empty());
  auto b = db_->ClaimAlertDeliveries("node-b", kT0 + seconds(40), seconds(60), 10);
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].attempts, 1);
  EXPECT_EQ((*b)[0].last_error, "the receiver answered 500");
  // node-b dies; its lease runs out and node-c takes over; node-b's late word changes nothing.
  auto c = db_->ClaimAlertDeliveries("node-c", kT0 + seconds(101), seconds(60), 10);
  ASSERT_EQ(c->size(), 1u);
  EXPECT_GT((*c)[0].fence, (*b)[0].fence);
  auto late = db_->FinishAlertDelivery((*b)[0].id, (*b)[0].fence, {}, kT0 + seconds(102));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, base::ErrorCode::kConflict);
  ASSERT_TRUE(db_->FinishAlertDelivery((*c)[0].id, (*c)[0].fence, {}, kT0 + seconds(103)).ok());

  auto done = Deliveries();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].state, DeliveryState::kDelivered);
  EXPECT_EQ(done[0].attempts, 2);
  EXPECT_EQ(done[0].delivered_at, kT0 + seconds(103));
  EXPECT_TRUE(db_->ClaimAlertDeliveries("node-a", kT0 + minutes(60), seconds(60), 10)->empty());
}

TEST_P(AlertStoreContract, AResolvedWaitsWhileItsOpenedIsStillBeingRetried) {
  ASSERT_TRUE(db_->SyncIncidents(store_, {kReconnect}, {AlertChannel::kWebhook}, kT0).ok());
  auto a = db_->ClaimAlertDeliveries("node-a", kT0, seconds(60), 10);
  ASSERT_EQ(a->size(), 1u);
  ASSERT_TRUE(db_->FinishAlertDelivery((*a)[0].id, (*a)[0].fence,
                                       {DeliveryState::kPending, "HTTP 500", kT0 + minutes(5)}, kT0)
                  .ok());
  ASSERT_TRUE(db_->SyncIncidents(store_, {}, {AlertChannel::kWebhook}, kT0 + minutes(1)).ok());
  EXPECT_TRUE(db_->ClaimAlertDeliveries("node-a", kT0 + minutes(2), seconds(60), 10)->empty())
      << "the resolved is due but its opened is not delivered yet";
  auto opened = db_->ClaimAlertDeliveries("node-a", kT0 + minutes(5), seconds(60), 10);
  ASSERT_EQ(opened->size(), 1u);
  EXPECT_EQ((*opened)[0].event, AlertEvent::kOpened);
  ASSERT_TRUE(
      db_->FinishAlertDelivery((*opened)[0].id, (*opened)[0].fence, {}, kT0 + minutes(5)).ok());
  auto resolved = db_->ClaimAlertDeliveries("node-a", kT0 + minutes(5), seconds(60), 10);
  ASSERT_EQ(resolved->size(), 1u);
  EXPECT_EQ((*resolved)[0].event, AlertEvent::kResolved);
}

TEST_P(AlertStoreContract, AGivenUpDeliveryKeepsItsReasonAndIsNotClaimedAgain) {
  ASSERT_TRUE(db_->SyncIncidents(store_, {kReconnect}, {AlertChannel::kEmail}, kT0).ok());
  auto a = db_->ClaimAlertDeliveries("node-a", kT0, seconds(60), 10);
  ASSERT_EQ(a->size(), 1u);
  DeliveryOutcome gave_up{DeliveryState::kFailed, "connection refused", {}};
  ASSERT_TRUE(db_->FinishAlertDelivery((*a)[0].id, (*a)[0].fence, gave_up, kT0).ok());
  EXPECT_TRUE(db_->ClaimAlertDeliveries("node-a", kT0 + minutes(600), seconds(60), 10)->empty());
  auto d = Deliveries();
  EXPECT_EQ(d[0].state, DeliveryState::kFailed);
  EXPECT_EQ(d[0].last_error, "connection refused");
}

TEST_P(AlertStoreContract, NodesSyncingAtOnceOpenAndResolveEachIncidentOnce) {
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<Store>> nodes;
  for (int i = 0; i < kNodes; ++i) {
    auto s = Open(url_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    nodes.push_back(std::move(*s));
  }
  for (const bool open : {true, false}) {
    std::latch go(kNodes);
    std::vector<std::thread> threads;
    std::atomic<int> changed{0};
    for (auto& node : nodes)
      threads.emplace_back([&, n = node.get()] {
        go.arrive_and_wait();
        std::vector<AlertCondition> conditions;
        if (open) conditions = {Attention("1"), Attention("2")};
        // A node whose transaction lost a race retries on its next pass, as the checker does.
        for (int tries = 0; tries < 20; ++tries) {
          auto r = n->SyncIncidents(store_, conditions, kBoth, kT0 + minutes(open ? 0 : 5));
          if (!r.ok()) continue;
          changed += static_cast<int>(r->opened.size() + r->resolved.size());
          break;
        }
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(changed.load(), 2) << (open ? "opened" : "resolved");
  }
  EXPECT_EQ(Deliveries().size(), 8u);  // 2 incidents × 2 events × 2 channels

  std::atomic<int> claimed{0};
  std::latch go(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i)
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      for (int tries = 0; tries < 20; ++tries) {
        auto r = nodes[i]->ClaimAlertDeliveries("node-" + std::to_string(i), kT0 + minutes(6),
                                                seconds(60), 3);
        if (!r.ok()) continue;
        claimed += static_cast<int>(r->size());
        break;
      }
    });
  for (auto& t : threads) t.join();
  // The four "opened" (the "resolved" wait for them), each claimed by exactly one node.
  EXPECT_EQ(claimed.load(), 4) << "each delivery claimed by exactly one node";
}

TEST_P(AlertStoreContract, FactsNameStoppedOrdersTheOldestQueuedOneAndTheConnection) {
  auto order = [](const std::string& number) {
    shop::Order o;
    o.number = number;
    o.placed_at = kT0;
    o.customer = {"ann@example.com", "Ann", "Lee", std::nullopt};
    o.billing_address = shop::Address{"1 Main St", std::nullopt, "Boulder", "CO", "80302", "US"};
    o.lines = {
        shop::Line{"GC-50", 1, base::Money::FromCents(5000), base::Money::FromCents(0), true, {}}};
    o.total = base::Money::FromCents(5000);
    o.payments = {shop::Payment{"pay_" + number, "Stripe", base::Money::FromCents(5000),
                                shop::PaymentStatus::kCaptured, "ch_" + number}};
    return o;
  };
  shop::Item gc{"GC-50", "Gift card $50"};
  gc.price = base::Money::FromCents(5000);
  ASSERT_TRUE(db_->PutItem(store_, gc).ok());
  auto allow = [](const shop::Order&, shop::ExportState, const LightspeedSettings&) {
    return shop::Eligibility{};
  };
  for (const char* n : {"A1", "A2"}) {
    auto put = db_->PutOrder(store_, order(n));
    ASSERT_TRUE(put.ok()) << put.error().message;
    auto q = db_->QueueExport(store_, n, allow);
    ASSERT_TRUE(q.ok()) << q.error().message;
  }
  auto claim = db_->ClaimExport(store_, "A1", "w", seconds(60));
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  ASSERT_TRUE(
      db_->StopExport(store_, "A1", claim->fence, "Lightspeed refused it", {}, nullptr).ok());
  auto facts = db_->GetAlertFacts(store_, 10);
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  ASSERT_EQ(facts->attention.size(), 1u);
  EXPECT_EQ(facts->attention[0].number, "A1");
  EXPECT_EQ(facts->attention[0].message, "Lightspeed refused it");
  EXPECT_EQ(facts->oldest_queued_number, "A2");
  EXPECT_TRUE(facts->oldest_queued_at.has_value());
  EXPECT_EQ(facts->connection, ConnectionState::kNone);
  ASSERT_TRUE(db_->MarkLightspeedReconnect(store_, "Lightspeed refused the token").ok());
  facts = db_->GetAlertFacts(store_, 10);
  EXPECT_EQ(facts->connection, ConnectionState::kReconnect);
  EXPECT_EQ(facts->connection_message, "Lightspeed refused the token");
}

INSTANTIATE_TEST_SUITE_P(Backends, AlertStoreContract,
                         ::testing::Values(Backend{"sqlite", FreshSqlite},
                                           Backend{"postgres", FreshPostgres}),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace store
