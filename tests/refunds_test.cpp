// Issue 15: refunds sent to Lightspeed (store setting refunds = "send"): a refund recorded after
// export becomes one refund sale (`{order}-R{refund}`), exactly once under lost answers and
// crashes; with the default ("manual") nothing is sent and R24's reminder stays.
#include <gtest/gtest.h>

#include <thread>

#include "base/secrets.h"
#include "tests/support/service.h"

namespace {

using testing_support::json;
using testing_support::Reply;
using testing_support::TestService;

class Refunds : public ::testing::Test {
 protected:
  void SetUp() override {
    svc_.Connect();
    ASSERT_EQ(svc_.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 201);
  }
  void SendRefunds() {
    Reply r = svc_.Put("/api/v1/settings/lightspeed", {{"refunds", "send"}});
    ASSERT_EQ(r.status, 200) << r.raw;
    ASSERT_EQ(r.body["refunds"], "send") << r.raw;
  }
  // An order exported as one sale (cash, 139.99: a helmet and 10.00 shipping).
  void Exported(const std::string& number) {
    ASSERT_EQ(svc_.Put("/api/v1/orders/" + number,
                       testing_support::HelmetOrder(number, "ann@example.com", "Cash"))
                  .status,
              201);
    ASSERT_EQ(svc_.Post("/api/v1/orders/" + number + "/export").status, 202);
    Reply r = svc_.WaitForExport(number, 30);
    ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  }
  Reply Refund(const std::string& number, const json& refund) {
    return svc_.Post("/api/v1/orders/" + number + "/refunds", refund);
  }
  std::vector<lightspeed::Sale> Sales(const std::string& reference) {
    auto sales = base::SyncWait(svc_.Lightspeed()->FindSales(reference, "web"));
    EXPECT_TRUE(sales.ok());
    return sales.ok() ? *sales : std::vector<lightspeed::Sale>{};
  }
  int64_t SalesPosted() {
    return svc_.SimControl("GET", "/stats")["requests"].value("POST Sale", 0);
  }

