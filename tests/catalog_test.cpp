// Issue 10, items 4-6: barcodes, archived items, serial numbers in stock and serialized items, as
// real Lightspeed has them, end to end over HTTP against lsr-sim.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/service.h"

namespace {

using testing_support::json;
using testing_support::Reply;
using testing_support::TestService;

class Catalog : public ::testing::Test {
 protected:
  void SetUp() override {
    svc_.Connect();
    svc_.StartEngine();
  }
  Reply Export(const json& order) {
    const std::string n = order["number"];
    Reply put = svc_.Put("/api/v1/orders/" + n, order);
    EXPECT_LT(put.status, 300) << put.raw;
    Reply q = svc_.Post("/api/v1/orders/" + n + "/export");
    EXPECT_EQ(q.status, 202) << q.raw;
    return svc_.WaitForExport(n, 30);
  }
  lightspeed::Sale SaleFor(const std::string& number) {
    auto sales = base::SyncWait(svc_.Lightspeed()->FindSales(number, "web"));
    EXPECT_TRUE(sales.ok() && sales->size() == 1u);
    return sales.ok() && !sales->empty() ? (*sales)[0] : lightspeed::Sale{};
  }
  int Requests(const std::string& key) {
    return svc_.SimControl("GET", "/stats")["requests"].value(key, 0);
  }
  TestService svc_;
};

TEST_F(Catalog, R17ItemIntakeRefusesAMalformedCodeNamingTheFieldAndStoresNothing) {
  json item = testing_support::HelmetItem();
  item["upc"] = "735000000071";  // a typing error: the check digit is 0
  Reply r = svc_.Put("/api/v1/items/HELMET", item);
  ASSERT_EQ(r.status, 422) << r.raw;
  EXPECT_EQ(r.body["error"]["field"], "upc");
  const std::string message = r.body["error"]["message"];
  EXPECT_NE(message.find("12-digit UPC-A"), std::string::npos) << message;
  EXPECT_NE(message.find("should be 0"), std::string::npos) << message;
  item["upc"] = "735000000070";
  item["ean"] = "4000000000070";
  r = svc_.Put("/api/v1/items/HELMET", item);
  ASSERT_EQ(r.status, 422) << r.raw;
  EXPECT_EQ(r.body["error"]["field"], "ean");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("EAN-8"), std::string::npos);
  EXPECT_EQ(svc_.Get("/api/v1/items/HELMET").status, 404) << "nothing stored half-written";
  item["ean"] = "4000000000075";
  EXPECT_EQ(svc_.Put("/api/v1/items/HELMET", item).status, 201);
}

TEST_F(Catalog, R17AnItemLightspeedHasOnlyArchivedIsSoldAsItIsNotCreatedAgain) {
  // The merchant archived the helmet (item 7) in Lightspeed; the web store still sells it. Its
  // UPC stays taken in Lightspeed, so creating a new item for it would be refused.
  ASSERT_EQ(svc_.SimControl("DELETE", "/rows/Item/7")["archived"], "true");
  ASSERT_EQ(svc_.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 201);
  Reply r = Export(testing_support::HelmetOrder("A1", "a1@example.com"));
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  EXPECT_EQ(SaleFor("A1").lines[0].item_id, "7");
  EXPECT_EQ(Requests("POST Item"), 0) << "no second item for the UPC";
  const std::string message = r.body["export"]["timeline"].back()["message"];
  EXPECT_NE(message.find("Lightspeed item 7, which is archived"), std::string::npos) << message;
  auto items =
      base::SyncWait(svc_.Lightspeed()->FindItems(lightspeed::ItemKey::kUpc, "735000000070"));
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_TRUE((*items)[0].archived) << "the merchant's catalog is left as it was";
}

