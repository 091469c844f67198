// Issue 15: reconciliation end to end — orders exported by the real engine to lsr-sim, then a
// sale keyed in by hand with spoke's reference source, a voided sale and a sale whose reference
// was changed in Lightspeed; the JSON API, the site page and `spoke reconcile` list exactly those,
// with few requests, and a reconciliation gives way to a queued sale.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "base/secrets.h"
#include "tests/support/service.h"

namespace {

using testing_support::CookiePair;
using testing_support::Field;
using testing_support::json;
using testing_support::TestService;
using namespace std::chrono_literals;

class Reconciliation : public ::testing::Test {
 protected:
  // Connects, and exports `n` helmet orders R-1 … R-n with the real engine.
  void ExportOrders(int n, int first = 1) {
    if (!connected_) {
      svc_.Connect();
      ASSERT_LT(svc_.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 300);
      svc_.StartEngine();
      connected_ = true;
    }
    json numbers = json::array();
    for (int i = first; i < first + n; ++i) {
      const std::string number = "R-" + std::to_string(i);
      ASSERT_LT(svc_.Put("/api/v1/orders/" + number,
                         testing_support::HelmetOrder(number, "r@example.com"))
                    .status,
                300);
      numbers.push_back(number);
    }
    ASSERT_EQ(svc_.Post("/api/v1/exports", {{"orders", numbers}}).status, 200);
    for (const auto& number : numbers) {
      auto r = svc_.WaitForExport(number);
      ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
      sale_of_[number] = r.body["export"]["sale_id"];
    }
  }
  // A sale keyed in at the register with spoke's reference source ("web").
  std::string SaleByHand(const std::string& reference) {
    lightspeed::NewSale sale;
    sale.shop_id = sale.register_id = sale.employee_id = "1";
    sale.reference_number = reference;
    sale.reference_source = "web";
    lightspeed::NewSaleLine line;
    line.unit_price = base::Money::FromCents(2000);
    line.note = "Typed in by hand";
    sale.lines = {line};
    sale.payments = {{"1", base::Money::FromCents(2000)}};
    auto made = base::SyncWait(svc_.Lightspeed()->CreateSale(sale));
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? made->id : "";
  }
  std::multiset<std::string> Kinds(const json& body) {
    std::multiset<std::string> out;
    for (const auto& d : body["differences"])
      out.insert(d["kind"].get<std::string>() + " " + d["reference"].get<std::string>());
    return out;
  }
  int SaleReads() {
    const json stats = svc_.SimControl("GET", "/stats");
    return stats["requests"].value("GET Sale", 0);
  }

  TestService svc_;
  bool connected_ = false;
  std::map<std::string, std::string> sale_of_;
};

TEST_F(Reconciliation, HandMadeAndVoidedSalesAreListedWithFewRequests) {
  ExportOrders(12);
  // Nothing changed yet: no differences.
  const int reads_before = SaleReads();
  auto clean = svc_.Get("/api/v1/reconciliation");
  ASSERT_EQ(clean.status, 200) << clean.raw;
  EXPECT_TRUE(clean.body["differences"].empty()) << clean.raw;
  EXPECT_TRUE(clean.body["run"]["ok"].get<bool>());
  // 12 orders, one page: frugal, not a request per order.
  EXPECT_LE(clean.body["run"]["lightspeed_requests"].get<int>(), 2) << clean.raw;
  EXPECT_LE(SaleReads() - reads_before, 2);

  const std::string by_hand = SaleByHand("HAND-1");
  ASSERT_EQ(svc_.SimControl("POST", "/rows/Sale/" + sale_of_["R-3"] + "/void")["voided"], "true");
  auto r = svc_.Get("/api/v1/reconciliation");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(Kinds(r.body), (std::multiset<std::string>{"sale_voided R-3", "unknown_sale HAND-1"}))
      << r.raw;
  for (const auto& d : r.body["differences"]) {
    if (d["kind"] == "sale_voided") {
      EXPECT_EQ(d["order"], "R-3");
      EXPECT_EQ(d["sale_id"], sale_of_["R-3"]);
      EXPECT_EQ(d["links"]["page"], "/orders/R-3");
      EXPECT_EQ(d["expected_total"], "139.99") << "the total sent, recorded at completion";
    } else {
      EXPECT_TRUE(d["order"].is_null());
      EXPECT_EQ(d["sale_id"], by_hand);
      EXPECT_EQ(d["lightspeed_total"], "20.00");
    }
    EXPECT_FALSE(d["message"].get<std::string>().empty());
  }

  // A merchant moves sale R-5 to another reference source in Lightspeed: spoke's sale is gone.
  svc_.SimControl("PUT", "/rows/Sale/" + sale_of_["R-5"], {{"referenceNumberSource", "pos"}});
  const int reads = SaleReads();
  auto missing = svc_.Get("/api/v1/reconciliation");
  ASSERT_EQ(missing.status, 200) << missing.raw;
  EXPECT_EQ(Kinds(missing.body), (std::multiset<std::string>{"sale_missing R-5", "sale_voided R-3",
                                                             "unknown_sale HAND-1"}))
      << missing.raw;
  // One page of the window and one or= search for the missing candidate.
  EXPECT_EQ(missing.body["run"]["lightspeed_requests"], 2);
  EXPECT_EQ(SaleReads() - reads, 2);

  // The kept result: /last and the page under Exports.
  auto last = svc_.Get("/api/v1/reconciliation/last");
  ASSERT_EQ(last.status, 200);
  EXPECT_EQ(Kinds(last.body), Kinds(missing.body));
  auto hash = base::HashPassword("correct horse battery");
  ASSERT_TRUE(svc_.db().AddUser(svc_.store_id(), "clerk@example.com", *hash).ok());
  httplib::Client c("127.0.0.1", svc_.port());
  auto form = c.Get("/login");
  auto in = c.Post("/login", {{"Cookie", CookiePair(form, "spoke_login")}},
                   httplib::Params{{"csrf", Field(form->body, "csrf")},
                                   {"email", "clerk@example.com"},
                                   {"password", "correct horse battery"}});
  httplib::Headers h{{"Cookie", CookiePair(in, "spoke_session")}};
  auto exports = c.Get("/exports", h);
  ASSERT_EQ(exports->status, 200);
  EXPECT_NE(exports->body.find("href=\"/exports/reconciliation\""), std::string::npos);
  auto page = c.Get("/exports/reconciliation", h);
  ASSERT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("data-kind=\"sale_voided\""), std::string::npos);
  EXPECT_NE(page->body.find("href=\"/orders/R-3\""), std::string::npos);
  EXPECT_NE(page->body.find("data-kind=\"unknown_sale\""), std::string::npos);
  EXPECT_NE(page->body.find("href=\"/orders/R-5\""), std::string::npos);
  EXPECT_NE(page->body.find("3 differences"), std::string::npos);
  // "Check now" needs the CSRF token, and runs.
  auto forged =
      c.Post("/exports/reconciliation", h, httplib::Params{{"csrf", std::string(64, 'a')}});
  EXPECT_EQ(forged->status, 403);
  const int runs_before = last.body["run"]["id"];
  auto now =
      c.Post("/exports/reconciliation", h, httplib::Params{{"csrf", Field(page->body, "csrf")}});
  EXPECT_EQ(now->status, 303);
  EXPECT_GT(svc_.Get("/api/v1/reconciliation/last").body["run"]["id"].get<int>(), runs_before);