  TestService svc_;
};

TEST_F(Refunds, R24ByDefaultARefundAfterExportIsLeftToTheMerchant) {
  svc_.StartEngine();
  Exported("R1");
  const int64_t posted = SalesPosted();
  Reply r = Refund("R1", {{"id", "rf_1"}, {"method", "Cash"}, {"amount", "25.00"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_TRUE(r.body["refunds"][0]["lightspeed"].is_null()) << r.raw;
  EXPECT_EQ(r.body["notices"][0], "Exported order: refund it in Lightspeed as well");
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // a few engine polls
  EXPECT_EQ(SalesPosted(), posted) << "manual: nothing is sent to Lightspeed";
  EXPECT_TRUE(Sales("R1-Rrf_1").empty());
}

TEST_F(Refunds, R20AnAmountRefundIsSentOnceThoughItsAnswerWasLost) {
  SendRefunds();
  svc_.StartEngine();
  Exported("R2");
  // The refund sale is created in Lightspeed, but its answer never arrives.
  svc_.SimControl(
      "POST", "/faults",
      json::array(
          {{{"method", "POST"}, {"path", "Sale"}, {"action", "drop_after_commit"}, {"count", 1}}}));
  Reply r = Refund("R2", {{"id", "rf_1"}, {"method", "Cash"}, {"amount", "25.00"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_TRUE(r.body["notices"].empty()) << "spoke sends it: no reminder to refund by hand";
  json state = svc_.WaitForRefund("R2", "rf_1");
  ASSERT_EQ(state["state"], "sent") << state.dump();
  EXPECT_EQ(state["reference"], "R2-Rrf_1");
  EXPECT_EQ(state["attempts"], 2) << "the lost answer made a second attempt, which searched";
  auto sales = Sales("R2-Rrf_1");
  ASSERT_EQ(sales.size(), 1u) << "one refund sale, though the first answer was lost";
  EXPECT_EQ(state["sale_id"], sales[0].id) << "the sale the lost answer made, adopted";
  EXPECT_TRUE(sales[0].completed);
  EXPECT_EQ(sales[0].total, "-25");
  EXPECT_EQ(Sales("R2").size(), 1u) << "the original sale is untouched";
  // Reconciliation knows the refund sale as spoke's own, with its total.
  Reply rec = svc_.Get("/api/v1/reconciliation");
  ASSERT_EQ(rec.status, 200) << rec.raw;
  EXPECT_TRUE(rec.body["differences"].empty()) << rec.raw;
}

TEST_F(Refunds, ARefundOfLinesGivesTheUnitsBackAndTheRestAsOneLine) {
  SendRefunds();
  svc_.StartEngine();
  Exported("R3");
  Reply r = Refund("R3", {{"id", "rf_1"},
                          {"method", "Cash"},
                          {"amount", "139.99"},
                          {"lines", {{{"sku", "HELMET"}, {"quantity", 1}}}}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body["refunds"][0]["lines"][0]["sku"], "HELMET");
  json state = svc_.WaitForRefund("R3", "rf_1");
  ASSERT_EQ(state["state"], "sent") << state.dump();
  auto sales = Sales("R3-Rrf_1");
  ASSERT_EQ(sales.size(), 1u);
  EXPECT_EQ(sales[0].total, "-139.99");
  ASSERT_EQ(sales[0].lines.size(), 2u) << "the helmet given back, and the shipping";
  auto original = Sales("R3");
  ASSERT_EQ(original.size(), 1u);
  ASSERT_FALSE(original[0].lines.empty());
  EXPECT_EQ(sales[0].lines[0].item_id, original[0].lines[0].item_id)
      << "the unit goes back to the item the sale sold (its stock returns)";
}

TEST_F(Refunds, R20AfterACrashMidSendTheRefundSaleIsFoundNotSentAgain) {
  SendRefunds();
  svc_.StartEngine();
  Exported("R4");
  svc_.StopEngine();
  ASSERT_EQ(Refund("R4", {{"id", "rf_1"}, {"method", "Cash"}, {"amount", "10.00"}}).status, 201);
  // As if an attempt had marked the refund, sent it and died before recording the answer.
  const base::Duration expired = -std::chrono::hours(1);
  auto claim = svc_.db().ClaimRefund(svc_.store_id(), "R4", "rf_1", expired);
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  ASSERT_TRUE(svc_.db().MarkRefundSending(svc_.store_id(), "R4", "rf_1", claim->fence).ok());
  lightspeed::NewSale sale;
  sale.shop_id = svc_.account().shop_id;
  sale.register_id = svc_.account().register_id;
  sale.employee_id = svc_.account().employee_id;
  sale.customer_id = "0";
  sale.reference_number = "R4-Rrf_1";
  sale.reference_source = "web";
  sale.tax_category_id = "0";
  sale.lines = {{"0", 1, base::Money::FromCents(-1000), {}, false, "the crashed attempt's"}};
  sale.payments = {{"1", base::Money::FromCents(-1000)}};
  auto made = base::SyncWait(svc_.Lightspeed()->CreateSale(sale));
  ASSERT_TRUE(made.ok()) << made.error().message;
  const int64_t posted = SalesPosted();
  svc_.StartEngine();
  json state = svc_.WaitForRefund("R4", "rf_1");
  ASSERT_EQ(state["state"], "sent") << state.dump();
  EXPECT_EQ(state["sale_id"], made->id);
  EXPECT_EQ(SalesPosted(), posted) << "found by its reference: nothing written again";
  EXPECT_EQ(Sales("R4-Rrf_1").size(), 1u);
}

TEST_F(Refunds, AStoppedRefundSaysWhyAndIsSentOnRetry) {
  SendRefunds();
  svc_.StartEngine();
  Exported("R5");
  // Refunded with a method no payment of the order used, and Lightspeed has no such type.
  Reply r = Refund("R5", {{"id", "rf_1"}, {"method", "Store credit"}, {"amount", "5.00"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  json state = svc_.WaitForRefund("R5", "rf_1");
  ASSERT_EQ(state["state"], "needs_attention") << state.dump();
  EXPECT_NE(state["message"].get<std::string>().find("Store credit"), std::string::npos)
      << state.dump();
  EXPECT_TRUE(Sales("R5-Rrf_1").empty());
  // The merchant maps the method to Cash, then retries from the order page.
  ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"payment_types", {{"Store credit", "Cash"}}}})
                .status,
            200);
  auto hash = base::HashPassword("correct horse battery");
  ASSERT_TRUE(hash.ok());
  ASSERT_TRUE(svc_.db().AddUser(svc_.store_id(), "clerk@example.com", *hash).ok());
  httplib::Client site("127.0.0.1", svc_.port());
  auto form = site.Get("/login");
  ASSERT_TRUE(form);
  auto login = site.Post("/login", {{"Cookie", testing_support::CookiePair(form, "spoke_login")}},
                         httplib::Params{{"csrf", testing_support::Field(form->body, "csrf")},
                                         {"email", "clerk@example.com"},
                                         {"password", "correct horse battery"}});
  ASSERT_TRUE(login);
  const httplib::Headers session{{"Cookie", testing_support::CookiePair(login, "spoke_session")}};
  auto page = site.Get("/orders/R5", session);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("Needs attention"), std::string::npos);
  EXPECT_NE(page->body.find("Store credit"), std::string::npos) << "the reason, in plain words";
  EXPECT_NE(page->body.find("aria-label=\"Retry refund rf_1\""), std::string::npos);
  auto exports = site.Get("/exports", session);
  ASSERT_TRUE(exports);
  EXPECT_NE(exports->body.find("Refunds that need attention"), std::string::npos);
  EXPECT_NE(exports->body.find("href=\"/orders/R5\""), std::string::npos);
  auto retried = site.Post("/orders/R5/refunds/rf_1/retry", session,
                           httplib::Params{{"csrf", testing_support::Field(page->body, "csrf")}});
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, 303);
  state = svc_.WaitForRefund("R5", "rf_1");
  ASSERT_EQ(state["state"], "sent") << state.dump();
  EXPECT_EQ(Sales("R5-Rrf_1").size(), 1u);
  page = site.Get("/orders/R5", session);
  EXPECT_NE(page->body.find("Lightspeed sale <strong class=\"sale-id\">#" +
                            state["sale_id"].get<std::string>()),
            std::string::npos);
  EXPECT_NE(page->body.find("spoke sends it to Lightspeed"), std::string::npos);
  auto list = site.Get("/orders?q=R5", session);
  ASSERT_TRUE(list);
  EXPECT_NE(list->body.find("spoke sends it to Lightspeed"), std::string::npos)
      << "Open Orders says the same";
  EXPECT_EQ(list->body.find("refund it in Lightspeed too"), std::string::npos);
  EXPECT_EQ(svc_.Post("/api/v1/orders/R5/refunds/rf_1/retry").status, 409)
      << "a sent refund is not sent again";
}

TEST_F(Refunds, MoreUnitsThanWereSoldAreRefusedAtIntake) {
  SendRefunds();
  svc_.StartEngine();
  Exported("R6");
  Reply r = Refund("R6", {{"id", "rf_1"},
                          {"method", "Cash"},
                          {"amount", "20.00"},
                          {"lines", {{{"sku", "HELMET"}, {"quantity", 2}}}}});
  EXPECT_EQ(r.status, 422) << r.raw;
  EXPECT_EQ(r.body["error"]["field"], "lines[0].quantity") << r.raw;
  r = Refund("R6", {{"id", "rf_2"}, {"method", "Cash"}, {"amount", "140.00"}});
  EXPECT_EQ(r.status, 422) << "more than was captured";
  Reply order = svc_.Get("/api/v1/orders/R6");
  EXPECT_TRUE(order.body["refunds"].empty()) << "nothing half-written";
}

}  // namespace
