// End to end over HTTP on loopback against a real SQLite file: catalog, orders, validation.
#include <gtest/gtest.h>

#include "tests/support/service.h"

namespace {

using testing_support::BikeItem;
using testing_support::json;
using testing_support::PaidOrder;
using testing_support::Reply;
using testing_support::TestService;

class OrdersApi : public ::testing::Test {
 protected:
  void SetUp() override {
    Reply r = svc_.Put("/api/v1/items/TREK-FX2-M-BLK", BikeItem());
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  // PUTs `order` and expects 422 naming `field`.
  void ExpectRejected(const json& order, const std::string& field) {
    Reply r = svc_.Put("/api/v1/orders/" + order["number"].get<std::string>(), order);
    EXPECT_EQ(r.status, 422) << r.raw;
    EXPECT_EQ(r.body["error"]["field"], field) << r.raw;
    EXPECT_FALSE(r.body["error"]["message"].get<std::string>().empty());
    EXPECT_EQ(svc_.Get("/api/v1/orders/" + order["number"].get<std::string>()).status, 404)
        << "a rejected order is not stored";
  }
  TestService svc_;
};

TEST_F(OrdersApi, ItemRoundTripAndList) {
  Reply r = svc_.Get("/api/v1/items/TREK-FX2-M-BLK");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["price"], "899.99");
  EXPECT_EQ(r.body["upc"], "601842123454");
  EXPECT_EQ(svc_.Put("/api/v1/items/TREK-FX2-M-BLK", BikeItem()).status, 200);
  json helmet = {{"description", "Helmet"}, {"price", "89.99"}};
  EXPECT_EQ(svc_.Put("/api/v1/items/HELMET", helmet).status, 201);
  Reply list = svc_.Get("/api/v1/items?limit=1");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 1u);
  Reply next =
      svc_.Get("/api/v1/items?limit=1&cursor=" + list.body["next_cursor"].get<std::string>());
  EXPECT_EQ(next.body["items"][0]["sku"], "TREK-FX2-M-BLK");
  EXPECT_TRUE(next.body["next_cursor"].is_null());
}

TEST_F(OrdersApi, ItemValidationNamesTheField) {
  json pos = BikeItem();
  pos["source"] = "pos_sync";
  Reply r = svc_.Put("/api/v1/items/TREK-FX2-M-BLK", pos);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body["error"]["field"], "lightspeed_item_id");
  json number_price = BikeItem();
  number_price["price"] = 899.99;
  r = svc_.Put("/api/v1/items/TREK-FX2-M-BLK", number_price);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body["error"]["field"], "price");
  EXPECT_EQ(svc_.Get("/api/v1/items/TREK-FX2-M-BLK").body["source"], "supplier_sync")
      << "the stored item is untouched";
}

TEST_F(OrdersApi, PutCreatesThenSamePutStoresOneOrder) {
  Reply first = svc_.Put("/api/v1/orders/10023", PaidOrder("10023"));
  ASSERT_EQ(first.status, 201) << first.raw;
  EXPECT_EQ(first.body["balance"]["message"], "Paid in Full");
  EXPECT_EQ(first.body["export"]["state"], "not_exported");
  Reply again = svc_.Put("/api/v1/orders/10023", PaidOrder("10023"));
  EXPECT_EQ(again.status, 200);
  Reply list = svc_.Get("/api/v1/orders");
  EXPECT_EQ(list.body["orders"].size(), 1u);
}

TEST_F(OrdersApi, ReplaceBeforeExport) {
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  json changed = PaidOrder("10023");
  changed["customer"]["phone"] = "+1 555 0199";
  Reply r = svc_.Put("/api/v1/orders/10023", changed);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["customer"]["phone"], "+1 555 0199");
}

TEST_F(OrdersApi, ConflictOnceExportStateIsSetAndNothingChanges) {
  svc_.Connect();
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  ASSERT_EQ(svc_.Post("/api/v1/orders/10023/export").status, 202);
  json changed = PaidOrder("10023");
  changed["customer"]["first_name"] = "Someone";
  Reply r = svc_.Put("/api/v1/orders/10023", changed);
  EXPECT_EQ(r.status, 409) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "already_queued");
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["customer"]["first_name"], "Ann");
}

