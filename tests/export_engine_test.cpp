// The whole path, end to end over HTTP: spoke's API → the export engine → lsr-sim.
// Each test names the rule it proves; what reached "Lightspeed" is read back from the emulator.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/service.h"

namespace {

using testing_support::json;
using testing_support::Reply;
using testing_support::TestService;

struct LineSpec {
  std::string sku;
  int quantity;
  int64_t unit_cents;
  std::vector<std::string> serials = {};
};

std::string Amount(int64_t cents) { return base::Money::FromCents(cents).ToString(); }

// A paid order whose total adds up: lines − order discount + shipping + tax, paid by `method`.
json MakeOrder(const std::string& number, const std::string& email,
               const std::vector<LineSpec>& lines, int64_t shipping = 0, int64_t tax = 0,
               int64_t order_discount = 0, const std::string& method = "Online Payments (Stripe)",
               bool billing = true) {
  json jl = json::array();
  int64_t total = 0;
  for (const LineSpec& l : lines) {
    json line = {{"sku", l.sku}, {"quantity", l.quantity}, {"unit_price", Amount(l.unit_cents)}};
    if (!l.serials.empty()) line["serial_numbers"] = l.serials;
    jl.push_back(line);
    total += l.quantity * l.unit_cents;
  }
  total += shipping + tax - order_discount;
  json o = {
      {"number", number},
      {"placed_at", "2026-11-20T15:04:05Z"},
      {"customer",
       {{"email", email}, {"first_name", "Ann"}, {"last_name", "Lee"}, {"phone", "+1 555 0100"}}},
      {"lines", jl},
      {"order_discount", Amount(order_discount)},
      {"tax", Amount(tax)},
      {"total", Amount(total)},
      {"payments",
       {{{"id", "pay_" + number},
         {"method", method},
         {"amount", Amount(total)},
         {"reference", "ref_" + number}}}}};
  if (billing)
    o["billing_address"] = {{"line1", "1 Main St"},
                            {"city", "Boulder"},
                            {"region", "CO"},
                            {"postal_code", "80302"},
                            {"country", "US"}};
  if (shipping) o["shipping"] = {{"method", "UPS Ground"}, {"amount", Amount(shipping)}};
  return o;
}

class ExportEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    svc_.Connect();
    const json items[] = {{{"sku", "BIKE"},
                           {"description", "Trailhead 29 Mountain Bike"},
                           {"source", "pos_sync"},
                           {"lightspeed_item_id", "1"},
                           {"price", "899.99"},
                           {"serialized", true}},
                          {{"sku", "HELMET"},
                           {"description", "Aero Road Helmet M"},
                           {"source", "supplier_sync"},
                           {"upc", "735000000070"},
                           {"price", "129.99"}},
                          {{"sku", "TREK-FX2"},
                           {"description", "Trek FX 2 Disc"},
                           {"source", "supplier_sync"},
                           {"upc", "601842123454"},
                           {"manufacturer_sku", "FX2-M-BK"},
                           {"price", "749.99"},
                           {"cost", "500.00"},
                           {"msrp", "799.99"}},
                          {{"sku", "GC-50"},
                           {"description", "Gift card $50"},
                           {"kind", "gift_card"},
                           {"price", "50.00"}},
                          {{"sku", "TUNEUP"},
                           {"description", "Tune-up"},
                           {"kind", "non_inventory"},
                           {"price", "75.00"}}};
    for (const json& item : items)
      ASSERT_LT(svc_.Put("/api/v1/items/" + item["sku"].get<std::string>(), item).status, 300);
  }
  Reply Export(const json& order) {
    const std::string n = order["number"];
    Reply put = svc_.Put("/api/v1/orders/" + n, order);
    EXPECT_LT(put.status, 300) << put.raw;
    Reply q = svc_.Post("/api/v1/orders/" + n + "/export");
    EXPECT_EQ(q.status, 202) << q.raw;
    return svc_.WaitForExport(n);
  }
  std::vector<lightspeed::Sale> SalesFor(const std::string& number) {
    auto sales = base::SyncWait(svc_.Lightspeed()->FindSales(number, "web"));
    EXPECT_TRUE(sales.ok());
    return sales.ok() ? *sales : std::vector<lightspeed::Sale>{};
  }
  json Stats() { return svc_.SimControl("GET", "/stats"); }
  int Requests(const std::string& key) { return Stats()["requests"].value(key, 0); }
  void ExpectNoDuplicates() {
    EXPECT_TRUE(Stats()["duplicate_references"].empty()) << Stats().dump();
  }

  TestService svc_;
};

