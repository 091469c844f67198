// GET /api/v1/orders/{n}/export/preview (issue 14, item 8): what an export would send, from the
// planner, without a single Lightspeed request and without changing anything; then the export
// itself sends exactly that.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>

#include "tests/support/service.h"

namespace {

using testing_support::json;
using testing_support::Reply;
using testing_support::TestService;

// lsr-sim read over its own API with a sign-in of its own (authorization code), so what the
// test compares never went through spoke's client.
class SimReader {
 public:
  SimReader(TestService& svc) : http_(svc.simulator().BaseUrl()), account_(svc.account()) {
    auto a = http_.Get(("/auth/oauth/authorize?response_type=code&client_id=" + account_.client_id +
                        "&account_id=" + account_.account_id +
                        "&redirect_uri=http%3A%2F%2Flocalhost%2Fcb")
                           .c_str());
    if (!a || a->status != 302) return;
    const std::string location = a->get_header_value("Location");
    const size_t at = location.find("code=");
    if (at == std::string::npos) return;
    const std::string code = location.substr(at + 5, location.find('&', at) - at - 5);
    auto t =
        http_.Post("/auth/oauth/token", httplib::Params{{"grant_type", "authorization_code"},
                                                        {"code", code},
                                                        {"redirect_uri", "http://localhost/cb"},
                                                        {"client_id", account_.client_id},
                                                        {"client_secret", account_.client_secret}});
    if (t && t->status == 200) token_ = json::parse(t->body).value("access_token", "");
  }
  bool ok() const { return !token_.empty(); }
  // The records of `entity` matching `query` (one page is plenty here).
  std::vector<json> List(const std::string& entity, const std::string& query) {
    auto r = http_.Get(
        ("/API/V3/Account/" + account_.account_id + "/" + entity + ".json?limit=100" + query)
            .c_str(),
        httplib::Headers{{"Authorization", "Bearer " + token_}});
    std::vector<json> out;
    if (!r || r->status != 200) return out;
    const json j = json::parse(r->body, nullptr, false);
    if (!j.contains(entity)) return out;
    if (j[entity].is_array()) return j[entity].get<std::vector<json>>();
    out.push_back(j[entity]);
    return out;
  }

 private:
  httplib::Client http_;
  sim::AccountInfo account_;
  std::string token_;
};

// Lightspeed writes amounts as it likes ("25", "25.00"): compared in cents.
int64_t Cents(const json& amount) {
  return std::llround(std::stod(amount.get<std::string>()) * 100);
}

class ExportPreview : public ::testing::Test {
 protected:
  void SetUp() override {
    svc_.Connect();
    const json items[] = {{{"sku", "TREK-FX2"},
                           {"description", "Trek FX 2 Disc"},
                           {"source", "supplier_sync"},
                           {"upc", "601842123454"},
                           {"manufacturer_sku", "FX2-M-BK"},
                           {"price", "749.99"},
                           {"cost", "500.00"},
                           {"serialized", true}},
                          {{"sku", "HELMET"},
                           {"description", "Aero Road Helmet M"},
                           {"source", "supplier_sync"},
                           {"upc", "735000000070"},
                           {"price", "129.99"}},
                          {{"sku", "GC-50"},
                           {"description", "Gift card $50"},
                           {"kind", "gift_card"},
                           {"price", "50.00"}}};
    for (const json& item : items)
      ASSERT_LT(svc_.Put("/api/v1/items/" + item["sku"].get<std::string>(), item).status, 300);
  }

  // Jane buys a bike, two helmets and a gift card: 749.99 + 2 × 129.99 − 10.00 order discount
  // + 50.00 gift card + 25.00 shipping + 81.40 tax = 1,156.37, paid by card.
  json JaneOrder(const std::string& number) {
    return {
        {"number", number},
        {"placed_at", "2026-11-20T15:04:05Z"},
        {"customer",
         {{"email", "Jane.Cooper@Example.com"}, {"first_name", "Jane"}, {"last_name", "Cooper"}}},
        {"lines",
         {{{"sku", "TREK-FX2"},
           {"quantity", 1},
           {"unit_price", "749.99"},
           {"serial_numbers", {"WTU777"}}},
          {{"sku", "HELMET"}, {"quantity", 2}, {"unit_price", "129.99"}},
          {{"sku", "GC-50"}, {"quantity", 1}, {"unit_price", "50.00"}, {"taxable", false}}}},
        {"order_discount", "10.00"},
        {"shipping", {{"method", "UPS Ground"}, {"amount", "25.00"}}},
        {"tax", "81.40"},
        {"total", "1156.37"},
        {"payments",
         {{{"id", "p1"}, {"method", "Online Payments (Stripe)"}, {"amount", "1156.37"}}}}};
  }

