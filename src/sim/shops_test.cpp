// Several shops: a register belongs to one shop, an employee may be limited to one shop or
// locked out, and the tokens of a locked-out employee stop working.
#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

class Shops : public SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    RateOff();
  }
  Json Body(int shop, int reg, int employee) {
    Json b = SaleBody({{{"itemID", 11}}}, {{{"paymentTypeID", 2}, {"amount", "9.73"}}});
    b["shopID"] = shop;
    b["registerID"] = reg;
    b["employeeID"] = employee;
    return b;
  }
};

TEST_F(Shops, TheDemoHasTwoShopsEachWithItsRegisters) {
  Answer shops = Api("GET", "Shop.json");
  ASSERT_EQ(shops.json["Shop"].size(), 2u);
  EXPECT_EQ(shops.json["Shop"][1]["name"], "Spoke Cycles Downtown");
  Answer regs = Api("GET", "Register.json");
  ASSERT_EQ(regs.json["Register"].size(), 2u);
  EXPECT_EQ(regs.json["Register"][0]["shopID"], "1");
  EXPECT_EQ(regs.json["Register"][1]["shopID"], "2");
  Answer emps = Api("GET", "Employee.json");
  ASSERT_EQ(emps.json["Employee"].size(), 3u);
  EXPECT_EQ(emps.json["Employee"][1]["limitToShopID"], "2");
  EXPECT_EQ(emps.json["Employee"][2]["lockOut"], "true");
}

TEST_F(Shops, ASaleUsesARegisterOfItsShop) {
  Answer wrong = Api("POST", "Sale.json", Body(1, 2, 1));
  ASSERT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_EQ(wrong.json["message"], "Register 2 belongs to shop 2, not to shop 1");
  Answer right = Api("POST", "Sale.json", Body(2, 2, 1));
  ASSERT_EQ(right.status, 200) << right.body;
  Answer item = Api("GET", "Item/11.json?load_relations=[\"ItemShops\"]");
  for (const auto& s : item.json["Item"]["ItemShops"]["ItemShop"])
    if (s["shopID"] == "2") EXPECT_EQ(s["qoh"], "-1");  // sold at shop 2, which had none
}

TEST_F(Shops, AnEmployeeLimitedToAShopOrLockedOutCannotSellElsewhere) {
  Answer limited = Api("POST", "Sale.json", Body(1, 1, 2));
  ASSERT_EQ(limited.status, 400) << limited.body;
  EXPECT_EQ(limited.json["message"], "Employee 2 is limited to shop 2 and cannot sell at shop 1");
  EXPECT_EQ(Api("POST", "Sale.json", Body(2, 2, 2)).status, 200);
  Answer locked = Api("POST", "Sale.json", Body(1, 1, 3));
  ASSERT_EQ(locked.status, 400) << locked.body;
  EXPECT_EQ(locked.json["message"], "Employee 3 is locked out");
}

TEST_F(Shops, ALockedOutEmployeesTokensStopWorking) {
  ASSERT_EQ(Control("PUT", "rows/Employee/1", {{"lockOut", true}}).status, 200);
  Answer a = Api("GET", "Shop.json");
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.json["error_description"],
            "The employee who authorized this application is locked out");
  Answer r = Refresh(refresh_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"], "invalid_grant");
  ASSERT_EQ(Control("PUT", "rows/Employee/1", {{"lockOut", false}}).status, 200);
  EXPECT_EQ(Api("GET", "Shop.json").status, 200);
  EXPECT_EQ(Control("PUT", "rows/Employee/1", {{"nickname", "x"}}).status, 400);
}

}  // namespace
}  // namespace sim::testing
