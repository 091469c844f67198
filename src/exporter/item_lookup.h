// R17 for a batch of orders (R27, frugal): the items a lane turn still needs, looked up by all
// their codes at once — one `or=` search per key (UPC, then EAN, then manufacturer SKU, then
// custom SKU), each asked only for the items no earlier key found — instead of up to four
// requests per item. The answer is read exactly as the per-item search reads its own: the same
// key order, a live item before an archived one, the lowest id among equals, codes compared as
// Lightspeed compares them (case-insensitively). Private to exporter/.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/task.h"
#include "exporter/plan.h"
#include "lightspeed/client.h"

namespace exporter {

// The codes an item is searched by, in R17's order ("" for none).
struct ItemCodes {
  std::string upc, ean, manufacturer_sku, custom_sku;
  bool operator==(const ItemCodes&) const = default;
};
ItemCodes CodesOf(const ItemNeed& need);

struct ItemLookup {
  // Web SKU → the live Lightspeed item the per-item search would pick.
  std::map<std::string, std::string> found;
  // Web SKU → its codes, for items that no key found, live or archived: only a hint, as the
  // batch came before the create gate (a create of the SKU since then makes the gate search).
  std::map<std::string, ItemCodes> missing;
};

// Searches `values` of one key (every page); Client::FindItemsByCodes in production.
using FindItemsByCodes = std::function<base::Task<base::Result<std::vector<lightspeed::Item>>>(
    lightspeed::ItemKey, std::vector<std::string>)>;

// Items concluded about; the others (an item found only archived, codes that share a value with
// another SKU's, a code that cannot be an `or=` operand, an answer not read to the end, an item
// in the answer that matches no code asked for) are left to the per-item search.
base::Task<ItemLookup> LookUpItems(std::vector<ItemNeed> needs, FindItemsByCodes find);

}  // namespace exporter
