// Tax beyond one rate per shop: tax classes with their own rates inside a tax category
// (TaxCategoryClasses), tax-inclusive categories, and a customer's own tax category.
#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

class Tax : public SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    RateOff();
  }
  static Json Pay(const std::string& amount) { return {{"paymentTypeID", 2}, {"amount", amount}}; }
  // Item 11 (Default price 8.99) in tax class `cls`.
  void PutItemClass(int cls) {
    Answer a = Api("PUT", "Item/11.json", {{"taxClassID", cls}});
    ASSERT_EQ(a.status, 200) << a.body;
  }
};

TEST_F(Tax, EveryAccountHasTheItemAndLaborClasses) {
  Answer a = Api("GET", "TaxClass.json");
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(a.json["TaxClass"].size(), 2u);
  EXPECT_EQ(a.json["TaxClass"][0]["name"], "Item");
  EXPECT_EQ(a.json["TaxClass"][1]["name"], "Labor");
  EXPECT_EQ(Api("GET", "Item/11.json").json["Item"]["taxClassID"], "1");
  EXPECT_EQ(Api("GET", "Item/31.json").json["Item"]["taxClassID"], "2");  // labor
  EXPECT_EQ(Api("POST", "TaxClass.json", {{"name", "Books"}}).status, 405);
}

TEST_F(Tax, AClassRateInTheCategoryTaxesItsItems) {
  ASSERT_EQ(Control("PUT", "tax_classes/3", {{"name", "Clothing"}}).status, 200);
  Answer set = Control("PUT", "tax_categories/1", {{"classes", {{"3", {{"tax1Rate", "0.04"}}}}}});
  ASSERT_EQ(set.status, 200) << set.body;
  PutItemClass(3);
  Answer cat = Api("GET", "TaxCategory/1.json?load_relations=[\"TaxCategoryClasses\"]");
  ASSERT_EQ(cat.status, 200) << cat.body;
  const Json& cls = cat.json["TaxCategory"]["TaxCategoryClasses"]["TaxCategoryClass"];
  EXPECT_EQ(cls["taxClassID"], "3");  // one class: an object, not a list
  EXPECT_EQ(cls["tax1Rate"], "0.04");
  EXPECT_EQ(cls["taxCategoryID"], "1");
  // 8.99 at 4% is 0.3596 → 0.36 (the category's own 8.25% would make 0.74).
  Answer a = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay("9.35")}));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Sale"]["calcTax1"], "0.36");
  EXPECT_EQ(a.json["Sale"]["SaleLines"]["SaleLine"]["taxClassID"], "3");
  EXPECT_EQ(a.json["Sale"]["SaleLines"]["SaleLine"]["tax1Rate"], "0.04");
  // A line may name its class; a class without rates here falls back to the category's.
  Answer b =
      Api("POST", "Sale.json", SaleBody({{{"itemID", 11}, {"taxClassID", 1}}}, {Pay("9.73")}));
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.json["Sale"]["calcTax1"], "0.74");
  // Removing the class rate: the category's rate again.
  ASSERT_EQ(Control("PUT", "tax_categories/1", {{"classes", {{"3", nullptr}}}}).status, 200);
  EXPECT_EQ(Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay("9.73")})).status, 200);
  EXPECT_EQ(Control("PUT", "tax_categories/1", {{"classes", {{"9", {{"tax1Rate", "0"}}}}}}).status,
            400);  // no such class
}

TEST_F(Tax, AnInclusiveCategoryTakesTheTaxOutOfThePrice) {
  ASSERT_EQ(Control("PUT", "tax_categories/1", {{"isTaxInclusive", true}}).status, 200);
  // 8.99 holds 8.99 × 0.0825 / 1.0825 = 0.68515... of tax; the total stays 8.99.
  Answer under = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay("9.73")}));
  EXPECT_EQ(under.status, 400) << under.body;  // tax is not added on top
  Answer a = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay("8.99")}));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Sale"]["isTaxInclusive"], "true");
  EXPECT_EQ(a.json["Sale"]["total"], "8.99");
  EXPECT_EQ(a.json["Sale"]["calcTax1"], "0.69");
  EXPECT_EQ(a.json["Sale"]["SaleLines"]["SaleLine"]["calcTax1"], "0.6851501155");
}

TEST_F(Tax, ACustomersOwnTaxCategoryAppliesUnlessTheSaleNamesOne) {
  Answer exempt = Control("PUT", "tax_categories/2", {{"tax1Name", "Exempt"}, {"tax1Rate", "0"}});
  ASSERT_EQ(exempt.status, 200) << exempt.body;
  ASSERT_EQ(Api("PUT", "Customer/1.json", {{"taxCategoryID", 2}}).status, 200);
  Json body = SaleBody({{{"itemID", 11}}}, {Pay("8.99")});
  body["customerID"] = 1;
  Answer a = Api("POST", "Sale.json", body);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Sale"]["taxCategoryID"], "2");
  EXPECT_EQ(a.json["Sale"]["total"], "8.99");
  body["taxCategoryID"] = 1;  // the sale's own choice wins
  body["SalePayments"] = {{"SalePayment", {Pay("9.73")}}};
  Answer b = Api("POST", "Sale.json", body);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.json["Sale"]["total"], "9.73");
}

}  // namespace
}  // namespace sim::testing
