// The contract every Store backend passes, run once per backend (INSTANTIATE_TEST_SUITE_P at the
// end) against a real database: a SQLite file, a throwaway PostgreSQL cluster.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <latch>
#include <thread>
#include <vector>

#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "tests/support/pg_cluster.h"

namespace store {
namespace {

using base::Money;
using shop::ExportState;
using shop::OrderStatus;

Money M(int64_t c) { return Money::FromCents(c); }
// A lease that ran out long ago (its holder died).
constexpr base::Duration kExpired = -std::chrono::hours(1);

// A backend under test: how to make a fresh, empty database and its URL.
struct Backend {
  const char* name;
  std::string (*fresh_url)(const std::filesystem::path& dir);
};

std::string FreshSqlite(const std::filesystem::path& dir) {
  return "sqlite://" + (dir / "spoke.db").string();
}

// A fresh database on the process's throwaway PostgreSQL server (which aborts the process, loudly,
// if it cannot start: PostgreSQL tests are never skipped).
std::string FreshPostgres(const std::filesystem::path&) {
  auto url = testsupport::SharedPgCluster().CreateDatabase("");
  if (!url.ok()) {
    ADD_FAILURE() << "cannot create a PostgreSQL database: " << url.error().message;
    return "postgresql://unusable";
  }
  return *url;
}

const Backend kSqlite{"sqlite", FreshSqlite};
const Backend kPostgres{"postgres", FreshPostgres};

void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : test)
      if (c == '/') c = '_';
    dir_ = std::filesystem::temp_directory_path() /
           ("spoke-store-" + std::to_string(getpid()) + "-" + test);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    url_ = GetParam().fresh_url(dir_);
    Reopen();
    auto s = db_->CreateStore("bikes", "Boulder Bikes", "USD");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = s->id;
    shop::Item bike{"TREK-FX2", "Trek FX 2"};
    bike.price = M(89999);
    ASSERT_TRUE(db_->PutItem(store_, bike).ok());
    shop::Item gc{"GC-50", "Gift card $50", shop::ItemKind::kGiftCard};
    gc.price = M(5000);
    ASSERT_TRUE(db_->PutItem(store_, gc).ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    db_.reset();
    auto opened = Open(url_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(*opened);
  }
  static shop::Order Order(const std::string& number, int64_t placed_s) {
    shop::Order o;
    o.number = number;
    o.placed_at = base::TimePoint(std::chrono::seconds(placed_s));
    o.customer = {"ann@example.com", "Ann", "Lee", std::nullopt};
    o.billing_address = shop::Address{"1 Main St", std::nullopt, "Boulder", "CO", "80302", "US"};
    o.lines = {shop::Line{"TREK-FX2", 1, M(89999), M(0), true, {"WTU1"}}};
    o.shipping = shop::Shipping{"UPS Ground", M(2500)};
    o.tax = M(7425);
    o.total = M(99924);
    o.payments = {
        shop::Payment{"pay_1", "Stripe", M(99924), shop::PaymentStatus::kCaptured, "ch_1"}};
    return o;
  }
  static ExportCheck Allow() {
    return [](const shop::Order&, ExportState, const LightspeedSettings&) {
      return shop::Eligibility{};
    };
  }

  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<Store> db_;
  StoreId store_;
};

TEST_P(StoreContract, OrderRoundTripsEveryField) {
  shop::Order o = Order("10023", 1'763'651'045);
  o.refunds = {shop::Refund{"rf_1", "Stripe", M(1000), base::TimePoint(std::chrono::seconds(5))}};
  o.lines[0].description = "Trek FX 2";
  ASSERT_EQ(*db_->PutOrder(store_, o), PutOutcome::kCreated);
  shop::Item renamed{"TREK-FX2", "Trek FX 2 (discontinued)", shop::ItemKind::kGiftCard};
  ASSERT_TRUE(db_->PutItem(store_, renamed).ok());
  Reopen();
  auto got = db_->GetOrder(store_, "10023");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->order.customer, o.customer);
  EXPECT_EQ(got->order.billing_address, o.billing_address);
  EXPECT_EQ(got->order.payments, o.payments);
  EXPECT_EQ(got->order.refunds, o.refunds);
  EXPECT_EQ(got->order.lines[0].serial_numbers, o.lines[0].serial_numbers);
  EXPECT_EQ(got->order.lines[0].description, "Trek FX 2")
      << "a later catalog change does not rewrite a stored order";
  EXPECT_EQ(got->order.lines[0].kind, shop::ItemKind::kInventory);
  EXPECT_EQ(got->order.total, o.total);
  EXPECT_EQ(got->export_record.state, ExportState::kNotExported);
}

// A web store retrying a PUT of a new item in parallel: the item is created once, and only one
// of the answers says so (20 items, 8 PUTs of each released at once).
TEST_P(StoreContract, ParallelPutsOfANewItemCreateItOnce) {
  for (int round = 0; round < 20; ++round) {
    shop::Item helmet{"HELMET-" + std::to_string(round), "Helmet"};
    helmet.price = M(12999);
    std::atomic<int> created{0}, failed{0};
    std::latch start(8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&] {
        start.arrive_and_wait();
        auto r = db_->PutItem(store_, helmet);
        if (!r.ok())
          ++failed;
        else if (*r == PutOutcome::kCreated)
          ++created;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(failed.load(), 0) << helmet.sku;
    EXPECT_EQ(created.load(), 1) << helmet.sku;
  }
}

// Keys from outside (a URL's path) may not be UTF-8: nothing is stored under them, on either
// backend (PostgreSQL cannot even hold such text).
TEST_P(StoreContract, KeysThatAreNotUtf8OrHoldANulFindNothing) {
  const std::string bad = "\xFF\xFE";
  EXPECT_EQ(db_->GetOrder(store_, bad).error().code, base::ErrorCode::kNotFound);
  EXPECT_EQ(db_->GetItem(store_, bad).error().code, base::ErrorCode::kNotFound);
  EXPECT_EQ(db_->FindStore(bad).error().code, base::ErrorCode::kNotFound);
  EXPECT_EQ(db_->FindSession(bad).error().code, base::ErrorCode::kNotFound);
  // A NUL inside a key that exists up to it: the stored "10023" is not "10023\0x".
  ASSERT_TRUE(db_->PutOrder(store_, Order("10023", 100)).ok());
  const std::string with_nul("10023\0x", 7);
  EXPECT_EQ(db_->GetOrder(store_, with_nul).error().code, base::ErrorCode::kNotFound);
  EXPECT_EQ(db_->GetItem(store_, std::string("TREK-FX2\0", 9)).error().code,
            base::ErrorCode::kNotFound);
  EXPECT_EQ(db_->FindStore(std::string("bikes\0", 6)).error().code, base::ErrorCode::kNotFound);
}

TEST_P(StoreContract, SamePutTwiceStoresOneOrder) {
  ASSERT_EQ(*db_->PutOrder(store_, Order("10023", 100)), PutOutcome::kCreated);
  ASSERT_EQ(*db_->PutOrder(store_, Order("10023", 100)), PutOutcome::kUnchanged);
  auto page = db_->ListOrders(store_, {});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->orders.size(), 1u);
}

TEST_P(StoreContract, ReplaceBeforeExportThenConflictAfterQueued) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10023", 100)).ok());
  shop::Order changed = Order("10023", 100);
  changed.customer.first_name = "Annie";
  ASSERT_EQ(*db_->PutOrder(store_, changed), PutOutcome::kReplaced);
  ASSERT_TRUE(db_->QueueExport(store_, "10023", Allow()).ok());
  shop::Order again = Order("10023", 100);
  again.customer.first_name = "Someone else";
  auto r = db_->PutOrder(store_, again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, base::ErrorCode::kConflict);
  EXPECT_EQ(db_->GetOrder(store_, "10023")->order.customer.first_name, "Annie")
      << "the refused write left the previous version";
}

TEST_P(StoreContract, ListNewestFirstWithCursorAndFilters) {
  for (int i = 0; i < 7; ++i) {
    shop::Order o = Order("N" + std::to_string(i), 1000 + (i % 3));  // ties on placed_at
    if (i == 2) o.status = OrderStatus::kCancelled;
    ASSERT_TRUE(db_->PutOrder(store_, o).ok());
  }
  std::vector<std::string> seen;
  OrderFilter f;
  f.limit = 3;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = db_->ListOrders(store_, f);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (auto& r : page->orders) seen.push_back(r.order.number);
    if (page->next_cursor.empty()) break;
    f.cursor = page->next_cursor;
  }
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen.front(), "N5");  // placed 1002, newest id among ties
  EXPECT_EQ(seen.back(), "N0");
  OrderFilter open;
  open.statuses = {OrderStatus::kOpen};
  EXPECT_EQ(db_->ListOrders(store_, open)->orders.size(), 6u);
  ASSERT_TRUE(db_->QueueExport(store_, "N1", Allow()).ok());
  OrderFilter queued;
  queued.export_state = ExportState::kQueued;
  auto q = db_->ListOrders(store_, queued);
  ASSERT_EQ(q->orders.size(), 1u);
  EXPECT_EQ(q->orders[0].order.number, "N1");
  OrderFilter bad;
  bad.cursor = "garbage";
  EXPECT_EQ(db_->ListOrders(store_, bad).error().field, "cursor");
}

