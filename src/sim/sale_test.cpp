// Sale rules: totals and tax rounding (R10), the balance rule, stock movement (R18), references,
// and the failed_completion behaviour (open sales).
#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

class Sale : public SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    RateOff();
  }
  static Json Misc(const std::string& price, bool tax = true) {
    return {{"itemID", 0}, {"unitPrice", price}, {"tax", tax}, {"Note", {{"note", "Misc"}}}};
  }
  static Json Pay(int type, const std::string& amount) {
    return {{"paymentTypeID", type}, {"amount", amount}};
  }
  std::string Qoh(int item, int shop) {
    Answer a = Api("GET", "Item/" + std::to_string(item) + ".json?load_relations=[\"ItemShops\"]");
    for (const auto& s : a.json["Item"]["ItemShops"]["ItemShop"])
      if (s["shopID"] == std::to_string(shop)) return s["qoh"];
    return "missing";
  }
  static constexpr int kCash = 1, kCard = 2, kEcom = 5;
};

TEST_F(Sale, ExactPaymentCompletesWithTotals) {
  // 8.99 taxed at 8.25%: 0.741675 -> 0.74.
  Answer a = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay(kCard, "9.73")}));
  ASSERT_EQ(a.status, 200) << a.body;
  const Json& s = a.json["Sale"];
  EXPECT_EQ(s["completed"], "true");
  EXPECT_EQ(s["calcSubtotal"], "8.99");
  EXPECT_EQ(s["calcTax1"], "0.74");
  EXPECT_EQ(s["total"], "9.73");
  EXPECT_EQ(s["calcPayments"], "9.73");
  EXPECT_EQ(s["balance"], "0");
  EXPECT_EQ(s["change"], "0");
  EXPECT_EQ(s["completeTime"], "2026-11-20T15:00:00+00:00");
  EXPECT_EQ(s["SaleLines"]["SaleLine"]["calcTax1"], "0.741675");  // kept unrounded
  EXPECT_EQ(s["SaleLines"]["SaleLine"]["unitPrice"], "8.99");     // the item's Default price
}

TEST_F(Sale, UnderpaymentIsRefusedAndNothingIsSaved) {
  Answer a = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay(kCard, "9.72")}));
  ASSERT_EQ(a.status, 400) << a.body;
  EXPECT_EQ(a.json["errorClass"], "OutOfBalanceError");
  EXPECT_EQ(a.json["message"].get<std::string>().rfind("Cannot complete an out of balance sale", 0),
            0u);
  EXPECT_FALSE(Api("GET", "Sale.json?archived=true").json.contains("Sale"));
  EXPECT_EQ(Qoh(11, 1), "60");
  Answer ok = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay(kCard, "9.73")}));
  EXPECT_EQ(ok.json["Sale"]["saleID"], "1");  // the refused sale left no trace, not even an id
  EXPECT_EQ(ok.json["Sale"]["SaleLines"]["SaleLine"]["saleLineID"], "1");
}

TEST_F(Sale, NonCashOverpaymentIsRefused) {
  Answer a = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay(kCard, "10.00")}));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.json["errorClass"], "OutOfBalanceError");
  // Cash cannot cover change beyond the cash tendered.
  Answer b = Api("POST", "Sale.json",
                 SaleBody({{{"itemID", 11}}}, {Pay(kCard, "10.00"), Pay(kCash, "1.00")}));
  EXPECT_EQ(b.status, 400);
}

TEST_F(Sale, CashOverpaymentIsKeptAsChange) {
  Answer a = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay(kCash, "20.00")}));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Sale"]["change"], "10.27");
  EXPECT_EQ(a.json["Sale"]["calcPayments"], "20");
  EXPECT_EQ(a.json["Sale"]["balance"], "0");
  Answer mixed = Api("POST", "Sale.json",
                     SaleBody({{{"itemID", 11}}}, {Pay(kCard, "5.00"), Pay(kCash, "10.00")}));
  ASSERT_EQ(mixed.status, 200) << mixed.body;
  EXPECT_EQ(mixed.json["Sale"]["change"], "5.27");
}

TEST_F(Sale, SaleTaxIsTheRoundedSumOfUnroundedLineTaxes) {
  // Three 1.00 lines: 0.0825 each. Rounded per line 0.24; rounded sum 0.25.
  Answer a = Api("POST", "Sale.json",
                 SaleBody({Misc("1.00"), Misc("1.00"), Misc("1.00")}, {Pay(kEcom, "3.25")}));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Sale"]["calcTax1"], "0.25");
  EXPECT_EQ(a.json["Sale"]["SaleLines"]["SaleLine"][0]["calcTax1"], "0.0825");
  // Three 0.06 lines: 0.00495 each rounds to 0.00 per line, the sum 0.01485 to 0.01.
  Answer b = Api("POST", "Sale.json",
                 SaleBody({Misc("0.06"), Misc("0.06"), Misc("0.06")}, {Pay(kEcom, "0.19")}));
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.json["Sale"]["calcTax1"], "0.01");
  // Half rounds up: 10.00 x 8.25% = 0.825 -> 0.83.
  Answer c = Api("POST", "Sale.json", SaleBody({Misc("10.00")}, {Pay(kEcom, "10.83")}));
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json["Sale"]["calcTax1"], "0.83");
}