TEST_F(ExportEngine, R6R7R9OneCompletedSaleWithLinesShippingAndWebTax) {
  svc_.StartEngine();
  Reply r = Export(MakeOrder("10023", "ann.lee@example.com", {{"BIKE", 1, 89999}}, 2500, 7425));
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  auto sales = SalesFor("10023");
  ASSERT_EQ(sales.size(), 1u);
  EXPECT_TRUE(sales[0].completed);
  EXPECT_EQ(r.body["export"]["sale_id"], sales[0].id);
  EXPECT_EQ(sales[0].total, "999.24") << "R10 web mode: Lightspeed's total is the web total";
  EXPECT_EQ(sales[0].lines.size(), 3u) << "the bike, shipping and the web tax";
  EXPECT_FALSE(r.body["export"]["exported_at"].is_null());
  Reply status = svc_.Get("/api/v1/lightspeed/status");
  EXPECT_EQ(status.body["queue_length"], 0);
  EXPECT_EQ(status.body["expected_drain_seconds"], 0);
  EXPECT_FALSE(status.body["bucket"].is_null()) << "the bucket as the last answer reported it";
  Reply metrics = svc_.Call("GET", "/metrics", "", "none");
  EXPECT_NE(metrics.raw.find("spoke_export_attempts_total{outcome=\"exported\"}"),
            std::string::npos)
      << metrics.raw;
  EXPECT_NE(metrics.raw.find("spoke_lightspeed_units_total{account=\"" + svc_.account().account_id +
                             "\"}"),
            std::string::npos);
  EXPECT_NE(metrics.raw.find("spoke_export_latency_seconds_count"), std::string::npos);
  ASSERT_GE(r.body["export"]["timeline"].size(), 1u);
  EXPECT_EQ(r.body["export"]["timeline"].back()["outcome"], "exported");
  EXPECT_GT(r.body["export"]["timeline"].back()["units"].get<double>(), 0);
  const std::string sent = r.body["export"]["timeline"].back()["sent"];
  for (const char* words :
       {"Sale 10023 (web) for Ann Lee (customer ", "1 line — ",
        "Trailhead 29 Mountain Bike ×1 @ $899.99 (item 1)", "Shipping: UPS Ground $25.00",
        "Sales tax (web order) $74.25", "paid Stripe $999.24 (payment type "})
    EXPECT_NE(sent.find(words), std::string::npos)
        << "the timeline says what was sent, by name: " << words << " not in " << sent;
  ExpectNoDuplicates();
}

TEST_F(ExportEngine, R1ASecondRequestSendsNothing) {
  svc_.StartEngine();
  ASSERT_EQ(
      Export(MakeOrder("10023", "a@example.com", {{"HELMET", 1, 12999}})).body["export"]["state"],
      "exported");
  const int sales_before = Requests("POST Sale");
  Reply again = svc_.Post("/api/v1/orders/10023/export");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body["error"]["code"], "already_exported");
  EXPECT_EQ(Requests("POST Sale"), sales_before);
}

TEST_F(ExportEngine, R14PayPalWithoutBillingAddressStillGetsACustomer) {
  svc_.StartEngine();
  Reply r = Export(MakeOrder("P1", "paypal.buyer@example.com", {{"HELMET", 1, 12999}}, 0, 0, 0,
                             "PayPal", /*billing=*/false));
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  auto customers =
      base::SyncWait(svc_.Lightspeed()->FindCustomersByEmail("paypal.buyer@example.com"));
  ASSERT_EQ(customers->size(), 1u);
  EXPECT_EQ(SalesFor("P1")[0].customer_id, (*customers)[0].id);
}

TEST_F(ExportEngine, R8R11GiftCardPlusABikeSendsTheBikeAndBalances) {
  svc_.StartEngine();
  Reply r = Export(MakeOrder("G1", "g@example.com", {{"BIKE", 1, 89999}, {"GC-50", 1, 5000}}));
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  ASSERT_EQ(r.body["export"]["not_sent"].size(), 1u);
  EXPECT_EQ(r.body["export"]["not_sent"][0]["sku"], "GC-50");
  EXPECT_EQ(r.body["export"]["not_sent"][0]["amount"], "50.00");
  EXPECT_EQ(SalesFor("G1")[0].total, "899.99");
}