// Issue 14: search by number prefix, e-mail or name part, case-insensitive, with the filters.
TEST_P(StoreContract, SearchFindsNumbersEmailsAndNamesCaseInsensitively) {
  struct Who {
    const char* number;
    const char* email;
    const char* first;
    const char* last;
  };
  const Who people[] = {{"10023", "Ann.Lee@Example.com", "Ann", "Lee"},
                        {"10024", "bob@smithworks.io", "Bob", "Smith"},
                        {"A-77", "carla@example.org", "Carla", "Smithson"},
                        {"20001", "dee%50_off@example.com", "Dee", "O'Hara \\ Ng"},
                        {"20002", "zoë@example.net", "Zoë", "Ünal"}};
  int placed = 1000;
  for (const Who& p : people) {
    shop::Order o = Order(p.number, placed++);
    o.customer = {p.email, p.first, p.last, std::nullopt};
    ASSERT_TRUE(db_->PutOrder(store_, o).ok());
  }
  auto other = db_->CreateStore("other", "Other", "USD");
  ASSERT_TRUE(other.ok());
  shop::Order theirs = Order("10025", 5000);
  theirs.customer = {"smith@other.com", "Sam", "Smith", std::nullopt};
  ASSERT_TRUE(db_->PutOrder(other->id, theirs).ok());

  const auto found = [&](const std::string& q, OrderFilter f = {}) {
    f.q = q;
    std::vector<std::string> numbers;
    auto page = db_->ListOrders(store_, f);
    EXPECT_TRUE(page.ok()) << q << ": " << page.error().message;
    if (page.ok())
      for (const auto& r : page->orders) numbers.push_back(r.order.number);
    auto count = db_->CountOrders(store_, f, 1000);
    EXPECT_TRUE(count.ok());
    if (count.ok()) {
      EXPECT_EQ(*count, static_cast<int64_t>(numbers.size())) << q;
    }
    return numbers;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(found("1002"), (V{"10024", "10023"}));  // number prefix, newest first
  EXPECT_EQ(found("10023"), (V{"10023"}));
  EXPECT_EQ(found("a-7"), (V{"A-77"}));             // prefix, any case
  EXPECT_EQ(found("0023"), V{});                    // numbers match from their start only
  EXPECT_EQ(found("SMITH"), (V{"A-77", "10024"}));  // name and e-mail parts; not other stores
  EXPECT_EQ(found("lee@ex"), (V{"10023"}));
  EXPECT_EQ(found("  ann lee "), (V{"10023"}));  // "first last", spaces around ignored
  EXPECT_EQ(found("ith"), (V{"A-77", "10024"}));
  EXPECT_EQ(found("nobody"), V{});
  EXPECT_EQ(found("zoë"), (V{"20002"}));
  // Hostile strings are text, never patterns or syntax.
  EXPECT_EQ(found("%50_"), (V{"20001"}));
  EXPECT_EQ(found("%%%"), V{});
  EXPECT_EQ(found("___"), V{});
  EXPECT_EQ(found("o'hara"), (V{"20001"}));
  EXPECT_EQ(found("\" OR 1"), V{});
  EXPECT_EQ(found("a \\ n"), (V{"20001"}));
  EXPECT_EQ(found("a\\"), V{});
  // Under 3 characters only numbers' beginnings are searched.
  EXPECT_EQ(found("2"), (V{"20002", "20001"}));
  EXPECT_EQ(found("Le"), V{});
  // Combined with the filters.
  ASSERT_TRUE(db_->SetOrderStatus(store_, "10024", OrderStatus::kCompleted).ok());
  ASSERT_TRUE(db_->QueueExport(store_, "A-77", Allow()).ok());
  OrderFilter open;
  open.statuses = {OrderStatus::kOpen, OrderStatus::kProcessing, OrderStatus::kShipped};
  EXPECT_EQ(found("smith", open), (V{"A-77"}));
  OrderFilter queued;
  queued.export_state = ExportState::kQueued;
  EXPECT_EQ(found("smith", queued), (V{"A-77"}));
  EXPECT_EQ(found("lee", queued), V{});
  // Bad queries are refused naming q.
  OrderFilter bad;
  for (std::string q : {std::string(101, 'a'), std::string("ab\xff"), std::string("a\0b", 3),
                        std::string("a\nb")}) {
    bad.q = q;
    auto page = db_->ListOrders(store_, bad);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().field, "q");
    EXPECT_EQ(db_->CountOrders(store_, bad, 10).error().field, "q");
  }
}

// A broad search is read another way (walking the list, testing each row) than a narrow one
// (looking its matches up by id); both find the same orders in the same order, pages included.
TEST_P(StoreContract, BroadSearchesFindWhatNarrowOnesFind) {
  const char* names[][3] = {{"ann@example.com", "Ann", "Lee"},
                            {"bob@smithworks.io", "Bob", "Smith"},
                            {"carla@example.org", "Carla", "Smithson"},
                            {"dee@annex.example", "Dee", "Annan"},
                            {"zoë@example.net", "Zoë", "Ünal"}};
  for (int i = 0; i < 15; ++i) {
    shop::Order o = Order("1" + std::to_string(100 + i), 1000 + i % 5);
    o.customer = {names[i % 5][0], names[i % 5][1], names[i % 5][2], std::nullopt};
    o.total = M(99924 + (i % 4) * 100);
    if (i % 6 == 5) o.status = OrderStatus::kCancelled;
    ASSERT_TRUE(db_->PutOrder(store_, o).ok());
  }
  ASSERT_TRUE(db_->QueueExport(store_, "1103", Allow()).ok());
  const auto walk = [&](int64_t above, int64_t rows) {
    auto* s = dynamic_cast<sqlite::SqliteStore*>(db_.get());
    auto* p = dynamic_cast<postgres::PostgresStore*>(db_.get());
    ASSERT_TRUE(s || p);
    if (s) s->SetSearchWalkForTest(above, rows);
    if (p) p->SetSearchWalkForTest(above);
  };
  const auto all_pages = [&](OrderFilter f) {
    std::vector<std::string> out;
    f.limit = 2;
    for (int guard = 0; guard < 20; ++guard) {
      auto page = db_->ListOrders(store_, f);
      EXPECT_TRUE(page.ok()) << page.error().message;
      if (!page.ok()) break;
      for (const auto& r : page->orders) out.push_back(r.order.number);
      if (page->next_cursor.empty()) break;
      f.cursor = page->next_cursor;
    }
    return out;
  };
  for (const char* q : {"smith", "ANN", "11", "110", "%", "zoë", "example", "nobody"}) {
    for (int variant = 0; variant < 4; ++variant) {
      OrderFilter f;
      f.q = q;
      if (variant == 1) f.statuses = {OrderStatus::kOpen};
      if (variant == 2) f.sort = OrderSort::kTotalHigh;
      if (variant == 3) f.export_state = ExportState::kQueued;
      walk(50000, 5000);
      const std::vector<std::string> narrow = all_pages(f);
      walk(0, 1000);  // every search is broad: walked to the end of the list
      EXPECT_EQ(all_pages(f), narrow) << q << " variant " << variant;
      walk(0, 1);  // broad, and the walk gives up after one row: looked up by id after all
      EXPECT_EQ(all_pages(f), narrow) << q << " variant " << variant;
    }
  }
  walk(50000, 5000);
}