TEST_F(Sale, LineAmountIsQuantityTimesPriceMinusDiscount) {
  // 2 x 8.99 - 1.00 = 16.98; tax 1.40085 -> 1.40; total 18.38.
  Json line = {{"itemID", 11}, {"unitQuantity", 2}, {"discountAmount", "1.00"}};
  Answer a = Api("POST", "Sale.json", SaleBody({line}, {Pay(kCard, "18.38")}));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Sale"]["calcSubtotal"], "17.98");
  EXPECT_EQ(a.json["Sale"]["calcDiscount"], "1");
  EXPECT_EQ(a.json["Sale"]["calcTax1"], "1.4");
  EXPECT_EQ(a.json["Sale"]["total"], "18.38");
}

TEST_F(Sale, UntaxedLinesAndTaxCategoryZero) {
  Json body = SaleBody({Misc("10.00"), Misc("5.00", false)}, {Pay(kEcom, "15.00")});
  body["taxCategoryID"] = 0;
  Answer a = Api("POST", "Sale.json", body);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Sale"]["calcTax1"], "0");
  Answer b = Api("POST", "Sale.json", SaleBody({Misc("10.00", false)}, {Pay(kEcom, "10.00")}));
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.json["Sale"]["calcTax1"], "0");
  // An item that is not taxable gives its lines tax=false.
  Answer item = Api("POST", "Item.json",
                    {{"description", "Gift card"},
                     {"tax", false},
                     {"Prices", {{"ItemPrice", {{"amount", "25"}, {"useType", "Default"}}}}}});
  const int id = std::stoi(item.json["Item"]["itemID"].get<std::string>());
  Answer c = Api("POST", "Sale.json", SaleBody({{{"itemID", id}}}, {Pay(kEcom, "25.00")}));
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json["Sale"]["SaleLines"]["SaleLine"]["tax"], "false");
}

TEST_F(Sale, FloatingPointInputIsExact) {
  Answer a =
      Api("POST", "Sale.json",
          SaleBody({{{"unitPrice", 0.1}, {"tax", false}}, {{"unitPrice", 0.2}, {"tax", false}}},
                   {{{"paymentTypeID", kEcom}, {"amount", 0.3}}}));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Sale"]["total"], "0.3");
}

TEST_F(Sale, HeaderRecordsMustExist) {
  Json body = SaleBody({Misc("1.00", false)}, {Pay(kEcom, "1.00")});
  for (const char* field : {"employeeID", "registerID", "shopID"}) {
    Json b = body;
    b[field] = 0;
    EXPECT_EQ(Api("POST", "Sale.json", b).status, 400) << field;
    b[field] = 99;
    EXPECT_EQ(Api("POST", "Sale.json", b).status, 400) << field;
    b.erase(field);
    EXPECT_EQ(Api("POST", "Sale.json", b).status, 400) << field;
  }
  EXPECT_EQ(Api("POST", "Sale.json", SaleBody({{{"itemID", 0}}}, nullptr, false)).status, 400)
      << "a misc line needs a unitPrice";
  EXPECT_EQ(Api("POST", "Sale.json", SaleBody({Misc("1.00")}, {Pay(99, "1.08")})).status, 400);
}

TEST_F(Sale, CompletionMovesStockAtTheShopAndShopZeroOnly) {
  Json lines = {{{"itemID", 11}, {"unitQuantity", 2}}, {{"itemID", 31}}};  // tube, labor
  // 17.98 + 79.00 = 96.98; tax 8.000850 -> 8.00.
  Answer a = Api("POST", "Sale.json", SaleBody(lines, {Pay(kCard, "104.98")}));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(Qoh(11, 1), "58");
  EXPECT_EQ(Qoh(11, 0), "58");
  EXPECT_EQ(Qoh(31, 1), "0");  // non_inventory is not counted
  EXPECT_EQ(Qoh(31, 0), "0");

  EXPECT_EQ(Api("DELETE", "Sale/1.json").status, 400);  // completed sales are not deleted
  Answer reopened = Api("PUT", "Sale/1.json", {{"completed", false}});
  ASSERT_EQ(reopened.status, 200) << reopened.body;
  EXPECT_EQ(reopened.json["Sale"]["completed"], "false");
  EXPECT_EQ(Qoh(11, 1), "60");  // reopening puts the stock back
  Answer deleted = Api("DELETE", "Sale/1.json");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.json["Sale"]["archived"], "true");
}