TEST_F(ExportEngine, R17ASupplierSyncItemWhoseUpcExistsIsLinkedNotCreated) {
  svc_.StartEngine();
  ASSERT_EQ(
      Export(MakeOrder("S1", "s@example.com", {{"HELMET", 1, 12999}})).body["export"]["state"],
      "exported");
  EXPECT_EQ(Requests("POST Item"), 0);
  EXPECT_EQ(SalesFor("S1")[0].lines[0].item_id, "7");
  // A new one is created once, then reused.
  ASSERT_EQ(
      Export(MakeOrder("S2", "s@example.com", {{"TREK-FX2", 1, 74999}})).body["export"]["state"],
      "exported");
  ASSERT_EQ(
      Export(MakeOrder("S3", "s@example.com", {{"TREK-FX2", 1, 74999}})).body["export"]["state"],
      "exported");
  EXPECT_EQ(Requests("POST Item"), 1);
  auto made =
      base::SyncWait(svc_.Lightspeed()->FindItems(lightspeed::ItemKey::kCustomSku, "TREK-FX2"));
  ASSERT_EQ(made->size(), 1u);
  EXPECT_EQ(SalesFor("S3")[0].lines[0].item_id, (*made)[0].id);
}

TEST_F(ExportEngine, R13SameEmailInDifferentCaseIsOneCustomer) {
  svc_.StartEngine();
  ASSERT_EQ(Export(MakeOrder("C1", "New.Buyer@Example.com", {{"HELMET", 1, 12999}}))
                .body["export"]["state"],
            "exported");
  ASSERT_EQ(Export(MakeOrder("C2", "new.buyer@example.COM", {{"HELMET", 1, 12999}}))
                .body["export"]["state"],
            "exported");
  auto customers = base::SyncWait(svc_.Lightspeed()->FindCustomersByEmail("new.buyer@example.com"));
  ASSERT_EQ(customers->size(), 1u);
  EXPECT_EQ(SalesFor("C1")[0].customer_id, SalesFor("C2")[0].customer_id);
  // R13: an existing customer (two share this email; the lowest id wins) is attached as is.
  ASSERT_EQ(
      Export(MakeOrder("C3", "Turing@Example.com", {{"HELMET", 1, 12999}})).body["export"]["state"],
      "exported");
  EXPECT_EQ(SalesFor("C3")[0].customer_id, "3");
}

TEST_F(ExportEngine, R13TwoOrdersOfABrandNewCustomerAtOnceMakeOneCustomer) {
  ASSERT_LT(
      svc_.Put("/api/v1/orders/N1", MakeOrder("N1", "fresh@example.com", {{"HELMET", 1, 12999}}))
          .status,
      300);
  ASSERT_LT(
      svc_.Put("/api/v1/orders/N2", MakeOrder("N2", "fresh@example.com", {{"HELMET", 1, 12999}}))
          .status,
      300);
  Reply both = svc_.Post("/api/v1/exports", {{"orders", {"N1", "N2"}}});
  ASSERT_EQ(both.status, 200);
  svc_.StartEngine();
  EXPECT_EQ(svc_.WaitForExport("N1").body["export"]["state"], "exported");
  EXPECT_EQ(svc_.WaitForExport("N2").body["export"]["state"], "exported");
  EXPECT_EQ(base::SyncWait(svc_.Lightspeed()->FindCustomersByEmail("fresh@example.com"))->size(),
            1u);
  EXPECT_EQ(Requests("POST Customer"), 1);
}

TEST_F(ExportEngine, R19SerialNumbersBecomeSerializedRecords) {
  svc_.StartEngine();
  Reply r = Export(MakeOrder("B1", "b@example.com", {{"BIKE", 2, 89999, {"WTU1", "WTU2"}}}));
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  EXPECT_EQ(Requests("POST Serialized"), 2);
}

TEST_F(ExportEngine, R7R9ShippingPlusAnOrderDiscountBalances) {
  svc_.StartEngine();
  Reply r = Export(
      MakeOrder("D1", "d@example.com", {{"BIKE", 1, 89999}, {"HELMET", 2, 12999}}, 2500, 0, 1001));
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  EXPECT_EQ(SalesFor("D1")[0].total, r.body["total"]);
}