// Sorts by date and total, both ways, paged forward and back with cursors that know their sort.
TEST_P(StoreContract, SortsAndPagesForwardAndBack) {
  // 9 orders; totals tie in threes, dates in pairs, so both keys need the row to break ties.
  for (int i = 0; i < 9; ++i) {
    shop::Order o = Order("S" + std::to_string(i), 1000 + i / 2);
    o.shipping = shop::Shipping{"UPS Ground", M(2500 + (i % 3) * 100)};
    o.total = M(99924 + (i % 3) * 100);
    o.payments[0].amount = o.total;
    ASSERT_TRUE(db_->PutOrder(store_, o).ok());
  }
  const auto walk = [&](OrderSort sort) {
    OrderFilter f;
    f.sort = sort;
    f.limit = 2;
    std::vector<std::string> forward;
    std::vector<std::string> cursors_back;
    for (int guard = 0; guard < 20; ++guard) {
      auto page = db_->ListOrders(store_, f);
      EXPECT_TRUE(page.ok()) << page.error().message;
      if (!page.ok()) break;
      EXPECT_EQ(page->prev_cursor.empty(), f.cursor.empty());
      for (auto& r : page->orders) forward.push_back(r.order.number);
      if (page->next_cursor.empty()) {
        // And back again from the last page, each Previous page the one seen before.
        std::vector<std::string> backward;
        std::string prev = page->prev_cursor;
        for (int g = 0; g < 20 && !prev.empty(); ++g) {
          OrderFilter b = f;
          b.cursor = prev;
          auto back = db_->ListOrders(store_, b);
          EXPECT_TRUE(back.ok());
          if (!back.ok()) break;
          for (auto it = back->orders.rbegin(); it != back->orders.rend(); ++it)
            backward.push_back(it->order.number);
          prev = back->prev_cursor;
        }
        std::vector<std::string> expected(forward.rbegin() + page->orders.size(), forward.rend());
        EXPECT_EQ(backward, expected) << Name(sort);
        break;
      }
      f.cursor = page->next_cursor;
    }
    return forward;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(walk(OrderSort::kNewest), (V{"S8", "S7", "S6", "S5", "S4", "S3", "S2", "S1", "S0"}));
  EXPECT_EQ(walk(OrderSort::kOldest), (V{"S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"}));
  EXPECT_EQ(walk(OrderSort::kTotalHigh), (V{"S8", "S5", "S2", "S7", "S4", "S1", "S6", "S3", "S0"}));
  EXPECT_EQ(walk(OrderSort::kTotalLow), (V{"S0", "S3", "S6", "S1", "S4", "S7", "S2", "S5", "S8"}));
  // A cursor is for its own sort only.
  OrderFilter f;
  f.limit = 2;
  auto first = db_->ListOrders(store_, f);
  ASSERT_TRUE(first.ok());
  f.cursor = first->next_cursor;
  f.sort = OrderSort::kTotalHigh;
  EXPECT_EQ(db_->ListOrders(store_, f).error().field, "cursor");
  // A Previous page that reaches the start comes back as the whole first page.
  f.sort = OrderSort::kNewest;
  f.limit = 4;
  auto p1 = db_->ListOrders(store_, f);  // after S7: S6 S5 S4 S3
  ASSERT_TRUE(p1.ok());
  OrderFilter back = f;
  back.cursor = p1->prev_cursor;  // before S6: only S8 and S7
  auto p0 = db_->ListOrders(store_, back);
  ASSERT_TRUE(p0.ok());
  ASSERT_EQ(p0->orders.size(), 4u);
  EXPECT_EQ(p0->orders.front().order.number, "S8");
  EXPECT_TRUE(p0->prev_cursor.empty());
  EXPECT_EQ(db_->CountOrders(store_, {}, 1000).value(), 9);
  EXPECT_EQ(db_->CountOrders(store_, {}, 5).value(), 5);  // counted up to the cap
}

// Needs action: unbalanced or nothing to send while not exported, or stopped in needs_attention;
// never cancelled ones; kept current by payments and refunds.
TEST_P(StoreContract, NeedsActionIsWhatCannotBeExportedAsItIs) {
  shop::Order paid = Order("P1", 1000);
  shop::Order unpaid = Order("U1", 1001);
  unpaid.payments[0].status = shop::PaymentStatus::kAuthorized;
  shop::Order gift = Order("G1", 1002);
  gift.lines = {shop::Line{"GC-50", 1, M(5000), M(0), true, {}}};
  gift.lines[0].kind = shop::ItemKind::kGiftCard;
  gift.shipping.reset();
  gift.tax = M(0);
  gift.total = M(5000);
  gift.payments[0].amount = M(5000);
  shop::Order cancelled = Order("C1", 1003);
  cancelled.payments.clear();
  cancelled.status = OrderStatus::kCancelled;
  shop::Order stuck = Order("X1", 1004);
  for (const auto& o : {paid, unpaid, gift, cancelled, stuck})
    ASSERT_TRUE(db_->PutOrder(store_, o).ok());
  ASSERT_TRUE(db_->QueueExport(store_, "X1", Allow()).ok());
  auto claim = db_->ClaimExport(store_, "X1", "w", std::chrono::minutes(1));
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  ASSERT_TRUE(
      db_->StopExport(store_, "X1", claim->fence, "Lightspeed refused it", {}, nullptr).ok());
  OrderFilter needs;
  needs.needs_action = true;
  const auto numbers = [&] {
    std::vector<std::string> out;
    auto page = db_->ListOrders(store_, needs);
    EXPECT_TRUE(page.ok());
    if (page.ok())
      for (const auto& r : page->orders) out.push_back(r.order.number);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(numbers(), (V{"X1", "G1", "U1"}));
  EXPECT_EQ(db_->CountOrders(store_, needs, 100).value(), 3);
  ASSERT_TRUE(db_->CapturePayment(store_, "U1", "pay_1").ok());  // now balanced
  EXPECT_EQ(numbers(), (V{"X1", "G1"}));
  ASSERT_TRUE(db_->AddRefund(store_, "P1",
                             shop::Refund{"r1", "Stripe", M(100),
                                          base::TimePoint(std::chrono::seconds(2000))})
                  .ok());  // a refund after payment leaves it unbalanced
  EXPECT_EQ(numbers(), (V{"X1", "G1", "P1"}));
  needs.q = "p1";
  EXPECT_EQ(numbers(), (V{"P1"}));
}

TEST_P(StoreContract, CaptureOnlyFromAuthorized) {
  shop::Order o = Order("10023", 100);
  o.payments[0].status = shop::PaymentStatus::kAuthorized;
  ASSERT_TRUE(db_->PutOrder(store_, o).ok());
  EXPECT_EQ(db_->CapturePayment(store_, "10023", "nope").error().code, base::ErrorCode::kNotFound);
  ASSERT_TRUE(db_->CapturePayment(store_, "10023", "pay_1").ok());
  EXPECT_EQ(db_->GetOrder(store_, "10023")->order.payments[0].status,
            shop::PaymentStatus::kCaptured);
  EXPECT_EQ(db_->CapturePayment(store_, "10023", "pay_1").error().code, base::ErrorCode::kConflict);
}

TEST_P(StoreContract, RefundsAppendAndRefuseDuplicates) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10023", 100)).ok());
  shop::Refund r{"rf_1", "Stripe", M(1000), base::TimePoint(std::chrono::seconds(9))};
  ASSERT_TRUE(db_->AddRefund(store_, "10023", r).ok());
  EXPECT_EQ(db_->AddRefund(store_, "10023", r).error().code, base::ErrorCode::kConflict);
  EXPECT_EQ(db_->GetOrder(store_, "10023")->order.refunds.size(), 1u);
}

TEST_P(StoreContract, QueueRunsTheCheckAndRefusesWithItsCode) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10023", 100)).ok());
  auto refuse = [](const shop::Order&, ExportState, const LightspeedSettings&) {
    return shop::Eligibility{"unbalanced", "Unbalanced: $12.50 due"};
  };
  auto r = db_->QueueExport(store_, "10023", refuse);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "unbalanced");
  EXPECT_EQ(r.error().message, "Unbalanced: $12.50 due");
  EXPECT_EQ(db_->GetOrder(store_, "10023")->export_record.state, ExportState::kNotExported);
  ExportState seen = ExportState::kExported;
  auto ok = db_->QueueExport(store_, "10023",
                             [&](const shop::Order&, ExportState s, const LightspeedSettings&) {
                               seen = s;
                               return shop::Eligibility{};
                             });
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->state, ExportState::kQueued);
  EXPECT_EQ(seen, ExportState::kNotExported) << "the check saw the stored state";
  EXPECT_EQ(db_->GetOrder(store_, "10023")->export_record.state, ExportState::kQueued);
}

TEST_P(StoreContract, TokensBelongToOneStore) {
  auto other = db_->CreateStore("other", "Other Shop", "USD");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(db_->AddApiToken(store_, "hash-a", "").ok());
  ASSERT_TRUE(db_->AddApiToken(other->id, "hash-b", "").ok());
  EXPECT_EQ(db_->FindTokenStore("hash-a")->value, store_.value);
  EXPECT_EQ(db_->FindTokenStore("hash-b")->value, other->id.value);
  EXPECT_EQ(db_->FindTokenStore("nope").error().code, base::ErrorCode::kUnauthenticated);
  ASSERT_TRUE(db_->PutOrder(store_, Order("10023", 100)).ok());
  EXPECT_EQ(db_->GetOrder(other->id, "10023").error().code, base::ErrorCode::kNotFound);
}

TEST_P(StoreContract, SettingsRoundTrip) {
  LightspeedSettings s;
  s.account_id = "1";
  s.shop_id = "1";
  s.payment_types = {{"Online Payments (Stripe)", "Stripe"}};
  EXPECT_EQ(db_->GetLightspeedSettings(store_)->customer_marketing,
            store::CustomerMarketing::kNoConsent)
      << "no consent until the store says so";
  s.customer_marketing = store::CustomerMarketing::kConsented;
  ASSERT_TRUE(db_->PutLightspeedSettings(store_, s).ok());
  EXPECT_EQ(db_->GetLightspeedSettings(store_)->payment_types, s.payment_types);
  EXPECT_EQ(db_->GetLightspeedSettings(store_)->customer_marketing,
            store::CustomerMarketing::kConsented);
  EXPECT_FALSE(ConnectionOf(*db_->GetLightspeedSettings(store_)).connected);
  ASSERT_TRUE(db_->SaveLightspeedTokens(store_, {"a", "r", {}}, "").ok());
  EXPECT_TRUE(ConnectionOf(*db_->GetLightspeedSettings(store_)).connected);
  EXPECT_EQ(db_->GetLightspeedSettings(store_)->shop_id, "1") << "token kept the settings";
}

TEST_P(StoreContract, OneTokenRefreshLeaseAtATime) {
  EXPECT_EQ(db_->GetLightspeedTokens(store_).error().code, base::ErrorCode::kNotFound);
  ASSERT_TRUE(db_->SaveLightspeedTokens(store_, {"a1", "r1", {}}, "").ok());
  const auto later = std::chrono::seconds(30);
  const base::TimePoint expires(std::chrono::seconds(1'800'000'000));
  EXPECT_TRUE(*db_->LeaseTokenRefresh(store_, "p1", later));
  EXPECT_FALSE(*db_->LeaseTokenRefresh(store_, "p2", later)) << "held by p1";
  ASSERT_TRUE(db_->SaveLightspeedTokens(store_, {"a2", "r2", expires}, "p1").ok());
  EXPECT_EQ(db_->GetLightspeedTokens(store_)->refresh_sealed, "r2");
  EXPECT_TRUE(*db_->LeaseTokenRefresh(store_, "p2", later)) << "saving released p1's lease";
  ASSERT_TRUE(db_->ReleaseTokenLease(store_, "p2").ok());
  // An expired lease can be taken over (its holder died mid-refresh).
  EXPECT_TRUE(*db_->LeaseTokenRefresh(store_, "p3", kExpired));
  EXPECT_TRUE(*db_->LeaseTokenRefresh(store_, "p4", later));
  ASSERT_TRUE(db_->MarkLightspeedReconnect(store_, "Reconnect to Lightspeed").ok());
  auto s = db_->GetLightspeedSettings(store_);
  EXPECT_EQ(s->connection, store::ConnectionState::kReconnect);
  EXPECT_EQ(s->connection_message, "Reconnect to Lightspeed");
  EXPECT_FALSE(ConnectionOf(*s).connected);
}

}  // namespace
}  // namespace store

namespace store {
namespace {

TEST_P(StoreContract, ExportStateMachineWithFencing) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10023", 100)).ok());
  EXPECT_TRUE(db_->ListDueStores()->empty()) << "not queued yet";
  EXPECT_TRUE(db_->ListDueExports(store_, 10)->empty());
  ASSERT_TRUE(db_->QueueExport(store_, "10023", Allow()).ok());
  auto stores = db_->ListDueStores();
  ASSERT_EQ(stores->size(), 1u);
  EXPECT_EQ((*stores)[0].store.value, store_.value);
  auto due = db_->ListDueExports(store_, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0], "10023");
  const auto lease = std::chrono::seconds(60);
  auto first = db_->ClaimExport(store_, "10023", "w1", lease);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->attempt, 1);
  EXPECT_FALSE(first->maybe_sent);
  EXPECT_EQ(db_->ClaimExport(store_, "10023", "w2", lease).error().code, base::ErrorCode::kConflict)
      << "one worker at a time";
  EXPECT_TRUE(db_->ListDueExports(store_, 10)->empty());
  EXPECT_TRUE(db_->ListDueStores()->empty());
  ASSERT_TRUE(db_->MarkSending(store_, "10023", first->fence, lease).ok());
  // Each transition that ends an attempt writes the attempt's record with it (one commit).
  const ExportAttempt timeout{1, {}, {}, store::AttemptOutcome::kRetry, 0, "timeout", 1};
  ASSERT_TRUE(
      db_->RetryExportLater(store_, "10023", first->fence, kExpired, "timeout", false, &timeout)
          .ok());
  auto second = db_->ClaimExport(store_, "10023", "w2", lease);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->attempt, 2);
  EXPECT_TRUE(second->maybe_sent) << "the mark survives a retry: search before sending again";
  const ExportAttempt stale{1, {}, {}, store::AttemptOutcome::kExported, 200, "Sale 99 created", 1};
  EXPECT_EQ(db_->CompleteExport(store_, "10023", first->fence, "99", {}, std::nullopt, &stale)
                .error()
                .code,
            base::ErrorCode::kConflict)
      << "a stale worker cannot finish the order";
  const ExportAttempt created{2, {}, {}, store::AttemptOutcome::kExported, 200, "Sale 4711 created",
                              1};
  ASSERT_TRUE(db_->CompleteExport(store_, "10023", second->fence, "4711",
                                  {NotSent{"GC-50", M(5000), "gift card"}}, std::nullopt, &created)
                  .ok());
  auto done = db_->GetOrder(store_, "10023");
  EXPECT_EQ(done->export_record.state, ExportState::kExported);
  EXPECT_EQ(done->export_record.sale_id, "4711");
  EXPECT_EQ(done->export_record.attempts, 2);
  ASSERT_EQ(done->export_record.not_sent.size(), 1u);
  EXPECT_EQ(done->export_record.not_sent[0].amount, M(5000));
  // The stale worker's account is kept although its transition was refused: the history shows
  // that a second sale may exist in Lightspeed.
  std::vector<std::string> history;
  for (const ExportAttempt& a : done->attempts) history.push_back(a.message);
  std::sort(history.begin(), history.end());
  EXPECT_EQ(history, (std::vector<std::string>{"Sale 4711 created", "Sale 99 created", "timeout"}));
}