TEST_F(Sale, ARefundSaleWithNegativeQuantitiesPaysOutAndReturnsStock) {
  // Issue 15: two tubes given back (-17.98) and 2.02 more as a misc line, paid out 20.00.
  Json lines = {{{"itemID", 11}, {"unitQuantity", -2}, {"unitPrice", "8.99"}, {"tax", false}},
                Misc("-2.02", false)};
  Json body = SaleBody(lines, {Pay(kCash, "-20.00")});
  body["taxCategoryID"] = 0;
  Answer a = Api("POST", "Sale.json", body);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Sale"]["completed"], "true");
  EXPECT_EQ(a.json["Sale"]["total"], "-20");
  EXPECT_EQ(a.json["Sale"]["balance"], "0");
  EXPECT_EQ(Qoh(11, 1), "62") << "the returned units are back in stock";
  EXPECT_EQ(Qoh(11, 0), "62");
}

TEST_F(Sale, OpenSaleCompletedLaterByPut) {
  Answer open = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, nullptr, false));
  ASSERT_EQ(open.status, 200) << open.body;
  EXPECT_EQ(open.json["Sale"]["balance"], "9.73");
  EXPECT_EQ(Qoh(11, 1), "60");
  Answer under =
      Api("PUT", "Sale/1.json",
          {{"completed", true}, {"SalePayments", {{"SalePayment", Pay(kCard, "1.00")}}}});
  EXPECT_EQ(under.status, 400);
  EXPECT_EQ(under.json["errorClass"], "OutOfBalanceError");
  EXPECT_EQ(Api("GET", "Sale/1.json").json["Sale"]["calcPayments"], "0");  // nothing saved
  Answer done = Api("PUT", "Sale/1.json",
                    {{"completed", true}, {"SalePayments", {{"SalePayment", Pay(kCard, "9.73")}}}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json["Sale"]["completed"], "true");
  EXPECT_EQ(Qoh(11, 1), "59");
}

// The open_sale behaviour: our model of Lightspeed saving a sale whose completion failed.
class FailedCompletion : public Sale {
 protected:
  void SetUp() override {
    Sale::SetUp();
    Answer b = Control("PUT", "behaviour", {{"failed_completion", "open_sale"}});
    ASSERT_EQ(b.status, 200) << b.body;
    ASSERT_EQ(b.json["failed_completion"], "open_sale");
  }
  // 8.99 + 0.74 tax = 9.73, underpaid by a cent.
  static Json Underpaid(const std::string& ref) {
    Json b = SaleBody({{{"itemID", 11}}}, {Pay(kCard, "9.72")});
    b["referenceNumber"] = ref;
    b["referenceNumberSource"] = "web";
    return b;
  }
  Json ByReference(const std::string& ref) {
    Answer a = Api("GET", "Sale.json?referenceNumber=" + ref + "&referenceNumberSource=web");
    EXPECT_EQ(a.status, 200) << a.body;
    return a.json.contains("Sale") ? a.json["Sale"] : Json();
  }
};

TEST_F(FailedCompletion, BehaviourIsPerAccountAndChecked) {
  EXPECT_EQ(Control("GET", "behaviour").json["failed_completion"], "open_sale");
  EXPECT_EQ(Control("PUT", "behaviour", {{"failed_completion", "maybe"}}).status, 400);
  EXPECT_EQ(Control("PUT", "behaviour", {{"completion", "open_sale"}}).status, 400);
  EXPECT_EQ(Control("GET", "behaviour").json["failed_completion"], "open_sale");
  NewAccount("demo", 1);  // another merchant keeps the default
  RateOff();
  EXPECT_EQ(Control("GET", "behaviour").json["failed_completion"], "nothing_saved");
  Answer a = Api("POST", "Sale.json", Underpaid("W1"));
  EXPECT_EQ(a.status, 400);
  EXPECT_FALSE(a.json.contains("saleID")) << a.body;
  EXPECT_TRUE(ByReference("W1").is_null()) << "nothing_saved leaves no sale";
}