TEST_F(ExportEngine, R12APaymentMethodWithoutALightspeedTypeIsCreatedOnce) {
  svc_.StartEngine();
  for (const char* n : {"A1", "A2"})
    ASSERT_EQ(Export(MakeOrder(n, "a@example.com", {{"HELMET", 1, 12999}}, 0, 0, 0, "Affirm"))
                  .body["export"]["state"],
              "exported");
  EXPECT_EQ(Requests("POST PaymentType"), 1);
  auto types = base::SyncWait(svc_.Lightspeed()->ListPaymentTypes());
  int affirm = 0;
  for (const auto& t : *types) affirm += t.name == "Affirm";
  EXPECT_EQ(affirm, 1);
}

TEST_F(ExportEngine, R10LightspeedTaxModeMatchingIsSentMismatchingIsHeld) {
  ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"tax_mode", "lightspeed"}}).status, 200);
  svc_.StartEngine();
  // 8.25 % of 129.99 = 10.724175 → 10.72.
  Reply ok = Export(MakeOrder("T1", "t@example.com", {{"HELMET", 1, 12999}}, 0, 1072));
  ASSERT_EQ(ok.body["export"]["state"], "exported") << ok.raw;
  EXPECT_EQ(SalesFor("T1")[0].total, "140.71");
  const int sales = Requests("POST Sale");
  Reply held = Export(MakeOrder("T2", "t@example.com", {{"HELMET", 1, 12999}}, 0, 1073));
  ASSERT_EQ(held.body["export"]["state"], "needs_attention") << held.raw;
  EXPECT_EQ(held.body["export"]["message"],
            "Tax differs: Lightspeed would charge $10.72, the web order charged $10.73 (Lightspeed "
            "sales tax \"Sales Tax\")");
  EXPECT_EQ(Requests("POST Sale"), sales) << "nothing was sent";
}

// Issue 10 item 10c: every Lightspeed account has the reserved payment type "Adjustment"; a web
// payment method of that name must not be booked as one (nor a new type of that name made).
TEST_F(ExportEngine, R12AWebMethodNamedLikeTheReservedAdjustmentTypeIsHeld) {
  svc_.StartEngine();
  Reply r =
      Export(MakeOrder("ADJ1", "adj@example.com", {{"HELMET", 1, 12999}}, 0, 0, 0, "Adjustment"));
  ASSERT_EQ(r.body["export"]["state"], "needs_attention") << r.raw;
  EXPECT_NE(r.body["export"]["message"].get<std::string>().find("reserved for adjustments"),
            std::string::npos)
      << r.raw;
  EXPECT_EQ(Requests("POST Sale"), 0);
  EXPECT_EQ(Requests("POST PaymentType"), 0);
  // The merchant maps the method to a real type and the order goes through.
  ASSERT_EQ(
      svc_.Put("/api/v1/settings/lightspeed", {{"payment_types", {{"Adjustment", "Cash"}}}}).status,
      200);
  ASSERT_EQ(svc_.Post("/api/v1/orders/ADJ1/export/retry").status, 202);
  EXPECT_EQ(svc_.WaitForExport("ADJ1").body["export"]["state"], "exported");
}

// Issue 10 item 10d: customers spoke creates are opted out of marketing unless the store says
// they consented (Settings → customer_marketing).
TEST_F(ExportEngine, NewCustomersAreOptedOutOfMarketingUnlessTheStoreHasConsent) {
  svc_.StartEngine();
  auto contact_of = [&](const std::string& email) {
    const json rows = svc_.SimControl("GET", "/rows/Customer");
    for (const json& c : rows["Customer"]) {
      const json contact = c.value("Contact", json::object());
      for (const json& e : contact.value("Emails", json::array()))  // rows keep lists as arrays
        if (e.is_object() && e.value("address", "") == email) return contact;
    }
    return json();
  };
  ASSERT_EQ(
      Export(MakeOrder("M1", "quiet@example.com", {{"HELMET", 1, 12999}})).body["export"]["state"],
      "exported");
  json quiet = contact_of("quiet@example.com");
  ASSERT_FALSE(quiet.is_null());
  EXPECT_EQ(quiet["noEmail"], "true");
  EXPECT_EQ(quiet["noMail"], "true");
  EXPECT_EQ(quiet["noPhone"], "true");

  ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"customer_marketing", "consented"}}).status,
            200);
  ASSERT_EQ(
      Export(MakeOrder("M2", "yes@example.com", {{"HELMET", 1, 12999}})).body["export"]["state"],
      "exported");
  json yes = contact_of("yes@example.com");
  ASSERT_FALSE(yes.is_null());
  EXPECT_EQ(yes["noEmail"], "false");
  EXPECT_EQ(yes["noMail"], "false");
  EXPECT_EQ(yes["noPhone"], "false");
}