// Issue 12: a turn that ends before an order's sale (the bucket is full, the engine stops) puts
// the order back as it was: due at once, its "maybe sent" mark kept, the claim's attempt not
// counted (so waiting for the bucket never uses up the attempts that lead to needs-attention).
TEST_P(StoreContract, AReleasedClaimIsDueAtOnceAndItsAttemptIsNotCounted) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10023", 100)).ok());
  ASSERT_TRUE(db_->QueueExport(store_, "10023", Allow()).ok());
  const auto lease = std::chrono::seconds(60);
  auto first = db_->ClaimExport(store_, "10023", "w1", lease);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(db_->MarkSending(store_, "10023", first->fence, lease).ok());
  ASSERT_TRUE(
      db_->RetryExportLater(store_, "10023", first->fence, kExpired, "timeout", false, nullptr)
          .ok());
  auto second = db_->ClaimExport(store_, "10023", "w1", lease);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->attempt, 2);
  EXPECT_EQ(db_->ReleaseExport(store_, "10023", first->fence, "x").error().code,
            base::ErrorCode::kConflict)
      << "a stale claim releases nothing";
  ASSERT_TRUE(db_->ReleaseExport(store_, "10023", second->fence,
                                 "Waiting for room in Lightspeed's rate limit")
                  .ok());
  EXPECT_EQ(*db_->ListDueExports(store_, 10), std::vector<std::string>{"10023"}) << "due at once";
  auto record = db_->GetOrder(store_, "10023");
  EXPECT_EQ(record->export_record.state, ExportState::kQueued);
  EXPECT_EQ(record->export_record.attempts, 1);
  auto third = db_->ClaimExport(store_, "10023", "w2", lease);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->attempt, 2) << "the released claim's attempt is not counted";
  EXPECT_TRUE(third->maybe_sent) << "the first attempt's mark is kept";
}

// Issue 12: a store with few orders is listed beside a store with many, whatever their backlog,
// with the account its settings name; each store's due orders come oldest first.
TEST_P(StoreContract, EveryStoreWithDueOrdersIsListedOnceWhateverItsBacklog) {
  const StoreId big = store_;
  auto created = db_->CreateStore("small", "Small Shop", "USD");
  ASSERT_TRUE(created.ok());
  const StoreId small = created->id;
  for (int i = 0; i < 1100; ++i) {
    const std::string n = "A" + std::to_string(10000 + i);
    shop::Order o = Order(n, 100);
    o.customer.email = "c" + std::to_string(i) + "@example.com";
    ASSERT_TRUE(db_->PutOrder(big, o).ok());
    ASSERT_TRUE(db_->QueueExport(big, n, Allow()).ok());
  }
  ASSERT_TRUE(db_->PutOrder(small, Order("B1", 100)).ok());
  ASSERT_TRUE(db_->QueueExport(small, "B1", Allow()).ok());
  LightspeedSettings s = *db_->GetLightspeedSettings(small);
  s.account_id = "2002";
  ASSERT_TRUE(db_->PutLightspeedSettings(small, s).ok());
  auto stores = db_->ListDueStores();
  ASSERT_TRUE(stores.ok()) << stores.error().message;
  ASSERT_EQ(stores->size(), 2u);
  EXPECT_EQ((*stores)[1].store.value, small.value);
  EXPECT_EQ((*stores)[1].account_id, "2002");
  EXPECT_FALSE((*stores)[1].refunds) << "no refunds due: the engine does not ask for them";
  auto head = db_->ListDueExports(big, 3);
  EXPECT_EQ(*head, (std::vector<std::string>{"A10000", "A10001", "A10002"}));
  EXPECT_EQ(*db_->ListDueExports(small, 10), std::vector<std::string>{"B1"});
  auto emails = db_->ListDueEmails(big, 3);
  ASSERT_TRUE(emails.ok()) << emails.error().message;
  ASSERT_EQ(emails->size(), 3u) << "one e-mail per due order, in the same order";
  EXPECT_EQ(*emails,
            (std::vector<std::string>{"c0@example.com", "c1@example.com", "c2@example.com"}));
}

// Issue 12: a lane turn claims its orders in one transaction; one another worker holds, or that
// is not due, is left out and the others are claimed as one by one.
TEST_P(StoreContract, ATurnClaimsItsOrdersTogetherLeavingOutTheOnesNotDue) {
  for (const char* n : {"1", "2", "3", "4"}) {
    ASSERT_TRUE(db_->PutOrder(store_, Order(n, 100)).ok());
    if (std::string(n) != "4") ASSERT_TRUE(db_->QueueExport(store_, n, Allow()).ok());
  }
  const auto lease = std::chrono::seconds(60);
  auto rival = db_->ClaimExport(store_, "2", "w2", lease);
  ASSERT_TRUE(rival.ok());
  auto claimed = db_->ClaimExports(store_, {"3", "2", "1", "4", "missing"}, "w1", lease);
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  ASSERT_EQ(claimed->size(), 2u) << "2 is held by w2, 4 is not queued, one does not exist";
  EXPECT_EQ((*claimed)[0].first, "3");
  EXPECT_EQ((*claimed)[1].first, "1");
  for (const auto& [n, claim] : *claimed) {
    EXPECT_EQ(claim.attempt, 1) << n;
    EXPECT_FALSE(claim.maybe_sent) << n;
    EXPECT_EQ(db_->GetOrder(store_, n)->export_record.state, ExportState::kExporting) << n;
    EXPECT_TRUE(db_->MarkSending(store_, n, claim.fence, lease).ok()) << "its fence holds";
  }
  EXPECT_EQ(db_->ClaimExports(store_, {"1", "3"}, "w2", lease)->size(), 0u) << "taken";
  EXPECT_TRUE(db_->ClaimExports(store_, {}, "w1", lease)->empty());
}

// /metrics counts every store's exports with one query; each store's counts are its own.
TEST_P(StoreContract, ExportCountsOfEveryStoreAtOnceMatchEachStoresOwn) {
  auto other = db_->CreateStore("wheels", "Wheel House", "USD");
  ASSERT_TRUE(other.ok()) << other.error().message;
  auto empty = db_->CreateStore("empty", "No Orders Yet", "USD");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  for (const char* n : {"1", "2", "3"}) ASSERT_TRUE(db_->PutOrder(store_, Order(n, 100)).ok());
  ASSERT_TRUE(db_->QueueExport(store_, "1", Allow()).ok());
  ASSERT_TRUE(db_->QueueExport(store_, "2", Allow()).ok());
  ASSERT_TRUE(db_->ClaimExport(store_, "2", "w1", std::chrono::seconds(60)).ok());
  ASSERT_TRUE(db_->PutOrder(other->id, Order("1", 100)).ok());

  auto all = db_->CountExportsByStore();
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->size(), 2u) << "a store without orders has no counts";
  for (StoreId s : {store_, other->id}) {
    auto own = db_->CountExports(s);
    ASSERT_TRUE(own.ok());
    EXPECT_EQ(all->at(s), *own) << s.value;
  }
  EXPECT_EQ(all->at(store_).at(shop::ExportState::kNotExported), 1);
  EXPECT_EQ(all->at(store_).at(shop::ExportState::kQueued), 1);
  EXPECT_EQ(all->at(store_).at(shop::ExportState::kExporting), 1);
  EXPECT_EQ(all->at(other->id).at(shop::ExportState::kNotExported), 1);
}

TEST_P(StoreContract, AnExpiredLeaseCanBeTakenOver) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10023", 100)).ok());
  ASSERT_TRUE(db_->QueueExport(store_, "10023", Allow()).ok());
  auto dead = db_->ClaimExport(store_, "10023", "crashed", kExpired);
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(db_->ListDueExports(store_, 10)->size(), 1u) << "its worker died";
  auto next = db_->ClaimExport(store_, "10023", "w2", std::chrono::seconds(60));
  ASSERT_TRUE(next.ok());
  EXPECT_GT(next->fence, dead->fence);
  const ExportAttempt bad{2, {}, {}, store::AttemptOutcome::kFailed, 400, "bad item", 7.5};
  ASSERT_TRUE(db_->StopExport(store_, "10023", next->fence, "Lightspeed: bad item", {}, &bad).ok());
  auto stopped = db_->GetOrder(store_, "10023");
  EXPECT_EQ(stopped->export_record.state, ExportState::kNeedsAttention);
  EXPECT_EQ(stopped->export_record.message, "Lightspeed: bad item");
  ASSERT_EQ(stopped->attempts.size(), 1u);
  EXPECT_EQ(stopped->attempts[0].units, 7.5);
}

