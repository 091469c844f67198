// Asking for exports over HTTP: eligibility (R1–R5), queueing, bulk requests, settings.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/service.h"

namespace {

using testing_support::BikeItem;
using testing_support::json;
using testing_support::PaidOrder;
using testing_support::Reply;
using testing_support::TestService;

class ExportApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(svc_.Put("/api/v1/items/TREK-FX2-M-BLK", BikeItem()).status, 201);
    ASSERT_EQ(
        svc_.Put("/api/v1/items/GC-50",
                 {{"description", "Gift card $50"}, {"kind", "gift_card"}, {"price", "50.00"}})
            .status,
        201);
  }
  void ExpectRefused(const std::string& number, int status, const std::string& code,
                     const std::string& message) {
    Reply r = svc_.Post("/api/v1/orders/" + number + "/export");
    EXPECT_EQ(r.status, status) << r.raw;
    EXPECT_EQ(r.body["error"]["code"], code) << r.raw;
    EXPECT_EQ(r.body["error"]["message"], message) << r.raw;
  }
  TestService svc_;
};

TEST_F(ExportApi, R3NotConnectedThenRegisterMissing) {
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  ExpectRefused("10023", 422, "not_connected", "Lightspeed is not connected");
  Reply bad = svc_.Post("/api/v1/settings/lightspeed/connect", {{"refresh_token", "not-a-token"}});
  EXPECT_EQ(bad.status, 422) << bad.raw;
  EXPECT_EQ(bad.body["error"]["field"], "refresh_token");
  EXPECT_EQ(svc_.Get("/api/v1/lightspeed/status").body["connected"], false);
  Reply good = svc_.Post("/api/v1/settings/lightspeed/connect",
                         {{"refresh_token", svc_.account().refresh_token}});
  ASSERT_EQ(good.status, 200) << good.raw;
  EXPECT_EQ(good.body["account_id"], svc_.account().account_id) << "learned from Lightspeed";
  ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"shop_id", svc_.account().shop_id},
                                                     {"employee_id", svc_.account().employee_id}})
                .status,
            200);
  ExpectRefused("10023", 422, "not_connected", "Choose a Lightspeed register in Settings");
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["exportable"]["message"],
            "Choose a Lightspeed register in Settings")
      << "the same reason reaches the order view";
}

TEST_F(ExportApi, R1QueuedOnceThenAlreadyQueued) {
  svc_.Connect();
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  Reply r = svc_.Post("/api/v1/orders/10023/export");
  ASSERT_EQ(r.status, 202) << r.raw;
  EXPECT_EQ(r.body["state"], "queued");
  ExpectRefused("10023", 409, "already_queued", "Already on its way to Lightspeed");
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["export"]["state"], "queued");
  Reply status = svc_.Get("/api/v1/lightspeed/status");
  EXPECT_EQ(status.body["queue_length"], 1);
  EXPECT_EQ(status.body["connected"], true);
}

TEST_F(ExportApi, R2UnbalancedIsRefusedWithTheBalanceMessage) {
  svc_.Connect();
  json due = PaidOrder("10023");
  due["payments"][0]["amount"] = "986.74";
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", due).status, 201);
  ExpectRefused("10023", 422, "unbalanced", "Unbalanced: $12.50 due");
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["export"]["state"], "not_exported");
}

TEST_F(ExportApi, R4GiftCardsOnlyHaveNothingToExport) {
  svc_.Connect();
  json gift = PaidOrder("G1");
  gift["lines"] = {
      {{"sku", "GC-50"}, {"quantity", 1}, {"unit_price", "50.00"}, {"taxable", false}}};
  gift["shipping"] = nullptr;
  gift["tax"] = "0.00";
  gift["total"] = "50.00";
  gift["payments"][0]["amount"] = "50.00";
  ASSERT_EQ(svc_.Put("/api/v1/orders/G1", gift).status, 201);
  ExpectRefused("G1", 422, "nothing_to_export",
                "Nothing to export: gift cards are rung up in Lightspeed");
}

TEST_F(ExportApi, R5CancelledOrdersAreNotExported) {
  svc_.Connect();
  json o = PaidOrder("C1");
  o["status"] = "cancelled";
  ASSERT_EQ(svc_.Put("/api/v1/orders/C1", o).status, 201);
  ExpectRefused("C1", 422, "cancelled", "Cancelled orders cannot be exported");
}