TEST_F(ExportEngine, R21APermanentRefusalNeedsAttentionThenRetryWorks) {
  // The merchant moves the register to the other shop in Lightspeed after spoke's settings
  // were saved: Lightspeed refuses a sale on it at shop 1.
  svc_.SimControl("PUT", "/rows/Register/1", {{"shopID", "2"}});
  svc_.StartEngine();
  Reply r = Export(MakeOrder("E1", "e@example.com", {{"HELMET", 1, 12999}}));
  ASSERT_EQ(r.body["export"]["state"], "needs_attention") << r.raw;
  EXPECT_NE(r.body["export"]["message"].get<std::string>().find("Lightspeed refused the sale"),
            std::string::npos)
      << r.raw;
  Reply listed = svc_.Get("/api/v1/exports?state=needs_attention");
  ASSERT_EQ(listed.body["exports"].size(), 1u);
  // One bad order never blocks the others: a second store keeps exporting meanwhile (below),
  // and this one goes through once the setting is fixed.
  ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"shop_id", "2"}}).status, 200);
  ASSERT_EQ(svc_.Post("/api/v1/orders/E1/export/retry").status, 202);
  EXPECT_EQ(svc_.WaitForExport("E1").body["export"]["state"], "exported");
}

TEST_F(ExportEngine, R1R2AnOrderThatBecomesUnbalancedWhileQueuedIsStoppedBeforeSending) {
  ASSERT_LT(svc_.Put("/api/v1/orders/U1", MakeOrder("U1", "u@example.com", {{"HELMET", 1, 12999}}))
                .status,
            300);
  ASSERT_EQ(svc_.Post("/api/v1/orders/U1/export").status, 202);
  ASSERT_EQ(svc_.Post("/api/v1/orders/U1/refunds",
                      {{"id", "rf"}, {"method", "Online Payments (Stripe)"}, {"amount", "10.00"}})
                .status,
            201);
  svc_.StartEngine();
  Reply r = svc_.WaitForExport("U1");
  EXPECT_EQ(r.body["export"]["state"], "needs_attention");
  EXPECT_EQ(r.body["export"]["message"], "Unbalanced: $10.00 due");
  EXPECT_EQ(Requests("POST Sale"), 0);
}

TEST_F(ExportEngine, R24RefundAfterExportRemindsToRefundInLightspeed) {
  svc_.StartEngine();
  ASSERT_EQ(
      Export(MakeOrder("R1", "r@example.com", {{"HELMET", 1, 12999}})).body["export"]["state"],
      "exported");
  Reply r = svc_.Post("/api/v1/orders/R1/refunds",
                      {{"id", "rf"}, {"method", "Online Payments (Stripe)"}, {"amount", "10.00"}});
  ASSERT_EQ(r.status, 201);
  ASSERT_EQ(r.body["notices"].size(), 1u);
  EXPECT_EQ(r.body["notices"][0], "Exported order: refund it in Lightspeed as well");
  EXPECT_EQ(r.body["export"]["state"], "exported") << "R25: the export record keeps what was sent";
}

TEST_F(ExportEngine, R23StatusChangesAfterExportDoNotTouchLightspeed) {
  svc_.StartEngine();
  ASSERT_EQ(
      Export(MakeOrder("R2", "r@example.com", {{"HELMET", 1, 12999}})).body["export"]["state"],
      "exported");
  const json before = Stats()["requests"];
  Reply r = svc_.Call("PATCH", "/api/v1/orders/R2", R"({"status":"completed"})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Stats()["requests"], before);
}

TEST_F(ExportEngine, R26AutomaticExportWhenPaidAndWhenFulfilled) {
  svc_.StartEngine();
  ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"auto_export", "when_paid"}}).status, 200);
  ASSERT_LT(svc_.Put("/api/v1/orders/W1", MakeOrder("W1", "w@example.com", {{"HELMET", 1, 12999}}))
                .status,
            300);
  EXPECT_EQ(svc_.WaitForExport("W1").body["export"]["state"], "exported");
  ASSERT_EQ(
      svc_.Put("/api/v1/settings/lightspeed", {{"auto_export", "when_paid_and_fulfilled"}}).status,
      200);
  ASSERT_LT(svc_.Put("/api/v1/orders/W2", MakeOrder("W2", "w@example.com", {{"HELMET", 1, 12999}}))
                .status,
            300);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(svc_.Get("/api/v1/orders/W2").body["export"]["state"], "not_exported")
      << "paid but not shipped yet";
  ASSERT_EQ(svc_.Call("PATCH", "/api/v1/orders/W2", R"({"status":"shipped"})").status, 200);
  EXPECT_EQ(svc_.WaitForExport("W2").body["export"]["state"], "exported");
}

}  // namespace

