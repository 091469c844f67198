// Catalog barcodes (issue 10, item 4): what a clerk types is accepted only if Lightspeed would be.
#include "shop/item_codes.h"

#include <gtest/gtest.h>

#include "base/text.h"
#include "shop/validate.h"

namespace shop {
namespace {

TEST(ItemCodesTest, CheckDigitsOfKnownCodes) {
  EXPECT_EQ(GtinCheckDigit("03600029145"), '2');   // UPC-A 036000291452
  EXPECT_EQ(GtinCheckDigit("400638133393"), '1');  // EAN-13 4006381333931
  EXPECT_EQ(GtinCheckDigit("9638507"), '4');       // EAN-8 96385074
  EXPECT_EQ(GtinCheckDigit("12a"), '\0');
  EXPECT_EQ(WithCheckDigit("73500000007"), "735000000070");
}

TEST(ItemCodesTest, R17UpcIsTwelveDigitsWithItsCheckDigit) {
  EXPECT_TRUE(ValidateUpc("036000291452").ok());
  EXPECT_TRUE(ValidateUpc("").ok());  // no code
  for (const char* bad : {"036000291453", "03600029145", "0360002914520", "01234565", "123456",
                          "03600029145X", " 036000291452", "12"}) {
    auto s = ValidateUpc(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().field, "upc");
    EXPECT_NE(s.error().message.find("12-digit UPC-A"), std::string::npos) << s.error().message;
  }
  EXPECT_NE(ValidateUpc("036000291453").error().message.find("should be 2"), std::string::npos);
  EXPECT_NE(ValidateUpc("03600029145").error().message.find("036000291452"), std::string::npos);
  EXPECT_NE(ValidateUpc("01234565")
                .error()
                .message.find("UPC-E code: send the UPC-A it stands "
                              "for, 012345000065"),
            std::string::npos)
      << ValidateUpc("01234565").error().message;
  // The other UPC-E patterns (by the last of the six digits), each with its UPC-A.
  EXPECT_NE(ValidateUpc("04252614").error().message.find("042100005264"), std::string::npos);
  EXPECT_NE(ValidateUpc("01234446").error().message.find("012340000046"), std::string::npos);
  EXPECT_NE(ValidateUpc("01234531").error().message.find("012300000451"), std::string::npos)
      << ValidateUpc("01234531").error().message;
  EXPECT_NE(ValidateUpc("01234568").error().message.find("UPC-E (short) codes"), std::string::npos)
      << "a wrong check digit is no UPC-E";
}

TEST(ItemCodesTest, R17EanIsThirteenOrEightDigitsWithItsCheckDigit) {
  EXPECT_TRUE(ValidateEan("4006381333931").ok());
  EXPECT_TRUE(ValidateEan("96385074").ok());
  for (const char* bad : {"4006381333932", "96385075", "036000291452", "400638133393", "4OO6"}) {
    auto s = ValidateEan(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().field, "ean");
    EXPECT_NE(s.error().message.find("EAN-13"), std::string::npos) << s.error().message;
  }
  EXPECT_NE(ValidateEan("036000291452").error().message.find("upc"), std::string::npos);
}

TEST(ItemCodesTest, R17CatalogItemWithABadCodeIsRefusedNamingTheField) {
  Item item{"HELMET", "Helmet"};
  item.upc = "735000000071";
  EXPECT_EQ(ValidateItem(item).error().field, "upc");
  item.upc = "735000000070";
  item.ean = "4000000000071";
  EXPECT_EQ(ValidateItem(item).error().field, "ean");
  item.ean = WithCheckDigit("400000000007");
  EXPECT_TRUE(ValidateItem(item).ok());
}

// M2: a long code was quoted in the refusal cut at 32 bytes, inside a character, and the
// refusal could then not be sent as JSON.
TEST(HostileInput, M2QuotedCodeIsNotCutInsideACharacter) {
  const std::string upc = std::string(31, '1') + "\xC3\xA9";
  auto s = ValidateUpc(upc);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(base::IsValidUtf8(s.error().message)) << s.error().message;
}

}  // namespace
}  // namespace shop