// M2: a message cut inside a character (or carrying any byte that is not UTF-8) made every answer
// that showed the order fail for good. The store keeps only valid UTF-8, cut between characters.
TEST_P(StoreContract, HostileInputM2StoredMessagesAreValidUtf8) {
  ASSERT_TRUE(db_->PutOrder(store_, Order("10023", 100)).ok());
  ASSERT_TRUE(db_->QueueExport(store_, "10023", Allow()).ok());
  const auto lease = std::chrono::seconds(60);
  auto claim = db_->ClaimExport(store_, "10023", "w1", lease);
  ASSERT_TRUE(claim.ok());
  // 1,999 bytes, then a two-byte character across the limit, then more.
  const std::string long_message = std::string(1999, 'a') + "\xC3\xA9" + std::string(500, 'b');
  ASSERT_TRUE(db_->RetryExportLater(store_, "10023", claim->fence, {}, "caf\xE9 " + long_message,
                                    false, nullptr)
                  .ok());
  EXPECT_EQ(db_->GetOrder(store_, "10023")->export_record.message,
            "caf\xEF\xBF\xBD " + std::string(2000 - 7, 'a'));
  claim = db_->ClaimExport(store_, "10023", "w1", lease);
  ASSERT_TRUE(claim.ok());
  const ExportAttempt refused{
      1, {}, {}, store::AttemptOutcome::kFailed, 400, "Lightspeed: caf\xE9", 1, "x\xFF"};
  ASSERT_TRUE(db_->StopExport(store_, "10023", claim->fence, long_message, {}, &refused).ok());
  ASSERT_TRUE(db_->MarkLightspeedReconnect(store_, "\xC3").ok());
  auto got = db_->GetOrder(store_, "10023");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->export_record.message, std::string(1999, 'a')) << "cut before the character";
  ASSERT_EQ(got->attempts.size(), 1u);
  EXPECT_EQ(got->attempts[0].message, "Lightspeed: caf\xEF\xBF\xBD");
  EXPECT_EQ(got->attempts[0].sent, "x\xEF\xBF\xBD");
  EXPECT_EQ(db_->GetLightspeedSettings(store_)->connection_message, "\xEF\xBF\xBD");
}

// Issue 11, item 6: spoke.db, -wal and -shm were 0644 (anyone on the machine could read
// customers' addresses). A database spoke creates is its owner's only.
TEST_P(StoreContract, LinksPerAccountAndKind) {
  ASSERT_TRUE(db_->PutLink(store_, "1001", "customer", "ann@example.com", "7").ok());
  ASSERT_TRUE(db_->PutLink(store_, "1001", "item", "TREK-FX2", "40").ok());
  ASSERT_TRUE(db_->PutLink(store_, "1002", "customer", "ann@example.com", "3").ok());
  EXPECT_EQ(db_->GetLinks(store_, "1001", "customer")->at("ann@example.com"), "7");
  EXPECT_EQ(db_->GetLinks(store_, "1002", "customer")->at("ann@example.com"), "3");
  EXPECT_EQ(db_->GetLinks(store_, "1001", "item")->size(), 1u);
  // Issue 12: only the keys asked for, of this account and kind.
  ASSERT_TRUE(db_->PutLink(store_, "1001", "customer", "bob@example.com", "8").ok());
  ASSERT_TRUE(db_->PutLink(store_, "1001", "customer", "o'neil \"q\"@example.com", "9").ok());
  auto some = db_->GetLinksFor(store_, "1001", "customer",
                               {"ann@example.com", "o'neil \"q\"@example.com", "nobody@x.org"});
  ASSERT_TRUE(some.ok()) << some.error().message;
  EXPECT_EQ(*some, (std::map<std::string, std::string>{{"ann@example.com", "7"},
                                                       {"o'neil \"q\"@example.com", "9"}}));
  EXPECT_TRUE(db_->GetLinksFor(store_, "1001", "customer", {})->empty());
  EXPECT_TRUE(db_->GetLinksFor(store_, "1001", "item", {"ann@example.com"})->empty());
}

// The create gate (exactly once for customers, items, payment types and serials).
TEST_P(StoreContract, CreateGateOneWriterAtATimeAndSearchFirstOnceACreateWasTried) {
  const auto later = std::chrono::seconds(60);
  auto first = db_->BeginCreate("1001", "customer", "ann@example.com", "w1", later);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(*first) << "never tried before: no search needed";
  auto rival = db_->BeginCreate("1001", "customer", "ann@example.com", "w2", later);
  ASSERT_FALSE(rival.ok()) << "a second writer must wait while the first is in flight";
  EXPECT_EQ(rival.error().code, base::ErrorCode::kConflict);
  EXPECT_TRUE(db_->BeginCreate("1002", "customer", "ann@example.com", "w2", later).ok())
      << "another account is another gate";
  EXPECT_TRUE(db_->BeginCreate("1001", "item", "ann@example.com", "w2", later).ok())
      << "another kind is another gate";

  // Whatever the first writer saw (a lost answer, or a record another writer's early search
  // missed), the next one may go but must search first.
  ASSERT_TRUE(
      db_->EndCreate("1001", "customer", "ann@example.com", "w1", base::Duration::zero()).ok());
  auto next = db_->BeginCreate("1001", "customer", "ann@example.com", "w2", later);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(*next);
  EXPECT_FALSE(db_->BeginCreate("1001", "customer", "ann@example.com", "w3", later).ok())
      << "w2 holds it now";

  // An uncertain create may still land for a while: the gate stays shut until then.
  ASSERT_TRUE(db_->EndCreate("1001", "customer", "ann@example.com", "w2", later).ok());
  EXPECT_FALSE(db_->BeginCreate("1001", "customer", "ann@example.com", "w3", later).ok())
      << "nobody searches before the uncertain create can no longer land";
}

TEST_P(StoreContract, CreateGateOfACrashedHolderOpensAtItsLeaseEndAndAsksForASearch) {
  const auto expired = kExpired;
  ASSERT_TRUE(db_->BeginCreate("1001", "payment_type", "stripe", "crashed", expired).ok());
  Reopen();  // survives a restart
  const auto later = std::chrono::seconds(60);
  auto next = db_->BeginCreate("1001", "payment_type", "stripe", "w2", later);
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_TRUE(*next) << "the crashed holder may have created it";
  EXPECT_TRUE(
      db_->EndCreate("1001", "payment_type", "stripe", "crashed", base::Duration::zero()).ok());
  EXPECT_FALSE(db_->BeginCreate("1001", "payment_type", "stripe", "w3", later).ok())
      << "a stale holder's end does not open someone else's gate";
}

TEST_P(StoreContract, CreateGateEndsWithItsLinkInOneWrite) {
  const auto later = std::chrono::seconds(60);
  ASSERT_TRUE(db_->BeginCreate("1001", "customer", "ann@example.com", "w1", later).ok());
  ASSERT_TRUE(db_->EndCreateLinked(store_, "1001", "customer", "ann@example.com", "w1", "42").ok());
  auto links = db_->GetLinksFor(store_, "1001", "customer", {"ann@example.com"});
  ASSERT_TRUE(links.ok()) << links.error().message;
  EXPECT_EQ(*links, (std::map<std::string, std::string>{{"ann@example.com", "42"}}));
  auto next = db_->BeginCreate("1001", "customer", "ann@example.com", "w2", later);
  ASSERT_TRUE(next.ok()) << "the gate is open at once: " << next.error().message;
  EXPECT_TRUE(*next) << "and still asks the next writer to search";

  // A holder whose lease ran out and was taken over still keeps what it found, but cannot open
  // the new holder's gate.
  ASSERT_TRUE(db_->EndCreateLinked(store_, "1001", "customer", "ann@example.com", "w1", "41").ok());
  const auto link = [&] {
    auto l = db_->GetLinksFor(store_, "1001", "customer", {"ann@example.com"});
    return l.ok() && l->count("ann@example.com") ? l->at("ann@example.com") : std::string();
  };
  EXPECT_EQ(link(), "41");
  EXPECT_FALSE(db_->BeginCreate("1001", "customer", "ann@example.com", "w3", later).ok())
      << "w2 holds it still";
  Reopen();
  EXPECT_EQ(link(), "41") << "the link survives a restart";
}

// Issue 13: one node drives a lane at a time; a dead node's lane is taken over with a higher
// fence, so its holder can tell it lost the lane.
TEST_P(StoreContract, LaneLeaseTakeRenewRefuseAndTakeOverWithAHigherFence) {
  const auto ttl = std::chrono::seconds(30);
  auto taken = db_->LeaseLane("1001", "worker-1", ttl);
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_TRUE(taken->has_value()) << "a free lane is taken";
  auto renewed = db_->LeaseLane("1001", "worker-1", ttl);
  ASSERT_TRUE(renewed.ok() && renewed->has_value());
  EXPECT_EQ(**renewed, **taken) << "the holder renews under the same fence";
  auto refused = db_->LeaseLane("1001", "worker-2", ttl);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->has_value()) << "worker-1's lease runs";
  EXPECT_TRUE(db_->LeaseLane("store-7", "worker-2", ttl)->has_value()) << "another lane is free";

  auto lanes = db_->ListLanes();
  ASSERT_TRUE(lanes.ok()) << lanes.error().message;
  ASSERT_EQ(lanes->size(), 2u);
  EXPECT_EQ((*lanes)[0].lane, "1001");
  EXPECT_EQ((*lanes)[0].node, "worker-1");
  EXPECT_EQ((*lanes)[0].fence, **taken);
  EXPECT_GT((*lanes)[0].until, base::SystemClock().Now() + std::chrono::seconds(20));
  EXPECT_EQ((*lanes)[1].lane, "store-7");
  EXPECT_EQ((*lanes)[1].node, "worker-2");

  // worker-1 dies: its lease runs out and worker-2 takes the lane over.
  ASSERT_TRUE(db_->LeaseLane("1001", "worker-1", kExpired)->has_value());
  Reopen();  // survives a restart
  auto over = db_->LeaseLane("1001", "worker-2", ttl);
  ASSERT_TRUE(over.ok() && over->has_value());
  EXPECT_GT(**over, **taken) << "a new holder gets a higher fence";
  EXPECT_FALSE(db_->LeaseLane("1001", "worker-1", ttl)->has_value()) << "the old holder lost it";
  // A holder that let its own lease lapse starts a new term too.
  ASSERT_TRUE(db_->LeaseLane("1001", "worker-2", kExpired)->has_value());
  EXPECT_GT(**db_->LeaseLane("1001", "worker-2", ttl), **over);

  EXPECT_EQ(db_->LeaseLane("", "worker-1", ttl).error().field, "lane");
  EXPECT_EQ(db_->LeaseLane("1001", "", ttl).error().field, "node");
}