  Reply Preview(const std::string& number) {
    return svc_.Get("/api/v1/orders/" + number + "/export/preview");
  }
  json Requests() { return svc_.SimControl("GET", "/stats")["requests"]; }
  std::map<std::string, std::string> Links(const std::string& kind) {
    auto links = svc_.db().GetLinks(svc_.store_id(), svc_.account().account_id, kind);
    EXPECT_TRUE(links.ok());
    return links.ok() ? *links : std::map<std::string, std::string>{};
  }

  TestService svc_;
};

TEST_F(ExportPreview, R6R7R8R9R11ShowsTheSaleThatIsThenSentWithoutTouchingLightspeed) {
  ASSERT_EQ(svc_.Put("/api/v1/orders/J1", JaneOrder("J1")).status, 201);
  svc_.SimControl("DELETE", "/stats");
  const json order_before = svc_.Get("/api/v1/orders/J1").body;

  Reply p = Preview("J1");
  ASSERT_EQ(p.status, 200) << p.raw;
  const json& v = p.body;
  EXPECT_EQ(v["exported"], false);
  EXPECT_EQ(v["exportable"]["ok"], true) << p.raw;
  EXPECT_TRUE(v["hold"].is_null()) << p.raw;
  EXPECT_EQ(v["reference"]["number"], "J1");
  EXPECT_EQ(v["reference"]["source"], "web");
  EXPECT_EQ(v["customer"]["name"], "Jane Cooper");
  EXPECT_EQ(v["customer"]["email"], "jane.cooper@example.com");
  EXPECT_TRUE(v["customer"]["id"].is_null()) << "new to spoke: found or created when exported";
  EXPECT_NE(v["customer"]["lookup"].get<std::string>().find("e-mail"), std::string::npos);
  ASSERT_EQ(v["lines"].size(), 2u) << "R8: the gift card is not a sale line";
  EXPECT_EQ(v["lines"][0]["sku"], "TREK-FX2");
  EXPECT_EQ(v["lines"][0]["description"], "Trek FX 2 Disc");
  EXPECT_EQ(v["lines"][0]["serial_numbers"], json::array({"WTU777"})) << "R19";
  EXPECT_TRUE(v["lines"][0]["item_id"].is_null());
  EXPECT_NE(v["lines"][0]["lookup"].get<std::string>().find("UPC 601842123454"), std::string::npos)
      << v["lines"][0]["lookup"];
  EXPECT_EQ(v["lines"][1]["quantity"], 2);
  EXPECT_EQ(v["lines"][1]["unit_price"], "129.99");
  ASSERT_EQ(v["not_sent"].size(), 1u);
  EXPECT_EQ(v["not_sent"][0]["sku"], "GC-50");
  EXPECT_EQ(v["not_sent"][0]["reason"], "gift card");
  ASSERT_EQ(v["charges"].size(), 2u);
  EXPECT_EQ(v["charges"][0]["note"], "Shipping: UPS Ground");
  EXPECT_EQ(v["charges"][1]["note"], "Sales tax (web order)");
  EXPECT_EQ(v["charges"][1]["amount"], "81.40");
  EXPECT_EQ(v["tax"]["mode"], "web");
  ASSERT_EQ(v["payments"].size(), 1u);
  EXPECT_EQ(v["payments"][0]["payment_type"], "Stripe") << "R12";
  EXPECT_EQ(v["payments"][0]["amount"], "1106.37") << "R11: less the gift card";
  EXPECT_EQ(v["expected_total"], "1106.37");
  EXPECT_EQ(v["web_total"], "1156.37");

  EXPECT_TRUE(Requests().empty()) << "not one Lightspeed request: " << Requests().dump();
  EXPECT_EQ(svc_.Get("/api/v1/orders/J1").body, order_before) << "the order is as it was";
  EXPECT_TRUE(Links("customer").empty() && Links("item").empty() && Links("payment_type").empty())
      << "nothing was looked up or remembered";
  EXPECT_EQ(svc_.Get("/api/v1/lightspeed/status").body["queue_length"], 0);

  // Now export it and compare with what Lightspeed holds.
  svc_.StartEngine();
  ASSERT_EQ(svc_.Post("/api/v1/orders/J1/export").status, 202);
  Reply done = svc_.WaitForExport("J1");
  ASSERT_EQ(done.body["export"]["state"], "exported") << done.raw;
  const std::string sale_id = done.body["export"]["sale_id"];
  SimReader ls(svc_);
  ASSERT_TRUE(ls.ok());
  const auto sales = ls.List(
      "Sale", "&saleID=" + sale_id + "&load_relations=%5B%22SaleLines%22%2C%22SalePayments%22%5D");
  ASSERT_EQ(sales.size(), 1u);
  EXPECT_EQ(Cents(sales[0]["calcTotal"]), Cents(v["expected_total"]));
  EXPECT_EQ(sales[0]["referenceNumber"], "J1");
  const auto many = [](const json& j) {
    return j.is_array() ? j.get<std::vector<json>>() : std::vector<json>{j};
  };
  const std::vector<json> lines = many(sales[0]["SaleLines"]["SaleLine"]);
  ASSERT_EQ(lines.size(), v["lines"].size() + v["charges"].size()) << sales[0].dump();
  for (size_t i = 0; i < v["lines"].size(); ++i) {
    EXPECT_EQ(lines[i]["unitQuantity"], std::to_string(v["lines"][i]["quantity"].get<int>()));
    EXPECT_EQ(Cents(lines[i]["unitPrice"]), Cents(v["lines"][i]["unit_price"]));
    EXPECT_EQ(Cents(lines[i]["discountAmount"]), Cents(v["lines"][i]["discount"]))
        << "R7: the order discount";
    EXPECT_NE(Cents(v["lines"][i]["discount"]), 0);
  }
  for (size_t i = 0; i < v["charges"].size(); ++i)
    EXPECT_EQ(Cents(lines[v["lines"].size() + i]["unitPrice"]), Cents(v["charges"][i]["amount"]));
  const std::vector<json> payments = many(sales[0]["SalePayments"]["SalePayment"]);
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(Cents(payments[0]["amount"]), Cents(v["payments"][0]["amount"]));

  // The timeline's "Sent:" names what was sent (issue 14, item 5).
  const std::string sent = done.body["export"]["timeline"].back()["sent"];
  for (const char* words :
       {"Sale J1 (web) for Jane Cooper (customer ",
        "), 2 lines — Trek FX 2 Disc ×1 @ $749.99 less $",
        "; Aero Road Helmet M ×2 @ $129.99 less $",
        " — Shipping: UPS Ground $25.00; Sales tax (web order) $81.40 — paid Stripe $1106.37 "
        "(payment type "})
    EXPECT_NE(sent.find(words), std::string::npos) << words << " not in: " << sent;

  // Exported: the preview says so and plans nothing (R1).
  Reply after = Preview("J1");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.body["exported"], true);
  EXPECT_EQ(after.body["sale_id"], sale_id);
  EXPECT_FALSE(after.body.contains("lines")) << after.raw;
  EXPECT_EQ(after.body["exportable"]["code"], "already_exported");

