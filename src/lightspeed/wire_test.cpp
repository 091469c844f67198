#include "lightspeed/wire.h"

#include <gtest/gtest.h>

namespace lightspeed::wire {
namespace {

TEST(Wire, OneOrManyAtAnyLevel) {
  json one = json::parse(
      R"({"Sale":{"saleID":"7","SaleLines":{"SaleLine":{"saleLineID":"1","itemID":"9"}}}})");
  json many = json::parse(
      R"({"Sale":[{"saleID":"7","SaleLines":{"SaleLine":[{"saleLineID":"1"},{"saleLineID":"2"}]}},{"saleID":"8","SaleLines":""}]})");
  json none = json::parse(R"({"@attributes":{"count":"0"}})");
  ASSERT_EQ(Many(one, "Sale").size(), 1u);
  EXPECT_EQ(DecodeSale(*Many(one, "Sale")[0]).lines.size(), 1u);
  EXPECT_EQ(DecodeSale(*Many(one, "Sale")[0]).lines[0].item_id, "9");
  auto sales = Many(many, "Sale");
  ASSERT_EQ(sales.size(), 2u);
  EXPECT_EQ(DecodeSale(*sales[0]).lines.size(), 2u);
  EXPECT_TRUE(DecodeSale(*sales[1]).lines.empty()) << "\"\" is an empty relation";
  EXPECT_TRUE(Many(none, "Sale").empty()) << "no entity key when nothing matched";
}

TEST(Wire, ScalarsAreStringsButNumbersAreTolerated) {
  json j = json::parse(R"({"a":"277","b":277,"c":true,"d":"true","e":null,"f":"0"})");
  EXPECT_EQ(Str(j, "a"), "277");
  EXPECT_EQ(Str(j, "b"), "277");
  EXPECT_EQ(Str(j, "c"), "true");
  EXPECT_TRUE(Bool(j, "d"));
  EXPECT_EQ(Str(j, "e"), "");
  EXPECT_EQ(Str(j, "missing"), "");
  EXPECT_FALSE(Bool(j, "f"));
}

TEST(Wire, CustomerEmailsOneOrMany) {
  json one = json::parse(
      R"({"customerID":"3","archived":"false","Contact":{"Emails":{"ContactEmail":{"address":"a@x.com"}}}})");
  json many = json::parse(
      R"({"customerID":"4","archived":"true","Contact":{"Emails":{"ContactEmail":[{"address":"a@x.com"},{"address":"b@x.com"}]}}})");
  json empty = json::parse(R"({"customerID":"5","Contact":{"Emails":""}})");
  EXPECT_EQ(DecodeCustomer(one).emails, std::vector<std::string>{"a@x.com"});
  EXPECT_EQ(DecodeCustomer(many).emails.size(), 2u);
  EXPECT_TRUE(DecodeCustomer(many).archived);
  EXPECT_TRUE(DecodeCustomer(empty).emails.empty());
}

TEST(Wire, ErrorBodiesInAnyDress) {
  EXPECT_EQ(ErrorMessage(
                R"({"httpCode":"400","message":"Cannot complete an out of balance sale."})", 400),
            "Cannot complete an out of balance sale.");
  EXPECT_EQ(
      ErrorMessage(
          R"({"error":"invalid_grant","error_description":"The refresh token is invalid."})", 400),
      "The refresh token is invalid.");
  EXPECT_EQ(ErrorMessage("<html><body>Bad Gateway</body></html>", 502),
            "Lightspeed answered HTTP 502");
  EXPECT_EQ(ErrorMessage("", 500), "Lightspeed answered HTTP 500");
}

// Found with the lightspeed_wire target's check (fuzz/regressions/lightspeed_wire): a number
// past 2^63 read as "-1".
TEST(Wire, NumbersReadAsWritten) {
  const json j = json::parse(R"({"a":18446744073709551615,"b":-7,"c":2.5,"d":277})");
  EXPECT_EQ(Str(j, "a"), "18446744073709551615");
  EXPECT_EQ(Str(j, "b"), "-7");
  EXPECT_EQ(Str(j, "c"), "2.5");
  EXPECT_EQ(Str(j, "d"), "277");
}

// Found by fuzzing (fuzz/regressions/lightspeed_wire): a plain-text error with bytes that are not
// UTF-8 made a message our JSON answers could not carry (the order's page then failed).
TEST(Wire, PlainTextErrorsBecomeValidUtf8) {
  EXPECT_EQ(ErrorMessage("caf\xe9 closed", 503), "caf\xef\xbf\xbd closed");  // U+FFFD
  // 199 bytes, then a two-byte character across the 200-byte cut: it is left out, not split.
  const std::string body = std::string(199, 'a') + "\xc3\xa9 more";
  const std::string m = ErrorMessage(body, 503);
  EXPECT_EQ(m, std::string(199, 'a'));
  EXPECT_NO_THROW(json(ErrorMessage("\x80\xff{\"error\"", 400)).dump());
  EXPECT_EQ(Utf8Text("api-leaky-\xff", 64), "api-leaky-\xef\xbf\xbd");
}

// M2: Lightspeed's own error text (a JSON message) is kept within bounds and never split.
TEST(HostileInput, M2LongJsonErrorMessagesAreCutBetweenCharacters) {
  std::string m;
  for (int i = 0; i < 400; ++i) m += "\xC3\xA9";  // 800 bytes of "é"
  const std::string got = ErrorMessage(json({{"message", m}}).dump(), 400);
  EXPECT_EQ(got, m.substr(0, 500));
  EXPECT_NO_THROW(json(ErrorMessage(json({{"message", "a" + m}}).dump(), 400)).dump());
}

TEST(Wire, SaleEncodingSendsStringsAndMiscCharges) {
  NewSale s;
  s.shop_id = "1";
  s.register_id = "1";
  s.employee_id = "1";
  s.reference_number = "10023";
  s.reference_source = "web";
  s.lines.push_back({"0", 1, base::Money::FromCents(2500), {}, false, "Shipping: UPS Ground"});
  s.payments.push_back({"7", base::Money::FromCents(2500)});
  json j = EncodeSale(s);
  EXPECT_EQ(j["completed"], "true");
  EXPECT_EQ(j["SaleLines"]["SaleLine"][0]["unitPrice"], "25.00");
  EXPECT_EQ(j["SaleLines"]["SaleLine"][0]["Note"]["note"], "Shipping: UPS Ground");
  EXPECT_EQ(j["SaleLines"]["SaleLine"][0]["tax"], "false");
  EXPECT_EQ(j["customerID"], "0");
  EXPECT_EQ(j["enablePromotions"], "false") << "pricing rules never rewrite a web sale";
}

TEST(Wire, NewCustomersAreOptedOutOfMarketingUnlessTheStoreHasConsent) {
  NewCustomer c;
  c.email = "ann@example.com";
  json j = EncodeCustomer(c);
  for (const char* flag : {"noEmail", "noMail", "noPhone"})
    EXPECT_EQ(j["Contact"][flag], "true") << flag;
  c.marketing_consent = true;
  j = EncodeCustomer(c);
  for (const char* flag : {"noEmail", "noMail", "noPhone"})
    EXPECT_EQ(j["Contact"][flag], "false") << flag;
}

// R10: the rates a tax category sets for tax classes, one or many, and the tax facts of items and
// customers; a taxed line names its class when spoke knows it.
TEST(Wire, TaxClassesOfCategoriesItemsCustomersAndLines) {
  const json one = json::parse(R"({"taxCategoryID":"1","tax1Name":"Sales Tax","tax1Rate":"0.05",
    "tax2Rate":"0.09975","isTaxInclusive":"false","TaxCategoryClasses":{"TaxCategoryClass":
    {"taxCategoryClassID":"4","tax1Rate":"0.05","tax2Rate":"0","taxCategoryID":"1","taxClassID":"4"}}})");
  const TaxCategory c = DecodeTaxCategory(one);
  ASSERT_EQ(c.classes.size(), 1u);
  EXPECT_EQ(c.classes[0].tax_class_id, "4");
  EXPECT_EQ(c.classes[0].rate1, "0.05");
  EXPECT_EQ(c.classes[0].rate2, "0");
  EXPECT_TRUE(DecodeTaxCategory(json::parse(R"({"taxCategoryID":"2","isTaxInclusive":"true",
    "TaxCategoryClasses":""})"))
                  .inclusive);
  EXPECT_EQ(DecodeItem(json::parse(R"({"itemID":"7","taxClassID":"3"})")).tax_class_id, "3");
  EXPECT_EQ(
      DecodeCustomer(json::parse(R"({"customerID":"1","taxCategoryID":"2"})")).tax_category_id,
      "2");
  NewSale s;
  s.lines.push_back({"7", 1, base::Money::FromCents(12999), {}, true, "", "3"});
  s.lines.push_back({"0", 1, base::Money::FromCents(1000), {}, false, "Shipping"});
  const json j = EncodeSale(s);
  EXPECT_EQ(j["SaleLines"]["SaleLine"][0]["taxClassID"], "3");
  EXPECT_FALSE(j["SaleLines"]["SaleLine"][1].contains("taxClassID"));
}

}  // namespace
}  // namespace lightspeed::wire