TEST_F(ExportApi, R26BulkRequestAnswersPerOrder) {
  svc_.Connect();
  ASSERT_EQ(svc_.Put("/api/v1/orders/B1", PaidOrder("B1")).status, 201);
  json due = PaidOrder("B2");
  due["payments"][0]["amount"] = "986.74";
  ASSERT_EQ(svc_.Put("/api/v1/orders/B2", due).status, 201);
  Reply r = svc_.Post("/api/v1/exports", {{"orders", {"B1", "B2", "NOPE", "B1"}}});
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["results"].size(), 4u);
  EXPECT_EQ(r.body["results"][0]["status"], 202);
  EXPECT_EQ(r.body["results"][0]["export"]["state"], "queued");
  EXPECT_EQ(r.body["results"][1]["status"], 422);
  EXPECT_EQ(r.body["results"][1]["error"]["code"], "unbalanced");
  EXPECT_EQ(r.body["results"][2]["status"], 404);
  EXPECT_EQ(r.body["results"][3]["status"], 409);
  Reply queued = svc_.Get("/api/v1/exports?state=queued");
  ASSERT_EQ(queued.body["exports"].size(), 1u);
  EXPECT_EQ(queued.body["exports"][0]["number"], "B1");
  EXPECT_EQ(svc_.Post("/api/v1/exports", {{"orders", "B1"}}).body["error"]["field"], "orders");
}

TEST_F(ExportApi, RetryIsOnlyForOrdersNeedingAttention) {
  svc_.Connect();
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  Reply r = svc_.Post("/api/v1/orders/10023/export/retry");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["error"]["code"], "not_needing_attention");
}

TEST_F(ExportApi, SettingsAreValidatedNamingTheField) {
  Reply bad = svc_.Put("/api/v1/settings/lightspeed", {{"tax_mode", "sometimes"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body["error"]["field"], "tax_mode");
  EXPECT_EQ(
      svc_.Put("/api/v1/settings/lightspeed", {{"auto_export", "always"}}).body["error"]["field"],
      "auto_export");
  EXPECT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"shop_id", "one"}}).body["error"]["field"],
            "shop_id");
  EXPECT_EQ(svc_.Get("/api/v1/settings/lightspeed").body["customer_marketing"], "no_consent");
  Reply marketing = svc_.Put("/api/v1/settings/lightspeed", {{"customer_marketing", "yes"}});
  EXPECT_EQ(marketing.status, 422);
  EXPECT_EQ(marketing.body["error"]["field"], "customer_marketing");
  Reply ok = svc_.Put("/api/v1/settings/lightspeed",
                      {{"shop_id", 1},
                       {"tax_mode", "lightspeed"},
                       {"payment_types", {{"Online Payments (Stripe)", "Stripe"}}}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["shop_id"], "1");
  EXPECT_EQ(ok.body["reference_source"], "web");
  EXPECT_EQ(ok.body["payment_types"]["Online Payments (Stripe)"], "Stripe");
  EXPECT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"tax_mode", "nope"}}).status, 422);
  EXPECT_EQ(svc_.Get("/api/v1/settings/lightspeed").body["tax_mode"], "lightspeed")
      << "a refused write keeps what was stored";
  EXPECT_EQ(svc_.Post("/api/v1/settings/lightspeed/connect", json::object()).body["error"]["field"],
            "refresh_token");
}

TEST_F(ExportApi, MetricsCountOrdersByExportState) {
  svc_.Connect();
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  ASSERT_EQ(svc_.Post("/api/v1/orders/10023/export").status, 202);
  Reply m = svc_.Call("GET", "/metrics", "", "none");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.raw.find("spoke_exports{store=\"bikes\",state=\"queued\"} 1"), std::string::npos)
      << m.raw;
  EXPECT_NE(m.raw.find("spoke_export_queue_depth{store=\"bikes\"} 1"), std::string::npos);
}

}  // namespace

namespace {

// What `curl -X POST …/export` sends: no body, no Content-Length. httplib alone would answer 400.
std::string RawPost(int port, const std::string& path, const std::string& token) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "";
  const std::string req = "POST " + path +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                          "\r\nConnection: close\r\n\r\n";
  (void)!write(fd, req.data(), req.size());
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) answer.append(buf, n);
  close(fd);
  return answer;
}

TEST_F(ExportApi, R26APostWithoutABodyWorksLikeCurlSendsIt) {
  svc_.Connect();
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  const std::string answer = RawPost(svc_.port(), "/api/v1/orders/10023/export", svc_.token());
  EXPECT_EQ(answer.rfind("HTTP/1.1 202", 0), 0u) << answer;
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["export"]["state"], "queued");
  EXPECT_EQ(RawPost(svc_.port(), "/api/v1/orders/10023/export", "wrong").rfind("HTTP/1.1 401", 0),
            0u);
  // An empty form-typed body (curl -d '') is no reason for a 415 either.
  httplib::Client c("127.0.0.1", svc_.port());
  auto r = c.Post("/api/v1/orders/10023/export/retry",
                  httplib::Headers{{"Authorization", "Bearer " + svc_.token()}}, "",
                  "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;  // not needing attention: the API answered, not httplib
}

}  // namespace
