// Issue 11: every hostile input is refused cleanly, end to end over HTTP on loopback against a
// real SQLite file. Each test names its finding.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/support/service.h"

namespace {

using testing_support::BikeItem;
using testing_support::json;
using testing_support::PaidOrder;
using testing_support::Reply;
using testing_support::TestService;

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    Reply r = svc_.Put("/api/v1/items/TREK-FX2-M-BLK", BikeItem());
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  // PUTs `order` and expects 422 naming `field`, with nothing stored.
  Reply ExpectRefused(const json& order, const std::string& field) {
    const std::string number = order["number"].get<std::string>();
    Reply r = svc_.Put("/api/v1/orders/" + number, order);
    EXPECT_EQ(r.status, 422) << r.raw.substr(0, 300);
    EXPECT_EQ(r.body["error"]["field"], field) << r.raw.substr(0, 300);
    EXPECT_EQ(svc_.Get("/api/v1/orders/" + number).status, 404) << "a refused order is not stored";
    return r;
  }
  TestService svc_;
};

// M2: an export message cut inside a character made the order, the order list and the exports
// list answer 500 for good. The store keeps only valid UTF-8, so every answer carries it.
TEST_F(HostileInput, M2AnExportMessageWithBrokenUtf8NeverBreaksTheApi) {
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  store::Store& db = svc_.db();
  ASSERT_TRUE(db.QueueExport(svc_.store_id(), "10023",
                             [](const shop::Order&, shop::ExportState,
                                const store::LightspeedSettings&) { return shop::Eligibility{}; })
                  .ok());
  auto claim = db.ClaimExport(svc_.store_id(), "10023", "test", std::chrono::minutes(1));
  ASSERT_TRUE(claim.ok());
  const std::string cut = "Lightspeed: " + std::string(187, 'a') + "\xC3";  // 200 bytes, split
  const store::ExportAttempt refused{1, {}, {}, store::AttemptOutcome::kFailed, 400, cut, 1};
  ASSERT_TRUE(db.StopExport(svc_.store_id(), "10023", claim->fence, cut, {}, &refused).ok());
  Reply order = svc_.Get("/api/v1/orders/10023");
  ASSERT_EQ(order.status, 200) << order.raw.substr(0, 300);
  EXPECT_EQ(order.body["export"]["message"], "Lightspeed: " + std::string(187, 'a') + "\uFFFD");
  EXPECT_EQ(svc_.Get("/api/v1/orders").status, 200);
  EXPECT_EQ(svc_.Get("/api/v1/exports").status, 200);
}

// M3: "9999-12-31T23:59:59Z" was stored as a day in 1816. A time a TimePoint cannot hold is
// refused, naming the field.
TEST_F(HostileInput, M3TimesOutsideTheSupportedYearsAreRefused) {
  json o = PaidOrder("10023");
  o["placed_at"] = "9999-12-31T23:59:59Z";
  Reply r = ExpectRefused(o, "placed_at");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("1900"), std::string::npos) << r.raw;
  o["placed_at"] = "1066-10-14T09:00:00Z";
  ExpectRefused(o, "placed_at");
  o = PaidOrder("10024");
  o["refunds"] = {
      {{"id", "rf_1"}, {"method", "Stripe"}, {"amount", "1.00"}, {"at", "9999-12-31T23:59:59Z"}}};
  ExpectRefused(o, "refunds[0].at");
  ASSERT_EQ(svc_.Put("/api/v1/orders/10025", PaidOrder("10025")).status, 201);
  r = svc_.Post(
      "/api/v1/orders/10025/refunds",
      {{"id", "rf_1"}, {"method", "Stripe"}, {"amount", "1.00"}, {"at", "9999-12-31T23:59:59Z"}});
  EXPECT_EQ(r.status, 422) << r.raw;
  EXPECT_EQ(svc_.Get("/api/v1/orders/10025").body["refunds"].size(), 0u);
}