TEST_F(OrdersApi, EveryValidationRuleNamesItsField) {
  json o = PaidOrder("1");
  o["lines"][0]["sku"] = "NOPE";
  ExpectRejected(o, "lines[0].sku");
  o = PaidOrder("2");
  o["lines"][0]["quantity"] = 0;
  ExpectRejected(o, "lines[0].quantity");
  o = PaidOrder("3");
  o["lines"][0]["discount"] = "900.00";
  ExpectRejected(o, "lines[0].discount");
  o = PaidOrder("4");
  o["total"] = "999.25";
  ExpectRejected(o, "total");
  o = PaidOrder("5");
  o["customer"]["email"] = "ann-at-example.com";
  ExpectRejected(o, "customer.email");
  o = PaidOrder("6");
  o["payments"].push_back(o["payments"][0]);
  ExpectRejected(o, "payments[1].id");
  o = PaidOrder("7");
  o["currency"] = "EUR";
  ExpectRejected(o, "currency");
}

TEST_F(OrdersApi, MoneyMustBeExactDecimalStrings) {
  const std::vector<json> bad = {"899.9", "1e3", 899.99, "-0.00", "-1.00"};
  int n = 100;
  for (const json& v : bad) {
    json o = PaidOrder(std::to_string(++n));
    o["lines"][0]["unit_price"] = v;
    ExpectRejected(o, "lines[0].unit_price");
  }
  json o = PaidOrder("200");
  o["payments"][0]["amount"] = "-999.24";
  ExpectRejected(o, "payments[0].amount");
  o = PaidOrder("201");
  o["shipping"]["amount"] = 25;
  ExpectRejected(o, "shipping.amount");
  o = PaidOrder("202");
  o["placed_at"] = "yesterday";
  ExpectRejected(o, "placed_at");
}

