// Several shops (issue 10): where sales are rung up is checked against Lightspeed when it is
// chosen, a sale goes to the chosen shop's register, and the Lightspeed account cannot change
// under a connected store. lsr-sim's demo account has shop 1 (register 1) and shop 2 "Downtown"
// (register 2), Sam (employee 1, any shop), Dana (2, shop 2 only) and Casey (3, locked out).
#include <gtest/gtest.h>

#include "tests/support/service.h"

namespace {

using testing_support::json;
using testing_support::Reply;
using testing_support::TestService;

class Shops : public ::testing::Test {
 protected:
  void SetUp() override { svc_.Connect(); }
  Reply Settings(const json& body) { return svc_.Put("/api/v1/settings/lightspeed", body); }
  TestService svc_;
};

TEST_F(Shops, ARegisterOfAnotherShopIsRefusedNamingBoth) {
  Reply r = Settings({{"register_id", "2"}});
  ASSERT_EQ(r.status, 422) << r.raw;
  EXPECT_EQ(r.body["error"]["field"], "register_id");
  EXPECT_EQ(r.body["error"]["message"],
            "Register \"Downtown Register 1\" (2) belongs to another shop than shop \"Spoke "
            "Cycles\" (1): choose one of its registers");
  EXPECT_EQ(svc_.Get("/api/v1/settings/lightspeed").body["register_id"], "1") << "unchanged";
}

TEST_F(Shops, AnEmployeeLockedOutOrLimitedToAnotherShopIsRefused) {
  Reply locked = Settings({{"employee_id", "3"}});
  ASSERT_EQ(locked.status, 422) << locked.raw;
  EXPECT_EQ(locked.body["error"]["message"],
            "Employee \"Casey Former\" (3) is locked out in Lightspeed");
  Reply limited = Settings({{"employee_id", "2"}});
  ASSERT_EQ(limited.status, 422) << limited.raw;
  EXPECT_EQ(
      limited.body["error"]["message"],
      "Employee \"Dana Lopez\" (2) may only sell at shop 2, not at shop \"Spoke Cycles\" (1)");
}

TEST_F(Shops, SalesGoToTheChosenShopsRegister) {
  ASSERT_EQ(Settings({{"shop_id", "2"}, {"register_id", "2"}, {"employee_id", "2"}}).status, 200);
  ASSERT_LT(svc_.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 300);
  ASSERT_LT(
      svc_.Put("/api/v1/orders/D1", testing_support::HelmetOrder("D1", "d@example.com")).status,
      300);
  svc_.StartEngine();
  ASSERT_LT(svc_.Post("/api/v1/exports", {{"orders", {"D1"}}}).status, 300);
  Reply r = svc_.WaitForExport("D1");
  ASSERT_EQ(r.body["export"]["state"], "exported") << r.raw;
  const json sales = svc_.SimControl("GET", "/rows/Sale");
  ASSERT_EQ(sales["Sale"].size(), 1u);
  EXPECT_EQ(sales["Sale"][0]["shopID"], "2");
  EXPECT_EQ(sales["Sale"][0]["registerID"], "2");
  EXPECT_EQ(sales["Sale"][0]["employeeID"], "2");
}

TEST_F(Shops, TheAccountCannotChangeWhileConnected) {
  Reply r = Settings({{"account_id", "4242"}});
  ASSERT_EQ(r.status, 422) << r.raw;
  EXPECT_EQ(r.body["error"]["field"], "account_id");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("connect again"), std::string::npos);
  EXPECT_EQ(svc_.Get("/api/v1/settings/lightspeed").body["account_id"], svc_.account().account_id);
}

TEST_F(Shops, ALockedOutOwnerMeansReconnectingWithTheReason) {
  svc_.SimControl("PUT", "/rows/Employee/1", {{"lockOut", true}});
  svc_.SimControl("PUT", "/tokens", {{"expire_access_tokens", true}});
  ASSERT_LT(svc_.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 300);
  ASSERT_LT(
      svc_.Put("/api/v1/orders/L1", testing_support::HelmetOrder("L1", "l@example.com")).status,
      300);
  svc_.StartEngine();
  ASSERT_LT(svc_.Post("/api/v1/exports", {{"orders", {"L1"}}}).status, 300);
  Reply r = svc_.WaitForExport("L1");
  EXPECT_EQ(r.body["export"]["state"], "needs_attention") << r.raw;
  const std::string why = "The employee who authorized this application is locked out";
  EXPECT_NE(r.body["export"]["message"].get<std::string>().find(why), std::string::npos) << r.raw;
  const json status = svc_.Get("/api/v1/lightspeed/status").body;
  EXPECT_EQ(status["connection"], "reconnect") << status.dump();
  EXPECT_NE(status["message"].get<std::string>().find(why), std::string::npos) << status.dump();
}

}  // namespace