// Item 3: a 900,000-character first_name was stored and exported.
TEST_F(HostileInput, TextFieldsHaveLengthLimitsNamingFieldAndLimit) {
  json o = PaidOrder("10023");
  o["customer"]["first_name"] = std::string(900000, 'A');
  Reply r = ExpectRefused(o, "customer.first_name");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("at most 100 characters"),
            std::string::npos)
      << r.raw.substr(0, 300);
  o = PaidOrder("10023");
  o["billing_address"]["line1"] = std::string(256, 'x');
  ExpectRefused(o, "billing_address.line1");
  o = PaidOrder("10023");
  o["customer"]["last_name"] = std::string("Lee\0", 4);
  ExpectRefused(o, "customer.last_name");
  o = PaidOrder("10023");
  o["customer"]["last_name"] = "\u202Eeel";
  ExpectRefused(o, "customer.last_name");
  json item = BikeItem();
  item["description"] = std::string(256, 'd');
  r = svc_.Put("/api/v1/items/TREK-FX2-M-BLK", item);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body["error"]["field"], "description");
  // 100 two-byte characters are 100 characters.
  o = PaidOrder("10023");
  std::string name;
  for (int i = 0; i < 100; ++i) name += "\u00E9";
  o["customer"]["first_name"] = name;
  EXPECT_EQ(svc_.Put("/api/v1/orders/10023", o).status, 201);
}

// Item 4: a $9,999,999,999,999.99 refund on a paid order was accepted.
TEST_F(HostileInput, RefundsBeyondWhatWasCapturedAreRefused) {
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  Reply r = svc_.Post("/api/v1/orders/10023/refunds",
                      {{"id", "rf_1"}, {"method", "Stripe"}, {"amount", "9999999999999.99"}});
  EXPECT_EQ(r.status, 422) << r.raw;
  EXPECT_EQ(r.body["error"]["field"], "amount") << r.raw;
  const std::string m = r.body["error"]["message"].get<std::string>();
  EXPECT_NE(m.find("$9999999999999.99"), std::string::npos) << m;
  EXPECT_NE(m.find("$999.24"), std::string::npos) << m;
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["refunds"].size(), 0u);
  EXPECT_EQ(svc_.Post("/api/v1/orders/10023/refunds",
                      {{"id", "rf_2"}, {"method", "Stripe"}, {"amount", "999.24"}})
                .status,
            201)
      << "a full refund is fine";
  r = svc_.Post("/api/v1/orders/10023/refunds",
                {{"id", "rf_3"}, {"method", "Stripe"}, {"amount", "0.01"}});
  EXPECT_EQ(r.status, 422);
  json o = PaidOrder("10024");
  o["refunds"] = {{{"id", "rf_1"}, {"method", "Stripe"}, {"amount", "999.25"}}};
  ExpectRefused(o, "refunds[0].amount");
}

// Items 3 and 7: `spoke import` refuses the same text the API refuses, and a refused record's
// key cannot write a second line into the summary.
TEST_F(HostileInput, ImportRefusesTheSameTextAndPrintsOneLinePerRejection) {
  json long_name = PaidOrder("3001");
  long_name["customer"]["first_name"] = std::string(101, 'A');
  json forged = BikeItem();
  forged["sku"] = "X\n  record 9 (FORGED) sku: forged";
  const std::string path = (svc_.dir() / "hostile.ndjson").string();
  {
    std::ofstream f(path);
    f << long_name.dump() << "\n" << forged.dump() << "\n";
  }
  const std::string cmd = "SPOKE_DATABASE_URL=" + svc_.db_url() +
                          " SPOKE_KEY_FILE=" + (svc_.dir() / "spoke.key").string() +
                          " SPOKE_LIGHTSPEED_API_BASE=" + svc_.simulator().BaseUrl() +
                          " SPOKE_LIGHTSPEED_AUTH_BASE=" + svc_.simulator().BaseUrl() +
                          " SPOKE_LIGHTSPEED_CLIENT_ID=" + svc_.account().client_id +
                          " SPOKE_LIGHTSPEED_CLIENT_SECRET=" + svc_.account().client_secret + " " +
                          SPOKE_BINARY " import --store bikes " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  pclose(p);
  EXPECT_NE(out.find("record 1 (3001) customer.first_name:"), std::string::npos) << out;
  EXPECT_EQ(out.find("\n  record 9"), std::string::npos) << out;
  EXPECT_NE(out.find("(X\\n  record 9"), std::string::npos) << out;
  EXPECT_EQ(svc_.Get("/api/v1/orders/3001").status, 404);
}

}  // namespace
