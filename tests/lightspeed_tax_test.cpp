// R10 in tax mode `lightspeed` against lsr-sim's tax model, end to end: a tax class taxed at its
// own rate, a customer's own sales tax, and a tax-inclusive sales tax. What Lightspeed charged
// is read back from the emulator.
#include <gtest/gtest.h>

#include "tests/support/service.h"

namespace {

using testing_support::json;
using testing_support::Reply;
using testing_support::TestService;

// The helmet (lsr-sim item 7, 129.99) with $10.00 shipping and `tax` cents of tax.
json HelmetOrderWithTax(const std::string& number, const std::string& email, int64_t tax) {
  json o = testing_support::HelmetOrder(number, email);
  const std::string total = base::Money::FromCents(13999 + tax).ToString();
  o["tax"] = base::Money::FromCents(tax).ToString();
  o["total"] = total;
  o["payments"][0]["amount"] = total;
  return o;
}

class LightspeedTax : public ::testing::Test {
 protected:
  void SetUp() override {
    svc_.Connect();
    ASSERT_LT(svc_.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 300);
    ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"tax_mode", "lightspeed"}}).status, 200);
    svc_.StartEngine();
  }
  Reply Export(const json& order) {
    const std::string number = order["number"];
    EXPECT_LT(svc_.Put("/api/v1/orders/" + number, order).status, 300);
    EXPECT_LT(svc_.Post("/api/v1/exports", {{"orders", {number}}}).status, 300);
    return svc_.WaitForExport(number);
  }
  json Sale(const std::string& number) {
    const json rows = svc_.SimControl("GET", "/rows/Sale");
    for (const json& s : rows["Sale"])
      if (s["referenceNumber"] == number) return s;
    return nullptr;
  }
  TestService svc_;
};

TEST_F(LightspeedTax, R10AnItemsTaxClassRateIsWhatTheSaleIsTaxedAt) {
  // The merchant taxes helmets (a "Safety" tax class) at 4% instead of the shop's 8.25%.
  svc_.SimControl("PUT", "/tax_classes/3", {{"name", "Safety"}});
  svc_.SimControl("PUT", "/tax_categories/1", {{"classes", {{"3", {{"tax1Rate", "0.04"}}}}}});
  svc_.SimControl("PUT", "/rows/Item/7", {{"taxClassID", "3"}});
  // 129.99 × 4% = 5.1996 → 5.20 (8.25% would be 10.72).
  Reply r = Export(HelmetOrderWithTax("C1", "c1@example.com", 520));
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  const json sale = Sale("C1");
  EXPECT_EQ(sale["calcTax1"], "5.20");
  EXPECT_EQ(sale["total"], "145.19");
  Reply held = Export(HelmetOrderWithTax("C2", "c1@example.com", 1072));
  ASSERT_EQ(held.body["export"]["state"], "needs_attention") << held.raw;
  EXPECT_EQ(held.body["export"]["message"],
            "Tax differs: Lightspeed would charge $5.20, the web order charged $10.72 (Lightspeed "
            "sales tax \"Sales Tax\")");
}

TEST_F(LightspeedTax, R10ACustomersOwnSalesTaxIsTheOneTheSaleGets) {
  // Ada is tax exempt in Lightspeed: her own sales tax "Exempt" at 0%.
  svc_.SimControl("PUT", "/tax_categories/2", {{"tax1Name", "Exempt"}, {"tax1Rate", "0"}});
  svc_.SimControl("PUT", "/rows/Customer/1", {{"taxCategoryID", "2"}});
  Reply r = Export(HelmetOrderWithTax("X1", "ada@example.com", 0));
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  EXPECT_EQ(Sale("X1")["taxCategoryID"], "2");
  EXPECT_EQ(Sale("X1")["total"], "139.99");
  EXPECT_EQ(Sale("X1")["customerID"], "1");
  // The web store charged her tax: Lightspeed would not, so the order waits for the merchant.
  Reply held = Export(HelmetOrderWithTax("X2", "ada@example.com", 1072));
  ASSERT_EQ(held.body["export"]["state"], "needs_attention") << held.raw;
  EXPECT_EQ(held.body["export"]["message"],
            "Tax differs: Lightspeed would charge $0.00, the web order charged $10.72 (Lightspeed "
            "sales tax \"Exempt\", set on the customer in Lightspeed)");
  EXPECT_TRUE(Sale("X2").is_null());
}

TEST_F(LightspeedTax, R10ATaxInclusiveSalesTaxHoldsTheOrderWithTheReason) {
  svc_.SimControl("PUT", "/tax_categories/1", {{"isTaxInclusive", true}});
  Reply held = Export(HelmetOrderWithTax("I1", "i1@example.com", 1072));
  ASSERT_EQ(held.body["export"]["state"], "needs_attention") << held.raw;
  EXPECT_NE(held.body["export"]["message"].get<std::string>().find(
                "Lightspeed's sales tax \"Sales Tax\" includes tax in prices"),
            std::string::npos)
      << held.raw;
  EXPECT_TRUE(Sale("I1").is_null()) << "nothing was sent";
}

}  // namespace
