// Wire format: envelopes, every scalar a string, one-or-many, "" relations, errors.
#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

class Wire : public SimTest {};

TEST_F(Wire, AccountJsonNamesTheTokensAccount) {
  Answer a = Call("GET", "/API/V3/Account.json", "", {{"Authorization", "Bearer " + token_}});
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body,
            R"({"@attributes":{"count":"1"},"Account":{"accountID":")" + account_ +
                R"(","name":"Spoke Cycles","link":{"@attributes":{"href":"/API/V3/Account/)" +
                account_ + R"("}}}})");
}

TEST_F(Wire, SingleReadIsAnEnvelopeOfStrings) {
  Answer a = Api("GET", "TaxCategory/1.json");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(
      a.body,
      R"({"@attributes":{"count":"1"},"TaxCategory":{"taxCategoryID":"1","isTaxInclusive":"false",)"
      R"("tax1Name":"Sales Tax","tax2Name":"","tax1Rate":"0.0825","tax2Rate":"0",)"
      R"("timeStamp":"2026-11-20T15:00:00+00:00"}})");
}

TEST_F(Wire, ListWithOneResultHoldsAnObjectManyAnArrayNoneNoKey) {
  Answer one = Api("GET", "Register.json?shopID=1");
  ASSERT_EQ(one.status, 200);
  EXPECT_TRUE(one.json["Register"].is_object()) << one.body;
  EXPECT_EQ(one.json["Register"]["registerID"], "1");
  EXPECT_EQ(one.json["@attributes"]["next"], "");
  EXPECT_EQ(one.json["@attributes"]["previous"], "");

  Answer customers = Api("GET", "Customer.json");
  ASSERT_TRUE(customers.json["Customer"].is_array());
  EXPECT_EQ(customers.json["Customer"].size(), 5u);  // the archived one is hidden

  Answer none = Api("GET", "Customer.json?firstName=Nobody");
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(none.body, R"({"@attributes":{"next":"","previous":""}})");
}

TEST_F(Wire, NestedRelationsAreOneOrManyOrEmptyString) {
  Answer one =
      Api("POST", "Sale.json", SaleBody({{{"itemID", 11}, {"unitQuantity", 1}}}, nullptr, false));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_TRUE(one.json["Sale"]["SaleLines"]["SaleLine"].is_object());
  EXPECT_EQ(one.json["Sale"]["SalePayments"], "");
  EXPECT_EQ(one.json["Sale"]["SaleNotes"], "");

  Answer two =
      Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}, {{"itemID", 12}}}, nullptr, false));
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_TRUE(two.json["Sale"]["SaleLines"]["SaleLine"].is_array());
  EXPECT_EQ(two.json["Sale"]["SaleLines"]["SaleLine"].size(), 2u);

  // Without load_relations a read carries no relations at all.
  Answer plain = Api("GET", "Sale/2.json");
  EXPECT_FALSE(plain.json["Sale"].contains("SaleLines"));
  Answer loaded = Api("GET", "Sale/2.json?load_relations=[\"SaleLines\",\"SalePayments\"]");
  EXPECT_TRUE(loaded.json["Sale"]["SaleLines"]["SaleLine"].is_array());
  EXPECT_EQ(loaded.json["Sale"]["SalePayments"], "");

  Answer edsger = Api("GET", "Customer/5.json?load_relations=[\"Contact\"]");
  ASSERT_EQ(edsger.status, 200);
  EXPECT_EQ(edsger.json["Customer"]["Contact"]["Phones"], "");
  EXPECT_EQ(edsger.json["Customer"]["Contact"]["Addresses"], "");
  EXPECT_TRUE(edsger.json["Customer"]["Contact"]["Emails"]["ContactEmail"].is_object());
}

TEST_F(Wire, RequestsMaySendNumbersAndBooleansAnswersAreStrings) {
  Answer a = Api("POST", "Item.json",
                 {{"description", "Spoke wrench"},
                  {"defaultCost", 2.5},
                  {"tax", false},
                  {"Prices", {{"ItemPrice", {{"amount", 7.1}, {"useType", "Default"}}}}}});
  ASSERT_EQ(a.status, 200) << a.body;
  const Json& item = a.json["Item"];
  EXPECT_EQ(item["defaultCost"], "2.5")
      << "amounts without trailing zeros, as Lightspeed writes them";
  EXPECT_EQ(item["tax"], "false");
  EXPECT_EQ(item["Prices"]["ItemPrice"][0]["amount"], "7.1");
  for (auto it = item.begin(); it != item.end(); ++it) {
    if (!it->is_object()) {
      EXPECT_TRUE(it->is_string()) << it.key();
    }
  }
}