// Issue 12: a node renews all its lanes with one call (one commit), and each answer is the
// lane's own: renewed, taken, taken over, or left to the node whose lease runs.
TEST_P(StoreContract, ManyLanesLeasedAtOnceEachAsAloneWouldBe) {
  const auto ttl = std::chrono::seconds(30);
  const int64_t mine = **db_->LeaseLane("1001", "worker-1", ttl);
  const int64_t theirs = **db_->LeaseLane("1002", "worker-2", ttl);
  const int64_t lapsed = **db_->LeaseLane("1003", "worker-2", kExpired);
  auto leased = db_->LeaseLanes({"1001", "1002", "1003", "store-9", "1001"}, "worker-1", ttl);
  ASSERT_TRUE(leased.ok()) << leased.error().message;
  EXPECT_EQ(leased->size(), 3u) << "1002 is worker-2's while its lease runs";
  EXPECT_EQ(leased->at("1001"), mine) << "renewed under the same fence, named twice or not";
  EXPECT_FALSE(leased->count("1002"));
  EXPECT_GT(leased->at("1003"), lapsed) << "a lapsed lease is taken over with a higher fence";
  EXPECT_TRUE(leased->count("store-9")) << "a free lane is taken";
  auto lanes = db_->ListLanes();
  ASSERT_TRUE(lanes.ok()) << lanes.error().message;
  ASSERT_EQ(lanes->size(), 4u);
  for (const LaneLease& l : *lanes)
    EXPECT_EQ(l.node, l.lane == "1002" ? "worker-2" : "worker-1") << l.lane;
  EXPECT_EQ(lanes->at(1).fence, theirs);
  EXPECT_TRUE(db_->LeaseLanes({}, "worker-1", ttl)->empty());
  EXPECT_EQ(db_->LeaseLanes({"1001", ""}, "worker-1", ttl).error().field, "lane");
  EXPECT_EQ(db_->ListLanes()->at(0).fence, mine) << "a refused call changes nothing";
}

TEST_P(StoreContract, LaneReleaseOnlyByItsHolderAndTheFenceKeepsGrowing) {
  const auto ttl = std::chrono::seconds(30);
  const int64_t first = **db_->LeaseLane("1001", "worker-1", ttl);
  ASSERT_TRUE(db_->ReleaseLane("1001", "worker-2").ok()) << "not held by worker-2: nothing";
  EXPECT_FALSE(db_->LeaseLane("1001", "worker-2", ttl)->has_value()) << "still worker-1's";
  ASSERT_TRUE(db_->ReleaseLane("1001", "worker-1").ok());
  EXPECT_TRUE(db_->ListLanes()->empty()) << "a released lane is driven by no one";
  auto next = db_->LeaseLane("1001", "worker-2", ttl);
  ASSERT_TRUE(next.ok() && next->has_value()) << "a released lane is free at once";
  EXPECT_GT(**next, first);
  ASSERT_TRUE(db_->ReleaseLane("1001", "worker-1").ok());
  EXPECT_EQ(db_->ListLanes()->at(0).node, "worker-2") << "a stale release changes nothing";
  ASSERT_TRUE(db_->ReleaseLane("never-leased", "worker-1").ok());
}

TEST_P(StoreContract, LiveNodesAreThoseWhoseHeartbeatRuns) {
  EXPECT_TRUE(db_->ListLiveNodes()->empty());
  ASSERT_TRUE(db_->Heartbeat("worker-2", std::chrono::seconds(30)).ok());
  ASSERT_TRUE(db_->Heartbeat("worker-1", std::chrono::seconds(30)).ok());
  ASSERT_TRUE(db_->Heartbeat("crashed", kExpired).ok());
  EXPECT_EQ(*db_->ListLiveNodes(), (std::vector<std::string>{"worker-1", "worker-2"}));
  ASSERT_TRUE(db_->Heartbeat("crashed", std::chrono::seconds(30)).ok()) << "back again";
  ASSERT_TRUE(db_->Heartbeat("worker-2", -std::chrono::seconds(1)).ok()) << "leaving";
  EXPECT_EQ(*db_->ListLiveNodes(), (std::vector<std::string>{"crashed", "worker-1"}));
  EXPECT_EQ(db_->Heartbeat("", std::chrono::seconds(30)).error().field, "node");
}

}  // namespace
}  // namespace store