  // `spoke reconcile` prints the same differences, exit status 3.
  const std::string cmd = "SPOKE_DATABASE_URL=" + svc_.db_url() +
                          " SPOKE_KEY_FILE=" + (svc_.dir() / "spoke.key").string() +
                          " SPOKE_LIGHTSPEED_API_BASE=" + svc_.simulator().BaseUrl() +
                          " SPOKE_LIGHTSPEED_AUTH_BASE=" + svc_.simulator().BaseUrl() +
                          " SPOKE_LIGHTSPEED_CLIENT_ID=" + svc_.account().client_id +
                          " SPOKE_LIGHTSPEED_CLIENT_SECRET=" + svc_.account().client_secret +
                          " " SPOKE_BINARY " reconcile --store bikes 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 3) << out;
  EXPECT_NE(out.find("sale_voided order=R-3 reference=R-3"), std::string::npos) << out;
  EXPECT_NE(out.find("sale_missing order=R-5"), std::string::npos) << out;
  EXPECT_NE(out.find("unknown_sale order=- reference=HAND-1 sale=" + by_hand), std::string::npos)
      << out;
  EXPECT_NE(out.find("3 differences"), std::string::npos) << out;
}

TEST_F(Reconciliation, BadPeriodsAreRefusedNamingTheField) {
  auto bad_from = svc_.Get("/api/v1/reconciliation?from=yesterday");
  EXPECT_EQ(bad_from.status, 422);
  EXPECT_EQ(bad_from.body["error"]["field"], "from") << bad_from.raw;
  auto bad_to = svc_.Get("/api/v1/reconciliation?to=2026-02-30");
  EXPECT_EQ(bad_to.status, 422);
  EXPECT_EQ(bad_to.body["error"]["field"], "to") << bad_to.raw;
  auto reversed = svc_.Get("/api/v1/reconciliation?from=2026-11-20&to=2026-11-10");
  EXPECT_EQ(reversed.status, 422);
  EXPECT_EQ(reversed.body["error"]["field"], "to");
  auto too_long = svc_.Get("/api/v1/reconciliation?from=2026-01-01&to=2026-11-20");
  EXPECT_EQ(too_long.status, 422);
  EXPECT_EQ(too_long.body["error"]["field"], "to");
  EXPECT_NE(too_long.body["error"]["message"].get<std::string>().find("92 days"),
            std::string::npos);
  // Not connected: the store's state (409), in plain words; nothing kept is claimed as a result.
  auto unconnected = svc_.Get("/api/v1/reconciliation?from=2026-11-01&to=2026-11-20");
  EXPECT_EQ(unconnected.status, 409) << unconnected.raw;
  EXPECT_NE(unconnected.raw.find("not connected"), std::string::npos) << unconnected.raw;
  auto kept = svc_.Get("/api/v1/reconciliation/last");
  ASSERT_EQ(kept.status, 200);
  EXPECT_FALSE(kept.body["run"]["ok"].get<bool>());
}

}  // namespace
