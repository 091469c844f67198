// R17 in a batch (R27): the batched reading picks what the per-item search would pick, and
// concludes nothing it cannot be sure of.
#include "exporter/item_lookup.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace exporter {
namespace {

using lightspeed::Item;
using lightspeed::ItemKey;

ItemNeed Need(const std::string& sku, const std::string& upc = "", const std::string& ean = "",
              const std::string& mfr = "") {
  ItemNeed n;
  n.sku = sku;
  n.catalog.sku = sku;
  if (!upc.empty()) n.catalog.upc = upc;
  if (!ean.empty()) n.catalog.ean = ean;
  if (!mfr.empty()) n.catalog.manufacturer_sku = mfr;
  return n;
}

Item Stock(const std::string& id, const std::string& upc, const std::string& ean,
           const std::string& mfr, const std::string& sku, bool archived = false) {
  Item i;
  i.id = id;
  i.upc = upc;
  i.ean = ean;
  i.manufacturer_sku = mfr;
  i.custom_sku = sku;
  i.archived = archived;
  return i;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A Lightspeed account that answers one-key searches the way lsr-sim does, and counts them.
// The lookup run to its end here.
ItemLookup Look(std::vector<ItemNeed> needs, FindItemsByCodes find) {
  return base::SyncWait(LookUpItems(std::move(needs), std::move(find)));
}

struct FakeAccount {
  std::vector<Item> items;
  std::vector<std::pair<ItemKey, std::vector<std::string>>> asked;
  FindItemsByCodes Finder() {
    return [this](ItemKey key,
                  std::vector<std::string> values) -> base::Task<base::Result<std::vector<Item>>> {
      asked.push_back({key, values});
      std::vector<Item> out;
      for (const Item& i : items) {
        const std::string& field = key == ItemKey::kUpc               ? i.upc
                                   : key == ItemKey::kEan             ? i.ean
                                   : key == ItemKey::kManufacturerSku ? i.manufacturer_sku
                                                                      : i.custom_sku;
        for (const std::string& v : values)
          if (!field.empty() && Lower(field) == Lower(v)) {
            out.push_back(i);
            break;
          }
      }
      co_return out;
    };
  }
};

TEST(ItemLookup, R17OneSearchPerKeyInPriorityOrderAskingOnlyForItemsStillUnfound) {
  FakeAccount a;
  a.items = {Stock("5", "111111111111", "", "", "OTHER"),  // A by UPC
             Stock("3", "", "2222222222222", "M-B", ""),   // B by EAN (before its mfr SKU 9)
             Stock("9", "", "", "m-b", ""),                // B's manufacturer SKU, lower priority
             Stock("7", "", "", "", "d-sku")};             // D by custom SKU, any case
  const auto got =
      Look({Need("A", "111111111111", "", "M-A"), Need("B", "333333333333", "2222222222222", "M-B"),
            Need("C", "444444444444", "", "M-C"), Need("D-SKU")},
           a.Finder());
  EXPECT_EQ(got.found,
            (std::map<std::string, std::string>{{"A", "5"}, {"B", "3"}, {"D-SKU", "7"}}));
  ASSERT_EQ(got.missing.size(), 1u);
  EXPECT_EQ(got.missing.begin()->first, "C");
  ASSERT_EQ(a.asked.size(), 4u) << "one request per key";
  EXPECT_EQ(a.asked[1].second, std::vector<std::string>({"2222222222222"}))
      << "EAN asked only for items the UPC did not find";
  EXPECT_EQ(a.asked[2].second, std::vector<std::string>({"M-C"}));
  EXPECT_EQ(a.asked[3].second, std::vector<std::string>({"C", "D-SKU"}));
}

TEST(ItemLookup, R17ALiveItemWinsTheLowestIdAndArchivedOnlyIsLeftToThePerItemSearch) {
  FakeAccount a;
  a.items = {Stock("8", "111111111111", "", "", ""),
             Stock("4", "111111111111", "", "", ""),
             Stock("2", "111111111111", "", "", "", /*archived=*/true),
             Stock("6", "", "", "", "ARCH", /*archived=*/true),
             Stock("12", "555555555555", "", "", "", /*archived=*/true),
             Stock("13", "", "", "", "LATE")};
  const auto got =
      Look({Need("A", "111111111111"), Need("ARCH"), Need("LATE", "555555555555")}, a.Finder());
  EXPECT_EQ(got.found, (std::map<std::string, std::string>{{"A", "4"}, {"LATE", "13"}}))
      << "a live item on a later key wins over an archived one on an earlier key";
  EXPECT_TRUE(got.missing.empty()) << "an item found only archived is not a 'not found'";
}

TEST(ItemLookup, NothingIsConcludedFromAnAnswerItCannotRead) {
  FakeAccount a;
  a.items = {Stock("1", "", "", "", "X")};
  // Lightspeed answers with an item that matches no code asked for (a rule unknown here).
  const auto odd = [](ItemKey,
                      std::vector<std::string>) -> base::Task<base::Result<std::vector<Item>>> {
    co_return std::vector<Item>{Stock("1", "", "", "", "SOMETHING ELSE")};
  };
  EXPECT_TRUE(Look({Need("X"), Need("Y")}, odd).missing.empty());
  const auto failing = [](ItemKey,
                          std::vector<std::string>) -> base::Task<base::Result<std::vector<Item>>> {
    co_return base::Unavailable("no answer");
  };
  const auto none = Look({Need("X", "111111111111")}, failing);
  EXPECT_TRUE(none.found.empty());
  EXPECT_TRUE(none.missing.empty());
}

TEST(ItemLookup, SharedCodesAndPipesAreLeftToThePerItemSearch) {
  FakeAccount a;
  const auto got = Look(
      {Need("A", "", "", "SAME"), Need("B", "", "", "same"), Need("P|Q"), Need("C")}, a.Finder());
  ASSERT_EQ(got.missing.size(), 1u) << "the create of A would be B's find, and '|' splits or=";
  EXPECT_EQ(got.missing.begin()->first, "C");
}

}  // namespace
}  // namespace exporter
