// --state persistence, reset, and many concurrent clients.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

std::string StatePath() {
  return ::testing::TempDir() + "lsr_sim_state_" + std::to_string(getpid()) + ".json";
}

class Persist : public SimTest {
 protected:
  Persist() : SimTest((std::remove(StatePath().c_str()), StatePath())) {}
  ~Persist() override { std::remove(StatePath().c_str()); }
};

TEST_F(Persist, StateFileRoundTrip) {
  Json b = SaleBody({{{"itemID", 11}}}, {{{"paymentTypeID", 2}, {"amount", "9.73"}}});
  b["referenceNumber"] = "R1";
  ASSERT_EQ(Api("POST", "Sale.json", b).status, 200);
  ASSERT_EQ(Control("PUT", "behaviour", {{"failed_completion", "open_sale"}}).status, 200);
  ASSERT_TRUE(sim_->Stop().ok());
  std::ifstream file(StatePath());
  ASSERT_TRUE(file.good()) << "Stop() writes the state file";

  SimOptions o;
  o.clock = &clock_;
  o.state_file = StatePath();
  sim_ = Simulator::Create(o);
  auto port = sim_->Start();
  ASSERT_TRUE(port.ok());
  http_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
  http_->set_url_encode(false);
  // The same token, the same sale, the stock it moved, and ids that carry on.
  Answer sale = Api("GET", "Sale.json?referenceNumber=R1&load_relations=[\"SaleLines\"]");
  ASSERT_EQ(sale.status, 200) << sale.body;
  EXPECT_EQ(sale.json["Sale"]["total"], "9.73");
  EXPECT_EQ(sale.json["Sale"]["SaleLines"]["SaleLine"]["itemID"], "11");
  Answer item = Api("GET", "Item/11.json?load_relations=[\"ItemShops\"]");
  EXPECT_EQ(item.json["Item"]["ItemShops"]["ItemShop"][1]["qoh"], "59");
  Answer next = Api("POST", "Sale.json", b);
  EXPECT_EQ(next.json["Sale"]["saleID"], "2");
  EXPECT_EQ(Refresh(refresh_).status, 200);  // the refresh token survived too
  EXPECT_EQ(Control("GET", "behaviour").json["failed_completion"], "open_sale");
}

class Control : public SimTest {};

TEST_F(Control, ResetForgetsEverything) {
  ASSERT_EQ(Call("POST", "/_sim/reset").status, 200);
  EXPECT_EQ(Api("GET", "Shop.json").status, 401);
  EXPECT_EQ(Call("GET", "/_sim/accounts").json.size(), 0u);
  EXPECT_EQ(Call("POST", "/_sim/accounts", R"({"seed":"nope"})").status, 400);
  EXPECT_EQ(Call("GET", "/_sim/accounts/1/stats").status, 404);
}

TEST_F(Control, RowsListsEveryRowOfAnEntityArchivedToo) {
  RateOff();
  ASSERT_EQ(Api("DELETE", "Customer/1.json").status, 200);
  Answer rows = SimTest::Control("GET", "rows/Customer");
  ASSERT_EQ(rows.status, 200) << rows.body;
  ASSERT_EQ(rows.json["Customer"].size(), 6u) << "the demo seed's six, the archived ones too";
  EXPECT_EQ(rows.json["Customer"][0]["customerID"], "1");
  EXPECT_EQ(rows.json["Customer"][0]["archived"], "true");
  EXPECT_EQ(SimTest::Control("GET", "rows/Serialized").json["Serialized"].size(), 6u)
      << "the demo seed's serial numbers in stock";
  EXPECT_EQ(SimTest::Control("GET", "rows/Nope").status, 404);
  EXPECT_EQ(SimTest::Control("GET", "stats").json["requests"].size(), 1u)
      << "the control plane is not an API request";
}

TEST_F(Control, ManyConcurrentClients) {
  ASSERT_EQ(SimTest::Control("PUT", "rate", {{"model", "off"}}).status, 200);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", port_);
      c.set_tcp_nodelay(true);
      c.set_keep_alive(true);
      for (int i = 0; i < 25; ++i) {
        Json body = {{"firstName", "T" + std::to_string(t)}, {"lastName", std::to_string(i)}};
        auto r = c.Post(("/API/V3/Account/" + account_ + "/Customer.json").c_str(),
                        {{"Authorization", "Bearer " + token_}}, body.dump(), "application/json");
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 200);
  Answer count = Api("GET", "Customer.json?count=1&limit=1");
  EXPECT_EQ(count.json["@attributes"]["count"], "205");
  Answer last = Api("GET", "Customer.json?sort=-customerID&limit=1");
  EXPECT_EQ(last.json["Customer"]["customerID"], "206");  // ids unique and dense
}

}  // namespace
}  // namespace sim::testing
