// `spoke import` and `spoke token create` as a user runs them: the real binary, a real SQLite
// file, and the result read back over HTTP.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/support/service.h"

namespace {

using testing_support::BikeItem;
using testing_support::json;
using testing_support::PaidOrder;
using testing_support::TestService;

struct CommandRun {
  int exit_code;
  std::string out;
};

CommandRun Spoke(TestService& svc, const std::string& args) {
  const std::string cmd = "SPOKE_DATABASE_URL=" + svc.db_url() +
                          " SPOKE_KEY_FILE=" + (svc.dir() / "spoke.key").string() +
                          " SPOKE_LIGHTSPEED_API_BASE=" + svc.simulator().BaseUrl() +
                          " SPOKE_LIGHTSPEED_AUTH_BASE=" + svc.simulator().BaseUrl() +
                          " SPOKE_LIGHTSPEED_CLIENT_ID=" + svc.account().client_id +
                          " SPOKE_LIGHTSPEED_CLIENT_SECRET=" + svc.account().client_secret + " " +
                          SPOKE_BINARY " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

TEST(Import, SummaryListsEachRejectionAndKeepsGoing) {
  TestService svc;
  json bad_total = PaidOrder("2002");
  bad_total["total"] = "1.00";
  json unknown_sku = PaidOrder("2003");
  unknown_sku["lines"][0]["sku"] = "NOPE";
  const std::string path = (svc.dir() / "records.ndjson").string();
  {
    std::ofstream f(path);
    // The order comes before the item it names: items are applied first.
    f << PaidOrder("2001").dump() << "\n"
      << bad_total.dump() << "\n"
      << "{not json\n"
      << unknown_sku.dump() << "\n"
      << BikeItem().dump() << "\n"
      << json{{"hello", "world"}}.dump() << "\n";
  }
  CommandRun r = Spoke(svc, "import --store bikes " + path);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("Accepted: 1 items, 1 orders"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Rejected: 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("record 2 (2002) total:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("record 3: this line is not valid JSON"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("record 4 (2003) lines[0].sku: unknown SKU"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("record 6: neither an item"), std::string::npos) << r.out;
  EXPECT_EQ(svc.Get("/api/v1/orders/2001").status, 200);
  EXPECT_EQ(svc.Get("/api/v1/orders/2002").status, 404);
}

TEST(Import, JsonArrayFileWorksAndBrokenArrayIsAClearError) {
  TestService svc;
  const std::string path = (svc.dir() / "records.json").string();
  std::ofstream(path) << json::array({BikeItem(), PaidOrder("3001")}).dump();
  CommandRun r = Spoke(svc, "import --store bikes " + path);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Accepted: 1 items, 1 orders"), std::string::npos) << r.out;
  std::ofstream(path) << "[{\"sku\": ";
  r = Spoke(svc, "import --store bikes " + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("not a valid JSON array"), std::string::npos) << r.out;
}

TEST(Import, R17AnItemWithAMalformedBarcodeIsRejectedNamingTheField) {
  TestService svc;
  json bad_upc = BikeItem();
  bad_upc["upc"] = "601842123456";  // the check digit should be 4
  json bad_ean = BikeItem();
  bad_ean["sku"] = "BIKE-EAN";
  bad_ean["upc"] = nullptr;
  bad_ean["ean"] = "12345";
  const std::string path = (svc.dir() / "items.ndjson").string();
  std::ofstream(path) << bad_upc.dump() << "\n" << bad_ean.dump() << "\n";
  CommandRun r = Spoke(svc, "import --store bikes " + path);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("Rejected: 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("upc: upc must be a 12-digit UPC-A"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ean: ean must be an EAN-13"), std::string::npos) << r.out;
  EXPECT_EQ(svc.Get("/api/v1/items/TREK-FX2-M-BLK").status, 404);
}

TEST(ExportCommand, R26ExportsTheNamedOrdersAndFollowsThemUntilDone) {
  TestService svc;
  svc.Connect();
  ASSERT_EQ(svc.Put("/api/v1/items/TREK-FX2-M-BLK", BikeItem()).status, 201);
  ASSERT_EQ(svc.Put("/api/v1/orders/5001", PaidOrder("5001")).status, 201);
  json due = PaidOrder("5002");
  due["payments"][0]["amount"] = "986.74";
  ASSERT_EQ(svc.Put("/api/v1/orders/5002", due).status, 201);
  CommandRun r = Spoke(svc, "export --store bikes 5001 5002");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("5001: exported as Lightspeed sale"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("5002: Unbalanced: $12.50 due"), std::string::npos) << r.out;
  EXPECT_EQ(svc.Get("/api/v1/orders/5001").body["export"]["state"], "exported");
  ASSERT_EQ(svc.Put("/api/v1/orders/5003", PaidOrder("5003")).status, 201);
  r = Spoke(svc, "export --store bikes --all-eligible");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("1 orders can be exported now"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("5003: exported as Lightspeed sale"), std::string::npos) << r.out;
}

TEST(TokenCreate, PrintsAWorkingTokenOnItsLastLine) {
  TestService svc;
  CommandRun r = Spoke(svc, "token create --store bikes");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  const std::string token = out.substr(out.rfind('\n') + 1);
  EXPECT_EQ(token.rfind("spk_", 0), 0u) << r.out;
  EXPECT_EQ(svc.Call("GET", "/api/v1/orders", "", token).status, 200);
  EXPECT_EQ(Spoke(svc, "token create --store nosuch").exit_code, 1);
}

}  // namespace