TEST_F(Wire, CreatingAnItemMakesZeroStockRowsPerShopAndShopZero) {
  Answer a = Api("POST", "Item.json", {{"description", "Valve core"}});
  ASSERT_EQ(a.status, 200) << a.body;
  const Json& shops = a.json["Item"]["ItemShops"]["ItemShop"];
  ASSERT_TRUE(shops.is_array());
  ASSERT_EQ(shops.size(), 3u);  // the demo has two shops
  EXPECT_EQ(shops[0]["shopID"], "0");
  EXPECT_EQ(shops[1]["shopID"], "1");
  EXPECT_EQ(shops[2]["shopID"], "2");
  for (const auto& s : shops) EXPECT_EQ(s["qoh"], "0");
  EXPECT_EQ(Api("POST", "Item.json", {{"upc", "1"}}).status, 400);  // description is required
  EXPECT_EQ(Api("POST", "Item.json", {{"description", "x"}, {"itemType", "bogus"}}).status, 400);
}

// Found by fuzzing (fuzz/regressions/sim_request): a customer refused for its Phones still used
// up a contactID, and an item refused for its ItemShops an itemID and itemShopIDs.
TEST_F(Wire, RefusedCreatesUseUpNoIds) {
  auto customer = [&](const Json& phones) {
    Json body = {{"firstName", "Eve"}, {"Contact", {{"Phones", phones}}}};
    return Api("POST", "Customer.json", body);
  };
  Answer first = customer({{"ContactPhone", {{"number", "555-0100"}}}});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(customer({{"Con/actPhone", {{"number", "555-0100"}}}}).status, 400);
  Answer next = customer({{"ContactPhone", {{"number", "555-0101"}}}});
  ASSERT_EQ(next.status, 200) << next.body;
  auto id = [](const Json& j) { return std::stoll(j.get<std::string>()); };
  EXPECT_EQ(id(next.json["Customer"]["contactID"]), id(first.json["Customer"]["contactID"]) + 1);

  Answer item = Api("POST", "Item.json", {{"description", "Valve core"}});
  ASSERT_EQ(item.status, 200) << item.body;
  Json bad = {{"description", "Valve cap"}, {"ItemShops", {{"ItemShop", {{"shopID", "9"}}}}}};
  EXPECT_EQ(Api("POST", "Item.json", bad).status, 400);
  Answer after = Api("POST", "Item.json", {{"description", "Valve cap"}});
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(id(after.json["Item"]["itemID"]), id(item.json["Item"]["itemID"]) + 1);
  EXPECT_EQ(id(after.json["Item"]["ItemShops"]["ItemShop"][0]["itemShopID"]),
            id(item.json["Item"]["ItemShops"]["ItemShop"][2]["itemShopID"]) + 1);
}

// Seen in the sim_request fuzz corpus: a path that is not UTF-8 was answered with a generic
// "Bad request: [json.exception…]" 400, and from then on the account's stats (which count
// requests by entity name) could not be answered at all.
TEST_F(Wire, PathsThatAreNotUtf8GetTheirAnswerAndStatsStillWork) {
  Answer a = Api("GET", "Sa%FFle.json");
  EXPECT_EQ(a.status, 404) << a.body;
  EXPECT_EQ(a.json["errorClass"], "NotFoundException");
  Answer stats = Control("GET", "stats");
  EXPECT_EQ(stats.status, 200) << stats.body;
}

// Issue 10 item 10a: amounts come back as Lightspeed writes them, trailing zeros dropped
// ("1.5", "0", "20", "34.48": the completed sale in
// developers.lightspeedhq.com/retail/tutorials/sales/).
TEST_F(Wire, AmountsComeBackWithoutTrailingZeros) {
  Json body = SaleBody({{{"unitPrice", "20.00"}, {"tax", false}, {"Note", {{"note", "a"}}}},
                        {{"unitPrice", "1.50"}, {"tax", false}, {"Note", {{"note", "b"}}}},
                        {{"unitPrice", "12.98"}, {"tax", false}, {"Note", {{"note", "c"}}}}},
                       {{{"paymentTypeID", 5}, {"amount", "34.48"}}});
  Answer a = Api("POST", "Sale.json", body);
  ASSERT_EQ(a.status, 200) << a.body;
  const Json& s = a.json["Sale"];
  EXPECT_EQ(s["total"], "34.48");
  EXPECT_EQ(s["calcTax1"], "0");
  EXPECT_EQ(s["balance"], "0");
  EXPECT_EQ(s["change"], "0");
  EXPECT_EQ(s["SaleLines"]["SaleLine"][0]["unitPrice"], "20");
  EXPECT_EQ(s["SaleLines"]["SaleLine"][1]["unitPrice"], "1.5");
  EXPECT_EQ(s["SaleLines"]["SaleLine"][1]["calcTax1"], "0");
  EXPECT_EQ(s["SalePayments"]["SalePayment"]["amount"], "34.48");
  // Issue 10 item 10b: pricing rules are off unless a sale asks for them (Sales tutorial).
  EXPECT_EQ(s["enablePromotions"], "false");
  Answer item = Api("GET", "Item/31.json");
  EXPECT_EQ(item.json["Item"]["Prices"]["ItemPrice"][0]["amount"], "79");
  EXPECT_EQ(item.json["Item"]["defaultCost"], "0");
  // Filters still compare amounts as numbers, whichever way they are written.
  EXPECT_EQ(Api("GET", "Sale.json?total=34.480").json["Sale"]["saleID"], s["saleID"]);
}