namespace {

TEST_F(ExportEngine, R27FrugalLookupsAreBatchedAndLinksSkipThem) {
  for (const char* n : {"L1", "L2", "L3"}) {
    ASSERT_LT(svc_.Put(std::string("/api/v1/orders/") + n,
                       MakeOrder(n, std::string(n) + "@example.com", {{"HELMET", 1, 12999}}))
                  .status,
              300);
  }
  ASSERT_EQ(svc_.Post("/api/v1/exports", {{"orders", {"L1", "L2", "L3"}}}).status, 200);
  svc_.StartEngine();
  for (const char* n : {"L1", "L2", "L3"})
    ASSERT_EQ(svc_.WaitForExport(n).body["export"]["state"], "exported");
  EXPECT_EQ(Requests("GET Customer"), 1) << "three new e-mails, one or= search";
  EXPECT_EQ(Requests("POST Customer"), 3);
  EXPECT_EQ(Requests("GET PaymentType"), 1) << "payment types listed once, then cached";
  // A known customer and a known item need no lookup at all.
  ASSERT_EQ(
      Export(MakeOrder("L4", "L1@example.com", {{"HELMET", 1, 12999}})).body["export"]["state"],
      "exported");
  EXPECT_EQ(Requests("GET Customer"), 1);
  EXPECT_EQ(Requests("GET Item"), 1) << "the helmet was looked up once, then linked";
}

TEST_F(ExportEngine, R17R27ATurnsUnlinkedItemsAreSearchedTogetherOneRequestPerCodeKey) {
  const json more[] = {
      {{"sku", "NEW-EAN"},
       {"description", "Bell"},
       {"source", "supplier_sync"},
       {"ean", "2100000000005"},
       {"price", "9.99"}},
      {{"sku", "NEW-SKU"}, {"description", "Spoke key"}, {"source", "site"}, {"price", "4.99"}}};
  for (const json& item : more)
    ASSERT_LT(svc_.Put("/api/v1/items/" + item["sku"].get<std::string>(), item).status, 300);
  const std::vector<std::pair<std::string, std::vector<LineSpec>>> orders = {
      {"B1", {{"HELMET", 1, 12999}, {"TREK-FX2", 1, 74999}}},
      {"B2", {{"NEW-EAN", 1, 999}}},
      {"B3", {{"NEW-SKU", 2, 499}, {"TREK-FX2", 1, 74999}}}};
  for (const auto& [n, lines] : orders)
    ASSERT_LT(svc_.Put("/api/v1/orders/" + n, MakeOrder(n, "items@example.com", lines)).status,
              300);
  ASSERT_EQ(svc_.Post("/api/v1/exports", {{"orders", {"B1", "B2", "B3"}}}).status, 200);
  svc_.StartEngine();
  for (const auto& [n, lines] : orders)
    ASSERT_EQ(svc_.WaitForExport(n).body["export"]["state"], "exported") << n;
  // Searched one by one that would be 7 requests: the helmet by UPC; the Trek by UPC,
  // manufacturer SKU and custom SKU; the bell by EAN and custom SKU; the spoke key by custom SKU.
  EXPECT_EQ(Requests("GET Item"), 4) << "one or= search per code key for the whole turn";
  EXPECT_EQ(Requests("POST Item"), 3) << "the helmet was found, the other three created once";
  for (const char* sku : {"TREK-FX2", "NEW-EAN", "NEW-SKU"}) {
    auto found = base::SyncWait(svc_.Lightspeed()->FindItems(lightspeed::ItemKey::kCustomSku, sku));
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->size(), 1u) << sku;
  }
  ExpectNoDuplicates();
}

}  // namespace
