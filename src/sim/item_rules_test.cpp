// Issue 10, items 4-6: barcodes and serial numbers as real Lightspeed checks them.
#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

class ItemRules : public SimTest {
 protected:
  Json NewItem(const std::string& description) {
    return {{"description", description},
            {"Prices", {{"ItemPrice", {{"amount", "10.00"}, {"useType", "Default"}}}}}};
  }
  void ExpectRefused(const Answer& a, const std::string& words) {
    ASSERT_EQ(a.status, 400) << a.body;
    EXPECT_EQ(a.json["httpCode"], "400");
    EXPECT_EQ(a.json["httpMessage"], "Bad Request");
    EXPECT_EQ(a.json["errorClass"], "InvalidArgumentException");
    EXPECT_NE(a.json.value("message", "").find(words), std::string::npos) << a.body;
  }
  size_t Rows(const std::string& entity) {
    return SimTest::Control("GET", "rows/" + entity).json[entity].size();
  }
};

TEST_F(ItemRules, MalformedUpcOrEanIsRefusedAndNothingIsSaved) {
  const size_t before = Rows("Item");
  Json bad_upc = NewItem("Bell");
  bad_upc["upc"] = "735000000071";  // check digit should be 0
  ExpectRefused(Api("POST", "Item.json", bad_upc), "Invalid UPC 735000000071");
  Json short_upc = NewItem("Bell");
  short_upc["upc"] = "73500000007";
  ExpectRefused(Api("POST", "Item.json", short_upc), "Invalid UPC");
  Json bad_ean = NewItem("Bell");
  bad_ean["ean"] = "4000000000076";
  ExpectRefused(Api("POST", "Item.json", bad_ean), "Invalid EAN 4000000000076");
  EXPECT_EQ(Rows("Item"), before);
  Json good = NewItem("Bell");
  good["upc"] = "036000291452";
  good["ean"] = "96385074";  // EAN-8
  EXPECT_EQ(Api("POST", "Item.json", good).status, 200);
  ExpectRefused(Api("PUT", "Item/1.json", {{"upc", "123"}}), "Invalid UPC 123");
}

TEST_F(ItemRules, CodesAreUniqueInTheAccountArchivedItemsIncluded) {
  ASSERT_EQ(Api("DELETE", "Item/7.json").status, 200);  // archived: its codes stay taken
  const Answer seven = Api("GET", "Item/7.json");
  for (const char* field : {"upc", "ean", "customSku"}) {
    Json copy = NewItem("Helmet copy");
    copy[field] = seven.json["Item"][field];
    ExpectRefused(Api("POST", "Item.json", copy), "is already used by item 7");
    ExpectRefused(Api("PUT", "Item/8.json", {{field, seven.json["Item"][field]}}),
                  "is already used by item 7");
  }
  // Case does not make a custom SKU new; an item may keep its own codes on update.
  Json lower = NewItem("Helmet copy");
  lower["customSku"] = "sc-0007";
  ExpectRefused(Api("POST", "Item.json", lower), "already used");
  EXPECT_EQ(
      Api("PUT", "Item/8.json", {{"upc", Api("GET", "Item/8.json").json["Item"]["upc"]}}).status,
      200);
}

TEST_F(ItemRules, SerializedItemsAreDefaultTypeWithSerializedTrue) {
  const Answer bike = Api("GET", "Item/1.json");
  EXPECT_EQ(bike.json["Item"]["itemType"], "default");
  EXPECT_EQ(bike.json["Item"]["serialized"], "true");
  Json old_style = NewItem("E-bike");
  old_style["itemType"] = "serialized";
  ExpectRefused(Api("POST", "Item.json", old_style), "Invalid itemType serialized");
  Json today = NewItem("E-bike");
  today["itemType"] = "default";
  today["serialized"] = true;
  Answer made = Api("POST", "Item.json", today);
  ASSERT_EQ(made.status, 200) << made.body;
  EXPECT_EQ(made.json["Item"]["serialized"], "true");
}

TEST_F(ItemRules, ASerialNumberIsUniqueAndUpdatedInPlace) {
  // The demo seed has bikes' serial numbers in stock: no customer, no sale line yet.
  Answer stock = Api("GET", "Serialized.json?serial=WTU4710");
  ASSERT_EQ(stock.status, 200);
  EXPECT_EQ(stock.json["Serialized"]["itemID"], "1");
  EXPECT_EQ(stock.json["Serialized"]["saleLineID"], "0");
  const std::string id = stock.json["Serialized"]["serializedID"];
  ExpectRefused(Api("POST", "Serialized.json", {{"serial", "WTU4710"}, {"itemID", 1}}),
                "Serial number WTU4710 is already in use");
  ExpectRefused(Api("POST", "Serialized.json", {{"serial", "wtu4710"}, {"itemID", 1}}),
                "already in use");
  Answer sold = Api("PUT", "Serialized/" + id + ".json", {{"customerID", 1}, {"saleLineID", 5}});
  ASSERT_EQ(sold.status, 200) << sold.body;
  EXPECT_EQ(sold.json["Serialized"]["customerID"], "1");
  EXPECT_EQ(sold.json["Serialized"]["saleLineID"], "5");
  EXPECT_EQ(sold.json["Serialized"]["serial"], "WTU4710");
  ExpectRefused(Api("PUT", "Serialized/" + id + ".json", {{"serial", "WTU4717"}}),
                "already in use");
  EXPECT_EQ(Api("PUT", "Serialized/" + id + ".json", {{"customerID", 999}}).status, 400);
}

TEST_F(ItemRules, TheControlPlaneArchivesARowAsAMerchantWould) {
  Answer archived = SimTest::Control("DELETE", "rows/Item/7");
  ASSERT_EQ(archived.status, 200) << archived.body;
  EXPECT_EQ(archived.json["archived"], "true");
  EXPECT_FALSE(Api("GET", "Item.json?upc=735000000070").json.contains("Item"));
  EXPECT_EQ(Api("GET", "Item.json?upc=735000000070&archived=true").json["Item"]["itemID"], "7");
  EXPECT_EQ(SimTest::Control("DELETE", "rows/Item/999").status, 404);
  EXPECT_EQ(SimTest::Control("DELETE", "rows/Nope/1").status, 404);
}

}  // namespace
}  // namespace sim::testing