TEST_F(Wire, NewCustomersDefaultToNoContactUnlessSentFalse) {
  Answer a =
      Api("POST", "Customer.json",
          {{"firstName", "Eve"},
           {"Contact",
            {{"noEmail", "false"},
             {"Emails", {{"ContactEmail", {{"address", "eve@x.com"}, {"useType", "Primary"}}}}}}}});
  ASSERT_EQ(a.status, 200) << a.body;
  const Json& c = a.json["Customer"]["Contact"];
  EXPECT_EQ(c["noEmail"], "false");
  EXPECT_EQ(c["noPhone"], "true");
  EXPECT_EQ(c["noMail"], "true");
  EXPECT_EQ(c["Emails"]["ContactEmail"]["address"], "eve@x.com");
  EXPECT_EQ(a.json["Customer"]["createTime"], "2026-11-20T15:00:00+00:00");
}

TEST_F(Wire, ReservedPaymentTypesExistAndPostCreatesUserDefined) {
  Answer cash = Api("GET", "PaymentType/1.json");
  EXPECT_EQ(cash.json["PaymentType"]["name"], "Cash");
  EXPECT_EQ(cash.json["PaymentType"]["type"], "cash");
  EXPECT_EQ(cash.json["PaymentType"]["internalReserved"], "true");
  Answer all = Api("GET", "PaymentType.json");
  ASSERT_EQ(all.json["PaymentType"].size(), 6u);
  std::vector<std::string> types;
  for (const auto& p : all.json["PaymentType"]) types.push_back(p["type"]);
  // Issue 10 item 10c: the reserved adjustment type is in every account too.
  EXPECT_EQ(types, (std::vector<std::string>{"cash", "credit card", "gift card", "credit account",
                                             "ecom", "adjustment"}));
  EXPECT_EQ(all.json["PaymentType"][5]["internalReserved"], "true");
  Answer stripe = Api("POST", "PaymentType.json", {{"name", "Stripe"}, {"type", "cash"}});
  ASSERT_EQ(stripe.status, 200);
  EXPECT_EQ(stripe.json["PaymentType"]["paymentTypeID"], "7");
  EXPECT_EQ(stripe.json["PaymentType"]["type"], "user defined");
  EXPECT_EQ(stripe.json["PaymentType"]["internalReserved"], "false");
  EXPECT_EQ(Api("DELETE", "PaymentType/1.json").status, 400);
}

TEST_F(Wire, SerializedRecordsLinkItemAndCustomer) {
  Answer a = Api("POST", "Serialized.json",
                 {{"serial", "WTU123"}, {"itemID", 1}, {"customerID", 1}, {"saleLineID", 0}});
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Serialized"]["serial"], "WTU123");
  EXPECT_EQ(a.json["Serialized"]["itemID"], "1");
  EXPECT_EQ(Api("POST", "Serialized.json", {{"serial", "X"}, {"itemID", 999}}).status, 400);
  Answer found = Api("GET", "Serialized.json?serial=WTU123");
  EXPECT_EQ(found.json["Serialized"]["serializedID"], a.json["Serialized"]["serializedID"]);
}

TEST_F(Wire, ErrorsHaveTheLightspeedShape) {
  Answer missing = Api("GET", "Sale/999.json");
  ASSERT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json["httpCode"], "404");
  EXPECT_EQ(missing.json["httpMessage"], "Not Found");
  EXPECT_TRUE(missing.json["message"].is_string());
  EXPECT_TRUE(missing.json["errorClass"].is_string());
  EXPECT_FALSE(missing.Header("X-LS-API-Bucket-Level").empty());  // headers on errors too
  Answer bad = Api("POST", "Sale.json", Json{{"shopID", 1}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json["httpCode"], "400");
  EXPECT_EQ(bad.json["httpMessage"], "Bad Request");
}

TEST_F(Wire, JsonNeedsSuffixOrAcceptHeader) {
  const std::string path = "/API/V3/Account/" + account_ + "/Shop/1";
  Answer accept = Call("GET", path, "",
                       {{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}});
  EXPECT_EQ(accept.status, 200);
  EXPECT_EQ(accept.json["Shop"]["shopID"], "1");
  Answer neither = Call("GET", path, "", {{"Authorization", "Bearer " + token_}});
  EXPECT_EQ(neither.status, 406);
}

TEST_F(Wire, DeleteArchivesAndArchivedFilterSelects) {
  Answer del = Api("DELETE", "Customer/1.json");
  ASSERT_EQ(del.status, 200);
  EXPECT_EQ(del.json["Customer"]["archived"], "true");
  EXPECT_EQ(Api("GET", "Customer.json").json["Customer"].size(), 4u);
  EXPECT_EQ(Api("GET", "Customer.json?archived=true").json["Customer"].size(), 6u);
  EXPECT_EQ(Api("GET", "Customer.json?archived=only").json["Customer"].size(), 2u);
  EXPECT_EQ(Api("GET", "Customer/1.json").status, 200);  // archived records stay readable by id
}

}  // namespace
}  // namespace sim::testing