namespace store {
namespace {

// Orders stored before the order search's migration (SQLite 12, PostgreSQL 5): `undo` takes the
// database back to before it (its indexes, triggers and column gone); reopening migrates again,
// which must fill the search index and compute hold exactly as rules::ExportHold does.
void MigrationIndexesAndHoldsOrdersStoredBeforeIt(const std::string& url,
                                                  const std::function<void()>& undo) {
  StoreId store;
  {
    auto opened = Open(url);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    Store& db = **opened;
    auto s = db.CreateStore("bikes", "Bikes", "USD");
    ASSERT_TRUE(s.ok());
    store = s->id;
    shop::Item gc{"GC-50", "Gift card", shop::ItemKind::kGiftCard};
    gc.price = M(5000);
    ASSERT_TRUE(db.PutItem(store, gc).ok());
    shop::Order paid;
    paid.number = "P1";
    paid.customer = {"ann@example.com", "Ann", "Lee", std::nullopt};
    paid.lines = {shop::Line{"BIKE", 1, M(1000), M(0), true, {}}};
    paid.total = M(1000);
    paid.payments = {shop::Payment{"p", "Stripe", M(1000), shop::PaymentStatus::kCaptured, {}}};
    shop::Order refunded = paid;
    refunded.number = "R1";
    refunded.refunds = {shop::Refund{"r", "Stripe", M(100), {}}};
    shop::Order authorized = paid;
    authorized.number = "A1";
    authorized.payments[0].status = shop::PaymentStatus::kAuthorized;
    shop::Order gift = paid;
    gift.number = "G1";
    gift.lines = {shop::Line{"GC-50", 1, M(1000), M(0), true, {}}};
    gift.lines[0].kind = shop::ItemKind::kGiftCard;
    shop::Order shipped_gift = gift;  // shipping is something to send
    shipped_gift.number = "G2";
    shipped_gift.shipping = shop::Shipping{"UPS", M(500)};
    shipped_gift.total = M(1500);
    shipped_gift.payments[0].amount = M(1500);
    for (const auto& o : {paid, refunded, authorized, gift, shipped_gift})
      ASSERT_TRUE(db.PutOrder(store, o).ok());
  }
  undo();
  auto opened = Open(url);  // migrates
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  OrderFilter needs;
  needs.needs_action = true;
  needs.sort = OrderSort::kOldest;
  auto page = (*opened)->ListOrders(store, needs);
  ASSERT_TRUE(page.ok()) << page.error().message;
  std::vector<std::string> numbers;
  for (const auto& r : page->orders) numbers.push_back(r.order.number);
  EXPECT_EQ(numbers, (std::vector<std::string>{"R1", "A1", "G1"}));
  OrderFilter search;
  search.q = "ann@";
  auto count = (*opened)->CountOrders(store, search, 100);
  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_EQ(*count, 5);
}

TEST(StoreSqlite, MigrationTwelveIndexesAndHoldsOrdersStoredBeforeIt) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("spoke-store-m12-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "spoke.db").string();
  MigrationIndexesAndHoldsOrdersStoredBeforeIt("sqlite://" + path, [&] {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(raw,
                           "DROP TRIGGER orders_search_insert; DROP TRIGGER orders_search_update; "
                           "DROP TRIGGER orders_search_delete; DROP TABLE orders_search; "
                           "DROP INDEX orders_by_total; DROP INDEX orders_by_number; "
                           "DROP INDEX orders_needing_action; ALTER TABLE orders DROP COLUMN hold; "
                           "DELETE FROM schema_migrations WHERE version = 12;",
                           nullptr, nullptr, &err),
              SQLITE_OK)
        << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(raw);
  });
  std::filesystem::remove_all(dir);
}

TEST(StorePostgres, MigrationFiveIndexesAndHoldsOrdersStoredBeforeIt) {
  const std::string url = FreshPostgres({});
  MigrationIndexesAndHoldsOrdersStoredBeforeIt(url, [&] {
    PGconn* c = PQconnectdb(url.c_str());
    ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
    PGresult* r =
        PQexec(c,
               "SET client_min_messages = warning; DROP INDEX orders_search; "
               "DROP INDEX orders_by_total; DROP INDEX orders_by_number; "
               "DROP INDEX orders_needing_action; ALTER TABLE orders DROP COLUMN hold; "
               "DROP EXTENSION pg_trgm; DELETE FROM schema_migrations WHERE version = 5;");
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
  });
}

TEST(StoreSqlite, HostileInputDatabaseFilesAreCreatedOwnerOnly) {
  const mode_t old_mask = ::umask(022);  // the usual umask, which gave 0644 before
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("spoke-store-mode-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    auto opened = Open("sqlite://" + (dir / "spoke.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    ASSERT_TRUE((*opened)->CreateStore("private", "Private", "USD").ok());
    for (const char* name : {"spoke.db", "spoke.db-wal", "spoke.db-shm"}) {
      struct stat st {};
      ASSERT_EQ(::stat((dir / name).c_str(), &st), 0) << name;
      EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
    }
  }
  ::umask(old_mask);
  std::filesystem::remove_all(dir);
}

// Issue 13: a flash added on one node is shown once on the next page, whichever node serves it.
TEST_P(StoreContract, FlashesComeBackInOrderOnceAndGoWithTheirSession) {
  auto user = db_->AddUser(store_, "clerk@example.com", "hash");
  ASSERT_TRUE(user.ok());
  for (const char* id : {"s1", "s2"}) {
    Session s;
    s.id_hash = id;
    s.user_id = user->id;
    s.csrf_token = "csrf";
    ASSERT_TRUE(db_->CreateSession(s).ok());
  }
  ASSERT_TRUE(db_->AddFlash("s1", {false, "Settings saved."}).ok());
  ASSERT_TRUE(db_->AddFlash("s1", {true, "Not exported: <b>&</b> ✓"}).ok());
  ASSERT_TRUE(db_->AddFlash("s2", {false, "other session"}).ok());
  ASSERT_TRUE(db_->AddFlash("gone", {false, "no such session"}).ok()) << "dropped, not an error";
  Reopen();
  auto taken = db_->TakeFlashes("s1");
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_EQ(taken->size(), 2u);
  EXPECT_FALSE((*taken)[0].error);
  EXPECT_EQ((*taken)[0].text, "Settings saved.");
  EXPECT_TRUE((*taken)[1].error);
  EXPECT_EQ((*taken)[1].text, "Not exported: <b>&</b> ✓");
  EXPECT_TRUE(db_->TakeFlashes("s1")->empty()) << "each is shown once";
  EXPECT_TRUE(db_->TakeFlashes("gone")->empty());
  for (int i = 0; i < kMaxSessionFlashes + 10; ++i)
    ASSERT_TRUE(db_->AddFlash("s1", {false, std::to_string(i)}).ok());
  EXPECT_EQ(db_->TakeFlashes("s1")->size(), static_cast<size_t>(kMaxSessionFlashes));
  ASSERT_TRUE(db_->DeleteSession("s2").ok());
  ASSERT_TRUE(db_->CreateSession({.id_hash = "s2", .user_id = user->id, .csrf_token = "c"}).ok());
  EXPECT_TRUE(db_->TakeFlashes("s2")->empty()) << "a deleted session's flashes went with it";
}

constexpr LoginLimits kLimits{{5, std::chrono::minutes(5)}, {7, std::chrono::minutes(1)}};

TEST_P(StoreContract, LoginAttemptsPastTheLimitWaitAndAreNotCounted) {
  for (int i = 0; i < 5; ++i) {
    auto r = db_->ReserveLoginAttempt("ann@example.com", "10.0.0.1", kLimits);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(*r) << i;
  }
  for (int i = 0; i < 3; ++i) {
    auto wait = db_->ReserveLoginAttempt("ann@example.com", "10.0.0.1", kLimits);
    ASSERT_TRUE(wait.ok() && *wait) << i;
    EXPECT_GT(**wait, base::Duration::zero());
    EXPECT_LE(**wait, kLimits.per_email.window);
  }
  // The refused three were not counted against the address: two more e-mails still fit its 7.
  EXPECT_FALSE(*db_->ReserveLoginAttempt("ben@example.com", "10.0.0.1", kLimits));
  EXPECT_FALSE(*db_->ReserveLoginAttempt("cat@example.com", "10.0.0.1", kLimits));
  auto locked = db_->ReserveLoginAttempt("dan@example.com", "10.0.0.1", kLimits);
  ASSERT_TRUE(locked.ok() && *locked) << "a locked address waits whatever the e-mail";
  EXPECT_LE(**locked, kLimits.per_address.window);
  EXPECT_FALSE(*db_->ReserveLoginAttempt("dan@example.com", "10.0.0.2", kLimits));
}

TEST_P(StoreContract, ASuccessfulLoginForgetsTheEmailAndGivesBackOneAddressAttempt) {
  for (int i = 0; i < 4; ++i)
    ASSERT_FALSE(*db_->ReserveLoginAttempt("ann@example.com", "10.0.0.1", kLimits));
  ASSERT_FALSE(*db_->ReserveLoginAttempt("ben@example.com", "10.0.0.1", kLimits));
  ASSERT_TRUE(db_->LoginSucceeded("ben@example.com", "10.0.0.1").ok());
  // The address holds ann's four; ben's right password gave back only its own attempt.
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(*db_->ReserveLoginAttempt("x" + std::to_string(i), "10.0.0.1", kLimits)) << i;
  EXPECT_TRUE(*db_->ReserveLoginAttempt("y", "10.0.0.1", kLimits));
  // ann's e-mail is forgotten after her success: five more from another address.
  ASSERT_TRUE(db_->LoginSucceeded("ann@example.com", "10.0.0.9").ok());
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(*db_->ReserveLoginAttempt("ann@example.com", "10.0.0.2", kLimits)) << i;
  EXPECT_TRUE(*db_->ReserveLoginAttempt("ann@example.com", "10.0.0.3", kLimits));
}

TEST_P(StoreContract, LoginAttemptsExpireOnTheDatabasesClock) {
  base::ManualClock clock(base::TimePoint(std::chrono::seconds(1'800'000'000)));
  auto opened = Open(url_, {.clock = &clock});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& db = **opened;
  for (int i = 0; i < 5; ++i)
    ASSERT_FALSE(*db.ReserveLoginAttempt("ann", "a" + std::to_string(i), kLimits));
  clock.Advance(std::chrono::minutes(2));
  auto wait = db.ReserveLoginAttempt("ann", "b", kLimits);
  ASSERT_TRUE(wait.ok() && *wait);
  EXPECT_EQ(**wait, base::Duration(std::chrono::minutes(3)));
  clock.Advance(std::chrono::minutes(3) - std::chrono::milliseconds(1));
  EXPECT_TRUE(*db.ReserveLoginAttempt("ann", "b", kLimits));
  clock.Advance(std::chrono::milliseconds(1));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(*db.ReserveLoginAttempt("ann", "b", kLimits)) << i;
  EXPECT_TRUE(*db.ReserveLoginAttempt("ann", "c", kLimits));
}

// Two nodes (two Store objects on one database), ten threads each, one e-mail: the attempt is
// counted in the same transaction as the limit check, so no more than the limit get through.
TEST_P(StoreContract, HostileInputParallelLoginAttemptsOnTwoNodesNeverPassTheLimit) {
  auto other = Open(url_);
  ASSERT_TRUE(other.ok()) << other.error().message;
  std::atomic<int> allowed{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      Store& node = i % 2 ? **other : *db_;
      auto r = node.ReserveLoginAttempt("ann@example.com", "10.0.0." + std::to_string(i), kLimits);
      if (!r.ok())
        ++failed;
      else if (!*r)
        ++allowed;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(allowed.load(), 5);
}

// Issue 15: the sales spoke recorded, by when their export was recorded and by reference or sale
// id, with the total that was sent; kept reconciliation runs; one daily claim per store and day.
TEST_P(StoreContract, ExpectedSalesAndKeptReconcileRuns) {
  auto exported = [&](const std::string& number, const std::string& sale_id,
                      std::optional<base::Money> total) {
    ASSERT_TRUE(db_->PutOrder(store_, Order(number, 100)).ok());
    ASSERT_TRUE(db_->QueueExport(store_, number, Allow()).ok());
    auto claim = db_->ClaimExport(store_, number, "w1", std::chrono::seconds(60));
    ASSERT_TRUE(claim.ok());
    ASSERT_TRUE(
        db_->CompleteExport(store_, number, claim->fence, sale_id, {}, total, nullptr).ok());
  };
  const base::TimePoint before = base::SystemClock().Now() - std::chrono::seconds(2);
  exported("10023", "4711", M(99924));  // the total sent is recorded with the completion
  exported("10024", "4712", std::nullopt);
  ASSERT_TRUE(db_->PutOrder(store_, Order("10025", 100)).ok());  // never exported
  const base::TimePoint after = base::SystemClock().Now() + std::chrono::seconds(2);

  auto in = db_->ListExpectedSales(store_, before, after);
  ASSERT_TRUE(in.ok()) << in.error().message;
  ASSERT_EQ(in->size(), 2u);
  EXPECT_EQ((*in)[0].order_number, "10023");
  EXPECT_EQ((*in)[0].reference, "10023");
  EXPECT_EQ((*in)[0].sale_id, "4711");
  EXPECT_EQ((*in)[0].total, M(99924));
  EXPECT_FALSE((*in)[1].total.has_value()) << "not recorded: unknown, not zero";
  EXPECT_TRUE(db_->ListExpectedSales(store_, after, after + std::chrono::hours(1))->empty());
  EXPECT_TRUE(db_->ListExpectedSales(store_, before - std::chrono::hours(1), before)->empty());

  auto found = db_->FindExpectedSales(store_, {"10024", "10025", "nope"}, {"4711", "999"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].order_number, "10024");
  EXPECT_EQ((*found)[1].order_number, "10023");

  EXPECT_FALSE(db_->LastReconcileRun(store_, "")->has_value());
  ReconcileRun run;
  run.store = store_;
  run.from = base::TimePoint(std::chrono::seconds(1'700'000'000));
  run.to = run.from + std::chrono::hours(24 * 7);
  run.started_at = run.to;
  run.finished_at = run.to + std::chrono::seconds(3);
  run.run_kind = "daily";
  run.requests = 4;
  run.differences = {
      {"total_differs", "10023", "10023", "4711", M(99924), M(99900), "differs by 0.24"},
      {"unknown_sale", "", "HAND-1", "77", std::nullopt, M(500), "keyed in by hand"}};
  auto id = db_->SaveReconcileRun(run);
  ASSERT_TRUE(id.ok()) << id.error().message;
  ReconcileRun failed = run;
  failed.run_kind = "manual";
  failed.ok = false;
  failed.message = "Lightspeed could not be reached";
  failed.differences.clear();
  ASSERT_TRUE(db_->SaveReconcileRun(failed).ok());
  auto daily = db_->LastReconcileRun(store_, "daily");
  ASSERT_TRUE(daily.ok() && daily->has_value());
  EXPECT_EQ((*daily)->id, *id);
  EXPECT_EQ((*daily)->from, run.from);
  EXPECT_EQ((*daily)->to, run.to);
  EXPECT_EQ((*daily)->finished_at, run.finished_at);
  EXPECT_TRUE((*daily)->ok);
  EXPECT_EQ((*daily)->requests, 4);
  ASSERT_EQ((*daily)->differences.size(), 2u);
  EXPECT_EQ((*daily)->differences[0].kind, "total_differs");
  EXPECT_EQ((*daily)->differences[0].expected_total, M(99924));
  EXPECT_EQ((*daily)->differences[0].lightspeed_total, M(99900));
  EXPECT_EQ((*daily)->differences[1].order, "");
  EXPECT_FALSE((*daily)->differences[1].expected_total.has_value());
  auto newest = db_->LastReconcileRun(store_, "");
  EXPECT_FALSE((*newest)->ok);
  EXPECT_EQ((*newest)->message, "Lightspeed could not be reached");

  EXPECT_TRUE(*db_->ClaimDailyReconcile(store_, "2026-11-29", "node-a"));
  EXPECT_FALSE(*db_->ClaimDailyReconcile(store_, "2026-11-29", "node-b")) << "one node a day";
  EXPECT_TRUE(*db_->ClaimDailyReconcile(store_, "2026-11-30", "node-b"));
}

// --- Refunds sent to Lightspeed (issue 15) ---

class RefundsContract : public StoreContract {
 protected:
  // The order exported as sale 4711; the store's refunds setting as given.
  void Exported(RefundMode mode) {
    ASSERT_TRUE(db_->PutOrder(store_, Order("10023", 100)).ok());
    LightspeedSettings s;
    s.account_id = "1001";
    s.refunds = mode;
    ASSERT_TRUE(db_->PutLightspeedSettings(store_, s).ok());
    ASSERT_TRUE(db_->QueueExport(store_, "10023", Allow()).ok());
    auto claim = db_->ClaimExport(store_, "10023", "w1", std::chrono::seconds(60));
    ASSERT_TRUE(claim.ok());
    ASSERT_TRUE(
        db_->CompleteExport(store_, "10023", claim->fence, "4711", {}, std::nullopt, nullptr).ok());
  }
  static shop::Refund Refund(const std::string& id, int64_t at_s) {
    return shop::Refund{id, "Stripe", M(2500), base::TimePoint(std::chrono::seconds(at_s)), {}};
  }
  // Now, or later: the refund was recorded after the export.
  static int64_t Later() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           3600;
  }
};

TEST_P(RefundsContract, RefundsAfterExportAreQueuedOnlyWhenTheStoreSendsThem) {
  Exported(RefundMode::kManual);
  ASSERT_TRUE(db_->AddRefund(store_, "10023", Refund("rf_manual", Later())).ok());
  EXPECT_TRUE(db_->ListRefundExports(store_, "10023")->empty()) << "manual: R24 as before";

  auto settings = db_->GetLightspeedSettings(store_);
  EXPECT_EQ(settings->refunds, RefundMode::kManual);
  settings->refunds = RefundMode::kSend;
  ASSERT_TRUE(db_->PutLightspeedSettings(store_, *settings).ok());
  EXPECT_EQ(db_->GetLightspeedSettings(store_)->refunds, RefundMode::kSend);

  shop::Refund lines = Refund("rf_2", Later());
  lines.lines = {{"TREK-FX2", 1}};
  ASSERT_TRUE(db_->AddRefund(store_, "10023", lines).ok());
  ASSERT_TRUE(db_->AddRefund(store_, "10023", Refund("rf_before", 1)).ok());
  auto queued = db_->ListRefundExports(store_, "10023");
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  ASSERT_EQ(queued->size(), 1u) << "only the refund recorded after export, under send";
  EXPECT_EQ((*queued)[0].refund_id, "rf_2");
  EXPECT_EQ((*queued)[0].state, RefundState::kQueued);
  EXPECT_EQ(db_->GetOrder(store_, "10023")->order.refunds[1].lines,
            (std::vector<shop::RefundLine>{{"TREK-FX2", 1}}));
  // A replacing import that adds a refund to the exported order (and changes nothing else).
  shop::Order imported = db_->GetOrder(store_, "10023")->order;
  imported.refunds.push_back(Refund("rf_import", Later()));
  EXPECT_EQ(*db_->PutOrder(store_, imported), PutOutcome::kReplaced);
  EXPECT_EQ(db_->ListRefundExports(store_, "10023")->size(), 2u);
  imported.total = M(1);
  EXPECT_EQ(db_->PutOrder(store_, imported).error().reason, "already_exported")
      << "anything else on an exported order stays unchangeable";
  auto due = db_->ListDueStores();
  ASSERT_EQ(due->size(), 1u) << "a due refund makes its store due";
  EXPECT_EQ((*due)[0].account_id, "1001");
  EXPECT_TRUE((*due)[0].refunds) << "and says so: the engine asks for its refunds";
  EXPECT_EQ(db_->ListDueRefunds(store_, 10)->size(), 2u);
}

TEST_P(RefundsContract, ARefundExportIsClaimedFencedAndFinishedOnce) {
  Exported(RefundMode::kSend);
  ASSERT_TRUE(db_->AddRefund(store_, "10023", Refund("rf_1", Later())).ok());
  const auto lease = std::chrono::seconds(60);
  auto first = db_->ClaimRefund(store_, "10023", "rf_1", lease);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->attempt, 1);
  EXPECT_FALSE(first->maybe_sent);
  EXPECT_EQ(db_->ClaimRefund(store_, "10023", "rf_1", lease).error().code,
            base::ErrorCode::kConflict)
      << "one worker at a time";
  EXPECT_TRUE(db_->ListDueRefunds(store_, 10)->empty());
  ASSERT_TRUE(db_->MarkRefundSending(store_, "10023", "rf_1", first->fence).ok());
  ASSERT_TRUE(db_->RetryRefundLater(store_, "10023", "rf_1", first->fence, kExpired,
                                    "Lightspeed did not answer", true)
                  .ok());
  auto second = db_->ClaimRefund(store_, "10023", "rf_1", lease);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->attempt, 2);
  EXPECT_TRUE(second->maybe_sent) << "search by reference before sending again";
  EXPECT_EQ(db_->CompleteRefund(store_, "10023", "rf_1", first->fence, "99").error().code,
            base::ErrorCode::kConflict)
      << "a stale worker cannot finish it";
  ASSERT_TRUE(db_->CompleteRefund(store_, "10023", "rf_1", second->fence, "4712").ok());
  auto done = db_->ListRefundExports(store_, "10023");
  ASSERT_EQ(done->size(), 1u);
  EXPECT_EQ((*done)[0].state, RefundState::kSent);
  EXPECT_EQ((*done)[0].sale_id, "4712");
  EXPECT_TRUE((*done)[0].sent_at.has_value());
  EXPECT_TRUE(db_->ListDueStores()->empty());
  EXPECT_EQ(db_->RequeueRefund(store_, "10023", "rf_1").error().code, base::ErrorCode::kConflict)
      << "a sent refund is never queued again";
}

TEST_P(RefundsContract, AStoppedRefundWaitsForTheMerchantsRetry) {
  Exported(RefundMode::kSend);
  ASSERT_TRUE(db_->AddRefund(store_, "10023", Refund("rf_1", Later())).ok());
  auto claim = db_->ClaimRefund(store_, "10023", "rf_1", std::chrono::seconds(60));
  ASSERT_TRUE(claim.ok());
  ASSERT_TRUE(db_->StopRefund(store_, "10023", "rf_1", claim->fence, "No payment type").ok());
  auto stopped = db_->ListRefundExports(store_, "10023");
  EXPECT_EQ((*stopped)[0].state, RefundState::kNeedsAttention);
  EXPECT_EQ((*stopped)[0].message, "No payment type");
  EXPECT_TRUE(db_->ListDueRefunds(store_, 10)->empty());
  auto listed = db_->ListStoppedRefunds(store_, 10);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].number, "10023");
  ASSERT_TRUE(db_->RequeueRefund(store_, "10023", "rf_1").ok());
  EXPECT_EQ(db_->ListDueRefunds(store_, 10)->size(), 1u);
  EXPECT_TRUE(db_->ListStoppedRefunds(store_, 10)->empty());
  EXPECT_EQ(db_->ListRefundExports(store_, "10023")->at(0).message, "");
}

INSTANTIATE_TEST_SUITE_P(Backends, RefundsContract, ::testing::Values(kSqlite, kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(info.param.name);
                         });

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values(kSqlite, kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace store

// The names the API and the database use for each mode and state read back as the same value.
TEST(StoreNames, EveryValueRoundTripsThroughItsName) {
  for (auto v : {store::TaxMode::kWeb, store::TaxMode::kLightspeed}) {
    store::TaxMode back = store::TaxMode::kWeb;
    EXPECT_TRUE(store::Parse(store::Name(v), &back));
    EXPECT_EQ(back, v);
  }
  for (auto v : {store::AutoExport::kOff, store::AutoExport::kWhenPaid,
                 store::AutoExport::kWhenPaidAndFulfilled}) {
    store::AutoExport back = store::AutoExport::kOff;
    EXPECT_TRUE(store::Parse(store::Name(v), &back));
    EXPECT_EQ(back, v);
  }
  for (auto v : {store::ConnectionState::kNone, store::ConnectionState::kConnected,
                 store::ConnectionState::kReconnect}) {
    store::ConnectionState back = store::ConnectionState::kNone;
    EXPECT_TRUE(store::Parse(store::Name(v), &back));
    EXPECT_EQ(back, v);
  }
  for (auto v : {store::OrderSort::kNewest, store::OrderSort::kOldest, store::OrderSort::kTotalHigh,
                 store::OrderSort::kTotalLow}) {
    store::OrderSort back = store::OrderSort::kNewest;
    EXPECT_TRUE(store::Parse(store::Name(v), &back));
    EXPECT_EQ(back, v);
  }
  for (auto v : {store::AttemptOutcome::kExported, store::AttemptOutcome::kAdopted,
                 store::AttemptOutcome::kRetry, store::AttemptOutcome::kFailed}) {
    store::AttemptOutcome back = store::AttemptOutcome::kFailed;
    EXPECT_TRUE(store::Parse(store::Name(v), &back));
    EXPECT_EQ(back, v);
  }
  for (auto v : {store::RefundMode::kManual, store::RefundMode::kSend}) {
    store::RefundMode back = store::RefundMode::kManual;
    EXPECT_TRUE(store::Parse(store::Name(v), &back));
    EXPECT_EQ(back, v);
  }
  for (auto v : {store::RefundState::kQueued, store::RefundState::kSending,
                 store::RefundState::kSent, store::RefundState::kNeedsAttention}) {
    store::RefundState back = store::RefundState::kSent;
    EXPECT_TRUE(store::Parse(store::Name(v), &back));
    EXPECT_EQ(back, v);
  }
  store::TaxMode mode = store::TaxMode::kLightspeed;
  EXPECT_FALSE(store::Parse("vat", &mode));
  EXPECT_EQ(mode, store::TaxMode::kLightspeed);  // unchanged
}