TEST_F(OrdersApi, MalformedJsonIs400AndLargeBodyIs413) {
  Reply r = svc_.Call("PUT", "/api/v1/orders/10023", "{\"number\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["code"], "malformed_json");
  std::string huge = "{\"pad\":\"" + std::string(1024 * 1024 + 10, 'x') + "\"}";
  r = svc_.Call("PUT", "/api/v1/orders/10023", huge);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").status, 404);
}

// Found by fuzzing (fuzz/regressions/order_json): a key in the URL whose bytes are not UTF-8
// was quoted in the error message, and writing that JSON answer threw: a 500, not the error.
TEST_F(OrdersApi, KeysInTheUrlThatAreNotUtf8GetTheirError) {
  json item = BikeItem();
  item["sku"] = "BIKE-2";
  Reply r = svc_.Put("/api/v1/items/BI%B0E-2", item);
  EXPECT_EQ(r.status, 422) << r.raw;
  EXPECT_EQ(r.body["error"]["field"], "sku");
  r = svc_.Get("/api/v1/orders/%FF%FE");
  EXPECT_EQ(r.status, 404) << r.raw;
  EXPECT_FALSE(r.body["error"]["message"].get<std::string>().empty());
}

TEST_F(OrdersApi, R2BalanceMessagesReachTheApi) {
  json due = PaidOrder("A1");
  due["payments"][0]["amount"] = "986.74";
  EXPECT_EQ(svc_.Put("/api/v1/orders/A1", due).body["balance"]["message"],
            "Unbalanced: $12.50 due");
  json over = PaidOrder("A2");
  over["payments"][0]["amount"] = "1002.24";
  EXPECT_EQ(svc_.Put("/api/v1/orders/A2", over).body["balance"]["message"],
            "Unbalanced: overpaid by $3.00");
  json auth = PaidOrder("A3");
  auth["payments"][0]["status"] = "authorized";
  Reply r = svc_.Put("/api/v1/orders/A3", auth);
  EXPECT_EQ(r.body["balance"]["message"],
            "Unbalanced: payment authorized but not captured ($999.24)");
  EXPECT_EQ(r.body["balance"]["state"], "unbalanced");
  EXPECT_EQ(r.body["balance"]["due"], "999.24");
}

TEST_F(OrdersApi, CapturingAPaymentMakesTheOrderExportable) {
  svc_.Connect();
  json auth = PaidOrder("10023");
  auth["payments"][0]["status"] = "authorized";
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", auth).status, 201);
  Reply refused = svc_.Post("/api/v1/orders/10023/export");
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(refused.body["error"]["code"], "unbalanced");
  Reply cap = svc_.Post("/api/v1/orders/10023/payments/pay_1/capture");
  ASSERT_EQ(cap.status, 200) << cap.raw;
  EXPECT_EQ(cap.body["balance"]["message"], "Paid in Full");
  EXPECT_EQ(svc_.Post("/api/v1/orders/10023/payments/pay_1/capture").status, 409);
  EXPECT_EQ(svc_.Post("/api/v1/orders/10023/export").status, 202);
}

TEST_F(OrdersApi, ListIsNewestFirstWithFiltersAndCursor) {
  for (int day = 1; day <= 5; ++day) {
    json o = PaidOrder("D" + std::to_string(day));
    o["placed_at"] = "2026-11-0" + std::to_string(day) + "T10:00:00Z";
    if (day == 3) o["status"] = "cancelled";
    ASSERT_EQ(svc_.Put("/api/v1/orders/D" + std::to_string(day), o).status, 201);
  }
  Reply page1 = svc_.Get("/api/v1/orders?limit=2");
  ASSERT_EQ(page1.body["orders"].size(), 2u);
  EXPECT_EQ(page1.body["orders"][0]["number"], "D5");
  EXPECT_EQ(page1.body["orders"][1]["number"], "D4");
  Reply page2 =
      svc_.Get("/api/v1/orders?limit=2&cursor=" + page1.body["next_cursor"].get<std::string>());
  EXPECT_EQ(page2.body["orders"][0]["number"], "D3");
  Reply open = svc_.Get("/api/v1/orders?status=open");
  EXPECT_EQ(open.body["orders"].size(), 4u);
  Reply cancelled = svc_.Get("/api/v1/orders?status=cancelled");
  EXPECT_EQ(cancelled.body["orders"].size(), 1u);
  EXPECT_EQ(svc_.Get("/api/v1/orders?status=bogus").body["error"]["field"], "status");
  EXPECT_EQ(svc_.Get("/api/v1/orders?export_state=not_exported").body["orders"].size(), 5u);
  EXPECT_EQ(svc_.Get("/api/v1/orders?export_state=exported").body["orders"].size(), 0u);
}

// Issue 14: q, sort, needs_action, count and prev_cursor on GET /api/v1/orders.
TEST_F(OrdersApi, ListSearchesSortsCountsAndPagesBack) {
  const char* people[][3] = {{"Ann.Lee@Example.com", "Ann", "Lee"},
                             {"bob@smithworks.io", "Bob", "Smith"},
                             {"carla@example.org", "Carla", "Smithson"}};
  for (int i = 0; i < 3; ++i) {
    json o = PaidOrder("S" + std::to_string(i + 1));
    o["placed_at"] = "2026-11-0" + std::to_string(i + 1) + "T10:00:00Z";
    o["customer"]["email"] = people[i][0];
    o["customer"]["first_name"] = people[i][1];
    o["customer"]["last_name"] = people[i][2];
    if (i == 2) o["payments"][0]["status"] = "authorized";  // unbalanced: needs action
    ASSERT_EQ(svc_.Put("/api/v1/orders/S" + std::to_string(i + 1), o).status, 201);
  }
  Reply smith = svc_.Get("/api/v1/orders?q=SMITH&count=true");
  ASSERT_EQ(smith.status, 200) << smith.raw;
  ASSERT_EQ(smith.body["orders"].size(), 2u);
  EXPECT_EQ(smith.body["orders"][0]["number"], "S3");
  EXPECT_EQ(smith.body["count"], 2);
  EXPECT_EQ(smith.body["count_exact"], true);
  EXPECT_EQ(svc_.Get("/api/v1/orders?q=s2").body["orders"][0]["number"], "S2");
  EXPECT_EQ(svc_.Get("/api/v1/orders?q=lee%40ex&status=open_orders").body["orders"].size(), 1u);
  Reply oldest = svc_.Get("/api/v1/orders?sort=oldest&limit=1");
  EXPECT_EQ(oldest.body["orders"][0]["number"], "S1");
  EXPECT_TRUE(oldest.body["prev_cursor"].is_null());
  Reply second = svc_.Get("/api/v1/orders?sort=oldest&limit=1&cursor=" +
                          oldest.body["next_cursor"].get<std::string>());
  EXPECT_EQ(second.body["orders"][0]["number"], "S2");
  Reply back = svc_.Get("/api/v1/orders?sort=oldest&limit=1&cursor=" +
                        second.body["prev_cursor"].get<std::string>());
  EXPECT_EQ(back.body["orders"][0]["number"], "S1");
  Reply needs = svc_.Get("/api/v1/orders?needs_action=true");
  ASSERT_EQ(needs.body["orders"].size(), 1u);
  EXPECT_EQ(needs.body["orders"][0]["number"], "S3");
  for (const char* bad : {"sort=biggest", "needs_action=yes", "count=1", "q=%00x", "q=%0A"}) {
    Reply r = svc_.Get(std::string("/api/v1/orders?") + bad);
    EXPECT_EQ(r.status, 422) << bad;
    EXPECT_EQ(r.body["error"]["field"], std::string(bad).substr(0, std::string(bad).find('=')))
        << bad;
  }
  EXPECT_EQ(svc_.Get("/api/v1/orders?q=" + std::string(101, 'a')).body["error"]["field"], "q");
  Reply wrong_sort = svc_.Get("/api/v1/orders?sort=total_desc&cursor=" +
                              oldest.body["next_cursor"].get<std::string>());
  EXPECT_EQ(wrong_sort.body["error"]["field"], "cursor");
}

TEST_F(OrdersApi, RefundsAreRecordedAndChangeTheBalance) {
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  Reply r =
      svc_.Post("/api/v1/orders/10023/refunds",
                {{"id", "rf_1"}, {"method", "Online Payments (Stripe)"}, {"amount", "10.00"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body["balance"]["message"], "Unbalanced: $10.00 due");
  EXPECT_EQ(svc_.Post("/api/v1/orders/10023/refunds",
                      {{"id", "rf_1"}, {"method", "x"}, {"amount", "1.00"}})
                .status,
            409);
  EXPECT_EQ(
      svc_.Post("/api/v1/orders/10023/refunds", {{"id", "rf_2"}, {"method", "x"}, {"amount", 1}})
          .body["error"]["field"],
      "amount");
  Reply empty =
      svc_.Post("/api/v1/orders/10023/refunds", {{"id", ""}, {"method", ""}, {"amount", "1.00"}});
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(empty.body["error"]["field"], "id");
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["refunds"].size(), 1u);
}

TEST_F(OrdersApi, SumsThatWouldOverflowAreRefused) {
  json o = PaidOrder("OVF");
  // 10,000 × $9,999,999,999,999.99 is more cents than a 64-bit integer holds.
  for (int i = 0; i < 10000; ++i)
    o["payments"].push_back({{"id", "p" + std::to_string(i)},
                             {"method", "S"},
                             {"amount", "9999999999999.99"},
                             {"status", "captured"}});
  Reply r = svc_.Put("/api/v1/orders/OVF", o);
  ASSERT_EQ(r.status, 422) << r.raw.substr(0, 300);
  EXPECT_NE(r.body["error"].value("field", "").find("amount"), std::string::npos) << r.raw;
}

TEST_F(OrdersApi, ARejectedReplaceLeavesTheStoredOrderExactly) {
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  const json before = svc_.Get("/api/v1/orders/10023").body;
  json bad = PaidOrder("10023");
  bad["customer"]["first_name"] = "Changed";
  bad["total"] = "1.00";
  EXPECT_EQ(svc_.Put("/api/v1/orders/10023", bad).status, 422);
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body, before);
}

TEST_F(OrdersApi, RetryingTheSamePutAfterQueueingIsQuietlyAccepted) {
  svc_.Connect();
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  ASSERT_EQ(svc_.Post("/api/v1/orders/10023/export").status, 202);
  EXPECT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 200)
      << "a web store's webhook retry is not a conflict";
}

