#include "exporter/item_lookup.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "exporter/order_export.h"

namespace exporter {
namespace {

std::string Folded(const std::string& s) {
  std::string out = s;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

constexpr lightspeed::ItemKey kKeys[] = {lightspeed::ItemKey::kUpc, lightspeed::ItemKey::kEan,
                                         lightspeed::ItemKey::kManufacturerSku,
                                         lightspeed::ItemKey::kCustomSku};

const std::string& CodeFor(const ItemCodes& c, lightspeed::ItemKey key) {
  switch (key) {
    case lightspeed::ItemKey::kUpc:
      return c.upc;
    case lightspeed::ItemKey::kEan:
      return c.ean;
    case lightspeed::ItemKey::kManufacturerSku:
      return c.manufacturer_sku;
    case lightspeed::ItemKey::kCustomSku:
      break;
  }
  return c.custom_sku;
}

const std::string& FieldOf(const lightspeed::Item& item, lightspeed::ItemKey key) {
  switch (key) {
    case lightspeed::ItemKey::kUpc:
      return item.upc;
    case lightspeed::ItemKey::kEan:
      return item.ean;
    case lightspeed::ItemKey::kManufacturerSku:
      return item.manufacturer_sku;
    case lightspeed::ItemKey::kCustomSku:
      break;
  }
  return item.custom_sku;
}

}  // namespace

ItemCodes CodesOf(const ItemNeed& need) {
  return {need.catalog.upc.value_or(""), need.catalog.ean.value_or(""),
          need.catalog.manufacturer_sku.value_or(""), need.sku};
}

base::Task<ItemLookup> LookUpItems(std::vector<ItemNeed> needs, FindItemsByCodes find) {
  ItemLookup out;
  // SKU → codes, for the items still to be concluded about.
  std::map<std::string, ItemCodes> pending;
  for (const ItemNeed& need : needs) pending.emplace(need.sku, CodesOf(need));
  // Left out: a code that cannot be an or= operand, and codes one SKU shares with another (the
  // create of one would be found by the other's search under its gate, not by this batch).
  std::map<std::string, std::set<std::string>> holders;  // folded code → SKUs
  for (const auto& [sku, codes] : pending)
    for (lightspeed::ItemKey key : kKeys)
      if (!CodeFor(codes, key).empty()) holders[Folded(CodeFor(codes, key))].insert(sku);
  for (auto it = pending.begin(); it != pending.end();) {
    bool keep = true;
    for (lightspeed::ItemKey key : kKeys) {
      const std::string& code = CodeFor(it->second, key);
      if (code.find('|') != std::string::npos ||
          (!code.empty() && holders[Folded(code)].size() > 1))
        keep = false;
    }
    it = keep ? std::next(it) : pending.erase(it);
  }
  std::set<std::string> archived_seen;
  for (lightspeed::ItemKey key : kKeys) {
    std::map<std::string, std::vector<std::string>> asking;  // folded code → SKUs
    std::vector<std::string> values;
    for (const auto& [sku, codes] : pending) {
      const std::string& code = CodeFor(codes, key);
      if (code.empty()) continue;
      auto& skus = asking[Folded(code)];
      if (skus.empty()) values.push_back(code);
      skus.push_back(sku);
    }
    if (values.empty()) continue;
    auto items = co_await find(key, values);
    if (!items.ok()) co_return out;                     // the rest is left to the per-item search
    std::map<std::string, std::string> live, archived;  // SKU → lowest id
    for (const lightspeed::Item& item : *items) {
      auto who = asking.find(Folded(FieldOf(item, key)));
      // Lightspeed matched it by a rule this reading does not know: trust nothing more.
      if (who == asking.end()) co_return out;
      for (const std::string& sku : who->second) {
        std::string& best = (item.archived ? archived : live)[sku];
        if (best.empty() || IdLess(item.id, best)) best = item.id;
      }
    }
    for (const auto& [sku, id] : live) {
      out.found[sku] = id;
      pending.erase(sku);
    }
    for (const auto& [sku, id] : archived) archived_seen.insert(sku);
  }
  for (const auto& [sku, codes] : pending)
    if (!archived_seen.count(sku)) out.missing[sku] = codes;
  co_return out;
}

}  // namespace exporter