  // A second order of Jane's: what the export linked is now known, by id.
  ASSERT_EQ(svc_.Put("/api/v1/orders/J2", JaneOrder("J2")).status, 201);
  svc_.SimControl("DELETE", "/stats");
  Reply again = Preview("J2");
  EXPECT_EQ(again.body["customer"]["id"], sales[0]["customerID"]) << again.raw;
  EXPECT_TRUE(again.body["customer"]["lookup"].is_null());
  EXPECT_EQ(again.body["lines"][1]["item_id"], lines[1]["itemID"]);
  EXPECT_EQ(again.body["payments"][0]["payment_type_id"], payments[0]["paymentTypeID"]);
  EXPECT_TRUE(Requests().empty()) << Requests().dump();
}

TEST_F(ExportPreview, R2AnUnbalancedOrderSaysWhyItCannotBeExported) {
  json due = JaneOrder("U1");
  due["payments"][0]["amount"] = "1143.87";
  ASSERT_EQ(svc_.Put("/api/v1/orders/U1", due).status, 201);
  Reply p = Preview("U1");
  ASSERT_EQ(p.status, 200) << p.raw;
  EXPECT_EQ(p.body["exportable"]["ok"], false);
  EXPECT_EQ(p.body["exportable"]["code"], "unbalanced");
  EXPECT_EQ(p.body["exportable"]["message"], "Unbalanced: $12.50 due");
  EXPECT_EQ(p.body["hold"],
            "Payments do not add up: the Lightspeed sale would total $1106.37, "
            "but the payments less refunds and lines not sent come to $1093.87");
  EXPECT_EQ(p.body["lines"].size(), 2u) << "what it would send is still shown";
}