TEST_F(OrdersApi, LinesKeepWhatTheyWereWhenTheOrderArrived) {
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  json gift = BikeItem();
  gift["kind"] = "gift_card";
  gift["serialized"] = false;
  ASSERT_EQ(svc_.Put("/api/v1/items/TREK-FX2-M-BLK", gift).status, 200);
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["lines"][0]["kind"], "inventory");
}

TEST_F(OrdersApi, FormBodiesGetAClear415AndOneMebibyteOfJsonIsAccepted) {
  httplib::Client c("127.0.0.1", svc_.port());
  httplib::Headers h{{"Authorization", "Bearer " + svc_.token()}};
  auto r = c.Put("/api/v1/orders/10023", h, std::string(20000, 'x'),
                 "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  EXPECT_NE(r->body.find("application/json"), std::string::npos);
  json o = PaidOrder("BIG");
  o["pad"] = "";
  const size_t base = o.dump().size();
  o["pad"] = std::string(1024 * 1024 - base, 'x');
  ASSERT_EQ(o.dump().size(), 1024u * 1024u);
  EXPECT_EQ(svc_.Put("/api/v1/orders/BIG", o).status, 201) << "exactly 1 MiB is allowed";
}

TEST_F(OrdersApi, R23StatusChangesAreAlwaysAllowed) {
  svc_.Connect();
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  ASSERT_EQ(svc_.Post("/api/v1/orders/10023/export").status, 202);
  Reply r = svc_.Call("PATCH", "/api/v1/orders/10023", R"({"status":"shipped"})");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["status"], "shipped");
  EXPECT_EQ(r.body["export"]["state"], "queued");
  EXPECT_EQ(svc_.Call("PATCH", "/api/v1/orders/10023", R"({"status":"lost"})").status, 422);
  EXPECT_EQ(
      svc_.Call("PATCH", "/api/v1/orders/10023", R"({"total":"1.00"})").body["error"]["field"],
      "total");
}