TEST_F(FailedCompletion, OutOfBalanceLeavesAnOpenSaleNamedInThe400) {
  Answer a = Api("POST", "Sale.json", Underpaid("W2"));
  ASSERT_EQ(a.status, 400) << a.body;
  EXPECT_EQ(a.json["errorClass"], "OutOfBalanceError");
  EXPECT_EQ(a.json["message"].get<std::string>().rfind("Cannot complete an out of balance sale", 0),
            0u);
  ASSERT_TRUE(a.json.contains("saleID")) << a.body;
  const std::string id = a.json["saleID"];
  const Json sale = ByReference("W2");
  ASSERT_TRUE(sale.is_object()) << "the open sale is found by its reference";
  EXPECT_EQ(sale["saleID"], id);
  EXPECT_EQ(sale["completed"], "false");
  EXPECT_EQ(sale["archived"], "false");
  EXPECT_EQ(sale["total"], "9.73");
  EXPECT_EQ(sale["balance"], "0.01");
  Answer full = Api("GET", "Sale/" + id + ".json?load_relations=[\"SaleLines\",\"SalePayments\"]");
  EXPECT_EQ(full.json["Sale"]["SaleLines"]["SaleLine"]["itemID"], "11");
  EXPECT_EQ(full.json["Sale"]["SalePayments"]["SalePayment"]["amount"], "9.72");
  EXPECT_EQ(Qoh(11, 1), "60") << "an open sale moves no stock";
  // Other refusals still save nothing.
  Json bad = Underpaid("W3");
  bad["SaleLines"]["SaleLine"][0]["itemID"] = 999;
  Answer refused = Api("POST", "Sale.json", bad);
  EXPECT_EQ(refused.status, 400);
  EXPECT_FALSE(refused.json.contains("saleID"));
  EXPECT_TRUE(ByReference("W3").is_null());
}

TEST_F(FailedCompletion, OpenSaleIsCompletedByPutOnceBalanced) {
  const std::string id = Api("POST", "Sale.json", Underpaid("W4")).json["saleID"];
  Answer still = Api("PUT", "Sale/" + id + ".json", {{"completed", true}});
  EXPECT_EQ(still.status, 400);
  EXPECT_EQ(still.json["errorClass"], "OutOfBalanceError");
  EXPECT_FALSE(still.json.contains("saleID")) << "a failed PUT is not a new sale";
  EXPECT_EQ(ByReference("W4")["completed"], "false");
  Answer done = Api("PUT", "Sale/" + id + ".json",
                    {{"completed", true}, {"SalePayments", {{"SalePayment", Pay(kCard, "0.01")}}}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json["Sale"]["completed"], "true");
  EXPECT_EQ(done.json["Sale"]["calcPayments"], "9.73");
  EXPECT_EQ(Qoh(11, 1), "59") << "completion takes the stock";
  EXPECT_EQ(ByReference("W4")["completed"], "true");
}

TEST_F(FailedCompletion, OpenSaleIsArchivedByDelete) {
  const std::string id = Api("POST", "Sale.json", Underpaid("W5")).json["saleID"];
  Answer deleted = Api("DELETE", "Sale/" + id + ".json");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.json["Sale"]["archived"], "true");
  EXPECT_TRUE(ByReference("W5").is_null()) << "archived sales leave the default list";
  Answer archived = Api("GET", "Sale.json?referenceNumber=W5&archived=only");
  EXPECT_EQ(archived.json["Sale"]["saleID"], id);
  EXPECT_EQ(Qoh(11, 1), "60");
}

TEST_F(Sale, NotesAndCustomer) {
  Json body = SaleBody({Misc("4.00", false)}, {Pay(kEcom, "4.00")});
  body["customerID"] = 2;
  body["SaleNotes"] = {{"InternalNote", {{"note", "Web order 10023"}}}};
  Answer a = Api("POST", "Sale.json", body);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["Sale"]["SaleNotes"]["InternalNote"]["note"], "Web order 10023");
  EXPECT_EQ(a.json["Sale"]["SaleLines"]["SaleLine"]["Note"]["note"], "Misc");
  Answer c = Api("GET", "Sale/1.json?load_relations=[\"Customer\"]");
  EXPECT_EQ(c.json["Sale"]["Customer"]["firstName"], "Grace");
  body["customerID"] = 999;
  EXPECT_EQ(Api("POST", "Sale.json", body).status, 400);
}

// A merchant edits a tax category in Lightspeed: later sales are taxed at the new rate.
TEST_F(Sale, TaxCategoryRatesChangeForLaterSales) {
  // 8.99 at 8.25% is 0.74; at 9% it is 0.81.
  Answer before = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay(kCard, "9.73")}));
  ASSERT_EQ(before.status, 200) << before.body;
  Answer set = Control("PUT", "tax_categories/1", {{"tax1Rate", "0.09"}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json["tax1Rate"], "0.09");
  Answer after = Api("POST", "Sale.json", SaleBody({{{"itemID", 11}}}, {Pay(kCard, "9.80")}));
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.json["Sale"]["calcTax1"], "0.81");
  EXPECT_EQ(Control("PUT", "tax_categories/1", {{"tax1Rate", "nine"}}).status, 400);
  EXPECT_EQ(Control("PUT", "tax_categories/1", {{"rate", "0.1"}}).status, 400);
  EXPECT_EQ(Control("PUT", "tax_categories/x", {{"tax1Rate", "0.1"}}).status, 400);
}

}  // namespace
}  // namespace sim::testing