TEST_F(ExportPreview, R10InTaxModeLightspeedTheTaxAndTotalAreLightspeeds) {
  ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"tax_mode", "lightspeed"}}).status, 200);
  ASSERT_EQ(svc_.Put("/api/v1/orders/L1", JaneOrder("L1")).status, 201);
  svc_.SimControl("DELETE", "/stats");
  Reply p = Preview("L1");
  ASSERT_EQ(p.status, 200) << p.raw;
  EXPECT_EQ(p.body["tax"]["mode"], "lightspeed");
  EXPECT_EQ(p.body["tax"]["web_order_tax"], "81.40");
  EXPECT_NE(p.body["tax"]["how"].get<std::string>().find("Lightspeed adds the tax"),
            std::string::npos);
  ASSERT_EQ(p.body["charges"].size(), 1u) << "shipping only: no web tax line";
  EXPECT_TRUE(p.body["expected_total"].is_null()) << "Lightspeed's rates are not asked for";
  EXPECT_EQ(p.body["notes"][0],
            "The sale's total depends on Lightspeed's tax: $1106.37 (the web total less the lines "
            "not sent) if Lightspeed's tax comes to the web order's $81.40");
  EXPECT_TRUE(Requests().empty()) << Requests().dump();
  // Queued, it still shows what it will send.
  ASSERT_EQ(svc_.Post("/api/v1/orders/L1/export").status, 202);
  Reply queued = Preview("L1");
  EXPECT_EQ(queued.body["state"], "queued");
  EXPECT_EQ(queued.body["lines"].size(), 2u);
  EXPECT_EQ(queued.body["notes"][0], "On its way to Lightspeed: this is what it will send");
}

TEST_F(ExportPreview, R3NotConnectedStillPreviewsFromWhatSpokeKnows) {
  TestService fresh;  // never connected
  ASSERT_LT(fresh
                .Put("/api/v1/items/HELMET", {{"description", "Aero Road Helmet M"},
                                              {"source", "supplier_sync"},
                                              {"upc", "735000000070"},
                                              {"price", "129.99"}})
                .status,
            300);
  ASSERT_EQ(
      fresh.Put("/api/v1/orders/H1", testing_support::HelmetOrder("H1", "a@example.com")).status,
      201);
  Reply p = fresh.Get("/api/v1/orders/H1/export/preview");
  ASSERT_EQ(p.status, 200) << p.raw;
  EXPECT_EQ(p.body["exportable"]["message"], "Lightspeed is not connected");
  EXPECT_EQ(p.body["lines"].size(), 1u);
  EXPECT_EQ(p.body["expected_total"], "139.99");
}

TEST_F(ExportPreview, AnUnknownOrderIs404AndATokenIsNeeded) {
  Reply p = Preview("NOPE");
  EXPECT_EQ(p.status, 404) << p.raw;
  ASSERT_EQ(svc_.Put("/api/v1/orders/J1", JaneOrder("J1")).status, 201);
  EXPECT_EQ(svc_.Call("GET", "/api/v1/orders/J1/export/preview", "", "spk_wrong").status, 401);
}

}  // namespace