TEST_F(OrdersApi, TokensAreRequiredAndSeeOnlyTheirStore) {
  EXPECT_EQ(svc_.Call("GET", "/api/v1/orders", "", "none").status, 401);
  EXPECT_EQ(svc_.Call("GET", "/api/v1/orders", "", "spk_wrong").status, 401);
  ASSERT_EQ(svc_.Put("/api/v1/orders/10023", PaidOrder("10023")).status, 201);
  const std::string other = svc_.AddStore("other");
  EXPECT_EQ(svc_.Call("GET", "/api/v1/orders/10023", "", other).status, 404);
  EXPECT_EQ(svc_.Call("GET", "/api/v1/orders", "", other).body["orders"].size(), 0u);
  EXPECT_EQ(svc_.Call("GET", "/api/v1/items/TREK-FX2-M-BLK", "", other).status, 404);
  // The other store cannot export or change this store's order either.
  EXPECT_EQ(svc_.Call("POST", "/api/v1/orders/10023/export", "{}", other).status, 404);
  EXPECT_EQ(svc_.Call("PATCH", "/api/v1/orders/10023", R"({"status":"cancelled"})", other).status,
            404);
  EXPECT_EQ(svc_.Call("POST", "/api/v1/orders/10023/payments/pay_1/capture", "{}", other).status,
            404);
  EXPECT_EQ(svc_.Call("POST", "/api/v1/orders/10023/refunds",
                      R"({"id":"rf","method":"x","amount":"1.00"})", other)
                .status,
            404);
  // The same order number in another store is another order.
  EXPECT_EQ(svc_.Call("PUT", "/api/v1/orders/10023", PaidOrder("10023").dump(), other).status, 422)
      << "the other store has no such SKU";
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["status"], "open");
  EXPECT_EQ(svc_.Get("/api/v1/orders/10023").body["refunds"].size(), 0u);
  EXPECT_EQ(svc_.Call("GET", "/api/v1/orders", "", "none").status, 401);
  EXPECT_EQ(svc_.Call("GET", "/healthz", "", "none").status, 200);
}

}  // namespace
