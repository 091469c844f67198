// What a reconciliation reads from lsr-sim: sales listed by completeTime window and reference
// source, archived ones included, paged with `after=` cursors through `@attributes.next`; a sale
// keyed in by hand with spoke's reference source; a sale voided at the register.
#include "sim/query.h"
#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

class ReconcileListing : public SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    RateOff();
  }
  // A completed 9.73 sale (item 11, taxed) with this reference; its id.
  std::string SaleWithReference(const std::string& reference, const std::string& source) {
    Json body = SaleBody({{{"itemID", 11}}}, {{{"paymentTypeID", 2}, {"amount", "9.73"}}});
    body["referenceNumber"] = reference;
    body["referenceNumberSource"] = source;
    Answer a = Api("POST", "Sale.json", body);
    EXPECT_EQ(a.status, 200) << a.body;
    return a.json["Sale"]["saleID"];
  }
  // Every sale id a list query yields, following `next` page by page; counts the pages.
  std::vector<std::string> AllPages(const std::string& first, int* pages) {
    std::vector<std::string> ids;
    std::string rest = first;
    *pages = 0;
    while (!rest.empty()) {
      Answer a = Api("GET", rest);
      EXPECT_EQ(a.status, 200) << a.body;
      ++*pages;
      if (a.json.contains("Sale")) {
        const Json& s = a.json["Sale"];
        if (s.is_array())
          for (const auto& e : s) ids.push_back(e["saleID"]);
        else
          ids.push_back(s["saleID"]);  // one result: an object
      }
      const std::string next = a.json["@attributes"].value("next", "");
      const std::string marker = "/Account/" + account_ + "/";
      rest = next.empty() ? "" : next.substr(next.find(marker) + marker.size());
    }
    return ids;
  }
};

TEST_F(ReconcileListing, WindowByCompleteTimeAndSourcePagesWithCursors) {
  // Five web sales a minute apart from 15:00, one from another source, one hand-made with ours.
  std::vector<std::string> web;
  for (int i = 0; i < 5; ++i) {
    web.push_back(SaleWithReference("100" + std::to_string(i), "web"));
    clock_.Advance(std::chrono::minutes(1));
  }
  SaleWithReference("9000", "pos");
  const std::string by_hand = SaleWithReference("HAND-1", "web");  // at 15:05
  int pages = 0;
  const std::string window =
      "Sale.json?limit=2&sort=completeTime&archived=true&referenceNumberSource=web"
      "&completeTime=" +
      UrlEncode("><,2026-11-20T15:01:00+00:00,2026-11-20T15:05:00+00:00");
  auto ids = AllPages(window, &pages);
  // Between is inclusive at both ends: 15:01 … 15:04 and the hand-made sale at 15:05.
  EXPECT_EQ(ids, (std::vector<std::string>{web[1], web[2], web[3], web[4], by_hand}));
  EXPECT_EQ(pages, 3);
  // >= and < give the half-open window.
  ids = AllPages("Sale.json?referenceNumberSource=web&completeTime=" +
                     UrlEncode(">=,2026-11-20T15:01:00+00:00") +
                     "&completeTime=" + UrlEncode("<,2026-11-20T15:05:00+00:00"),
                 &pages);
  EXPECT_EQ(ids, (std::vector<std::string>{web[1], web[2], web[3], web[4]}));
}

TEST_F(ReconcileListing, VoidedSaleStaysListedWithItsFlagAndStockComesBack) {
  const std::string id = SaleWithReference("2001", "web");
  Answer stock = Api("GET", "Item/11.json?load_relations=[\"ItemShops\"]");
  Answer v = Control("POST", "rows/Sale/" + id + "/void");
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(v.json["voided"], "true");
  Answer listed = Api("GET", "Sale.json?referenceNumber=2001&referenceNumberSource=web");
  EXPECT_EQ(listed.json["Sale"]["saleID"], id);
  EXPECT_EQ(listed.json["Sale"]["voided"], "true");
  EXPECT_EQ(listed.json["Sale"]["archived"], "false");
  Answer voided_only = Api("GET", "Sale.json?voided=true");
  EXPECT_EQ(voided_only.json["Sale"]["saleID"], id);
  Answer after = Api("GET", "Item/11.json?load_relations=[\"ItemShops\"]");
  const auto qoh = [](const Answer& a) {
    for (const auto& s : a.json["Item"]["ItemShops"]["ItemShop"])
      if (s["shopID"] == "1") return std::stoi(s["qoh"].get<std::string>());
    return -1000;
  };
  EXPECT_EQ(qoh(after), qoh(stock) + 1);
  // Voiding twice changes nothing; unknown sales and open ones are refused.
  EXPECT_EQ(Control("POST", "rows/Sale/" + id + "/void").status, 200);
  EXPECT_EQ(qoh(Api("GET", "Item/11.json?load_relations=[\"ItemShops\"]")), qoh(after));
  EXPECT_EQ(Control("POST", "rows/Sale/999/void").status, 404);
}

TEST_F(ReconcileListing, OrSearchOfReferencesFindsArchivedSalesOnlyWhenAsked) {
  Json open = SaleBody({{{"itemID", 11}}}, nullptr, false);
  open["referenceNumber"] = "3001";
  open["referenceNumberSource"] = "web";
  Answer made = Api("POST", "Sale.json", open);
  ASSERT_EQ(made.status, 200) << made.body;
  const std::string open_id = made.json["Sale"]["saleID"];
  ASSERT_EQ(Api("DELETE", "Sale/" + open_id + ".json").status, 200);
  const std::string live = SaleWithReference("3002", "web");
  const std::string ors = "or=" +
                          UrlEncode(
                              "referenceNumber=3001|referenceNumber=3002|"
                              "referenceNumber=3003") +
                          "&referenceNumberSource=web";
  int pages = 0;
  EXPECT_EQ(AllPages("Sale.json?" + ors, &pages), (std::vector<std::string>{live}));
  EXPECT_EQ(AllPages("Sale.json?archived=true&" + ors, &pages),
            (std::vector<std::string>{open_id, live}));
}

}  // namespace
}  // namespace sim::testing