TEST_F(Catalog, R17WhenLightspeedRefusesANewItemForATakenCodeTheHolderIsLinkedNotRetried) {
  // A clerk adds the gloves at the till while spoke's create is on its way: spoke's search found
  // nothing, its create arrives second and is refused for the UPC.
  ASSERT_EQ(svc_.Put("/api/v1/items/GLOVES", {{"description", "Gloves M"},
                                              {"source", "supplier_sync"},
                                              {"upc", "840000000019"},
                                              {"price", "129.99"}})
                .status,
            201);
  svc_.SimControl(
      "POST", "/faults",
      json::array(
          {{{"method", "POST"}, {"path", "Item"}, {"action", "delay"}, {"delay_ms", 4000}}}));
  json order = testing_support::HelmetOrder("G1", "g1@example.com");
  order["lines"][0]["sku"] = "GLOVES";
  Reply put = svc_.Put("/api/v1/orders/G1", order);
  ASSERT_EQ(put.status, 201) << put.raw;
  ASSERT_EQ(svc_.Post("/api/v1/orders/G1/export").status, 202);
  for (int i = 0; i < 1000 && Requests("POST Item") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(Requests("POST Item"), 1) << "spoke's create is held in lsr-sim";
  lightspeed::NewItem at_the_till;
  at_the_till.description = "Gloves M (till)";
  at_the_till.upc = "840000000019";
  at_the_till.default_price = base::Money::FromCents(12999);
  auto till = base::SyncWait(svc_.Lightspeed()->CreateItem(at_the_till));
  ASSERT_TRUE(till.ok()) << till.error().message;
  Reply r = svc_.WaitForExport("G1", 30);
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  EXPECT_EQ(SaleFor("G1").lines[0].item_id, till->id);
  EXPECT_EQ(Requests("POST Item"), 2) << "spoke's refused create and the till's; no retry";
  auto items =
      base::SyncWait(svc_.Lightspeed()->FindItems(lightspeed::ItemKey::kUpc, "840000000019"));
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(items->size(), 1u);
  const std::string message = r.body["export"]["timeline"].back()["message"];
  EXPECT_NE(message.find("Lightspeed refused a new item"), std::string::npos) << message;
}

TEST_F(Catalog, R19ASerialReceivedIntoStockIsLinkedToTheSaleNotCreatedAgain) {
  // lsr-sim's demo seed received WTU4710 into stock for the Trailhead 29 (item 1).
  ASSERT_EQ(svc_.Put("/api/v1/items/BIKE", {{"description", "Trailhead 29 Mountain Bike"},
                                            {"source", "pos_sync"},
                                            {"lightspeed_item_id", "1"},
                                            {"price", "899.99"},
                                            {"serialized", true}})
                .status,
            201);
  json order = testing_support::HelmetOrder("B1", "rider@example.com", "Cash");
  order["lines"] = {{{"sku", "BIKE"},
                     {"quantity", 1},
                     {"unit_price", "899.99"},
                     {"serial_numbers", {"WTU4710"}}}};
  order["total"] = "909.99";
  order["payments"][0]["amount"] = "909.99";
  Reply r = Export(order);
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  const lightspeed::Sale sale = SaleFor("B1");
  ASSERT_EQ(sale.lines.size(), 2u);  // the bike and the shipping
  auto serials = base::SyncWait(svc_.Lightspeed()->FindSerialized("WTU4710"));
  ASSERT_TRUE(serials.ok());
  ASSERT_EQ(serials->size(), 1u) << "one record for the serial number";
  EXPECT_EQ((*serials)[0].item_id, "1");
  EXPECT_EQ((*serials)[0].sale_line_id, sale.lines[0].id);
  EXPECT_EQ((*serials)[0].customer_id, sale.customer_id);
  EXPECT_NE(sale.customer_id, "0");
  EXPECT_EQ(Requests("POST Serialized"), 0);
  const std::string message = r.body["export"]["timeline"].back()["message"];
  EXPECT_NE(message.find("serial WTU4710 was in stock"), std::string::npos) << message;
}

TEST_F(Catalog, R19R20ALostAnswerToTheSerialUpdateIsSearchedNotWrittenAgain) {
  ASSERT_EQ(svc_.Put("/api/v1/items/BIKE", {{"description", "Roadster Carbon Road Bike"},
                                            {"source", "pos_sync"},
                                            {"lightspeed_item_id", "2"},
                                            {"price", "2499.00"},
                                            {"serialized", true}})
                .status,
            201);
  // The update of WTU4717 (received into stock for item 2) lands, but its answer is lost.
  svc_.SimControl(
      "POST", "/faults",
      json::array({{{"method", "PUT"}, {"path", "Serialized"}, {"action", "drop_after_commit"}}}));
  json order = testing_support::HelmetOrder("B2", "roadie@example.com", "Cash");
  order["lines"] = {{{"sku", "BIKE"},
                     {"quantity", 1},
                     {"unit_price", "2499.00"},
                     {"serial_numbers", {"WTU4717"}}}};
  order["total"] = "2509.00";
  order["payments"][0]["amount"] = "2509.00";
  Reply r = Export(order);
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  const lightspeed::Sale sale = SaleFor("B2");
  auto serials = base::SyncWait(svc_.Lightspeed()->FindSerialized("WTU4717"));
  ASSERT_TRUE(serials.ok());
  ASSERT_EQ(serials->size(), 1u);
  EXPECT_EQ((*serials)[0].sale_line_id, sale.lines[0].id);
  EXPECT_EQ((*serials)[0].customer_id, sale.customer_id);
  EXPECT_EQ(Requests("PUT Serialized"), 1) << "found already linked, not written again";
  EXPECT_EQ(Requests("POST Serialized"), 0);
  EXPECT_EQ(Requests("POST Sale"), 1);
}

TEST_F(Catalog, R17R19ANewSerializedItemIsADefaultItemWithSerializedTrue) {
  ASSERT_EQ(svc_.Put("/api/v1/items/TREK-FX2-M-BLK", testing_support::BikeItem()).status, 201);
  Reply r = Export(testing_support::PaidOrder("N1"));
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  auto items =
      base::SyncWait(svc_.Lightspeed()->FindItems(lightspeed::ItemKey::kUpc, "601842123454"));
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].item_type, "default");
  EXPECT_TRUE((*items)[0].serialized);
  auto serials = base::SyncWait(svc_.Lightspeed()->FindSerialized("WTU123X4567"));
  ASSERT_TRUE(serials.ok());
  ASSERT_EQ(serials->size(), 1u);
  EXPECT_EQ((*serials)[0].item_id, (*items)[0].id);
}

}  // namespace
