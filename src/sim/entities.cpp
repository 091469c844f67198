// Create/update/delete of the entities other than Sale.
#include <algorithm>
#include <map>

#include "sim/decimal.h"
#include "sim/model.h"

namespace sim {
namespace {

base::Error Bad(const std::string& field, const std::string& message) {
  return BadArgument(field, message);
}

std::string Text(const Json& o, const std::string& k) { return FieldText(o, k); }

// Normalises nested records of one kind (ContactEmail, ItemPrice, ...) from a body.
base::Result<Json> NestedList(const Json& body, const std::string& key, const std::string& child) {
  std::vector<Json> items;
  if (!ReadWrapped(body, key, child, &items))
    return Bad(key,
               key + " must look like {\"" + child + "\": {...}} or {\"" + child + "\": [...]}");
  Json arr = Json::array();
  const EntitySpec& spec = NestedSpec(child);
  for (const auto& in : items) {
    Json row = DefaultRow(spec);
    if (auto st = ApplyScalars(spec, in, &row, {}); !st.ok()) return st.error();
    arr.push_back(std::move(row));
  }
  return arr;
}

base::Status ApplyContact(Ctx ctx, const Json& body, Json* customer) {
  auto it = body.find("Contact");
  if (it == body.end()) return base::OkStatus();
  if (!it->is_object()) return Bad("Contact", "Contact must be an object");
  Json& contact = (*customer)["Contact"];
  if (auto st = ApplyScalars(NestedSpec("Contact"), *it, &contact, {"timeStamp"}); !st.ok())
    return st;
  static const std::pair<const char*, const char*> kLists[] = {
      {"Emails", "ContactEmail"}, {"Phones", "ContactPhone"}, {"Addresses", "ContactAddress"}};
  for (const auto& [key, child] : kLists) {
    if (!it->contains(key)) continue;
    auto list = NestedList(*it, key, child);
    if (!list.ok()) return list.error();
    contact[key] = std::move(*list);
  }
  contact["timeStamp"] = FormatTimeUs(ctx.now_us);
  return base::OkStatus();
}

const char* kItemTypes[] = {"default",  "non_inventory",       "serialized", "box",
                            "assembly", "serialized_assembly", "gift_card",  "special_order"};

base::Status CheckItemType(const Json& row) {
  const std::string t = Text(row, "itemType");
  for (const char* k : kItemTypes)
    if (t == k) return base::OkStatus();
  return Bad("itemType", "Invalid itemType " + t);
}

base::Status ApplyPrices(const Json& body, Json* item) {
  if (!body.contains("Prices")) return base::OkStatus();
  auto list = NestedList(body, "Prices", "ItemPrice");
  if (!list.ok()) return list.error();
  Json& prices = (*item)["Prices"];
  for (const auto& p : *list) {
    const std::string use = Text(p, "useType");
    bool found = false;
    for (auto& existing : prices)
      if (EqualsIgnoreCase(Text(existing, "useType"), use)) {
        existing["amount"] = p["amount"];
        found = true;
      }
    if (!found) {
      Json np = p;
      np["useTypeID"] = std::to_string(prices.size() + 1);
      prices.push_back(std::move(np));
    }
  }
  return base::OkStatus();
}

base::Status ApplyItemShops(Ctx ctx, const Json& body, Json* item) {
  if (!body.contains("ItemShops")) return base::OkStatus();
  std::vector<Json> given;
  if (!ReadWrapped(body, "ItemShops", "ItemShop", &given))
    return Bad("ItemShops", "ItemShops must look like {\"ItemShop\": [...]}");
  for (const auto& g : given) {
    const int64_t shop_id = ParseFixed(Text(g, "shopID"), 0).value_or(-1);
    const int64_t row_id = ParseFixed(Text(g, "itemShopID"), 0).value_or(-1);
    Json* target = nullptr;
    for (auto& s : (*item)["ItemShops"])
      if (IdOf(s, "itemShopID") == row_id || (row_id <= 0 && IdOf(s, "shopID") == shop_id))
        target = &s;
    if (!target) return Bad("ItemShops", "No ItemShop for that itemShopID/shopID");
    if (auto st = ApplyScalars(NestedSpec("ItemShop"), g, target, {"itemID", "shopID"}); !st.ok())
      return st;
    (*target)["timeStamp"] = FormatTimeUs(ctx.now_us);
  }
  return base::OkStatus();
}

}  // namespace

int64_t NextId(Account& acct, const std::string& counter) { return acct.tables[counter].next_id++; }

Json* FindRow(Account& acct, const std::string& entity, int64_t id) {
  auto t = acct.tables.find(entity);
  if (t == acct.tables.end()) return nullptr;
  auto r = t->second.rows.find(id);
  return r == t->second.rows.end() ? nullptr : &r->second;
}

const Json* FindRow(const Account& acct, const std::string& entity, int64_t id) {
  return FindRow(const_cast<Account&>(acct), entity, id);
}

bool EmployeeLockedOut(const Account& acct) {
  const Json* owner = FindRow(acct, "Employee", 1);
  return owner && FieldText(*owner, "lockOut") == "true";
}

int64_t IdOf(const Json& row, const std::string& field) {
  return ParseFixed(Text(row, field), 0).value_or(0);
}

int64_t DefaultPriceCents(const Json& item) {
  auto it = item.find("Prices");
  if (it == item.end()) return 0;
  for (const auto& p : *it)
    if (Text(p, "useType") == "Default") return ParseFixed(Text(p, "amount"), 2).value_or(0);
  return 0;
}

void AdjustStock(Json* item, int64_t shop_id, int64_t delta, Ctx ctx) {
  Json& shops = (*item)["ItemShops"];
  bool found = false;
  for (auto& s : shops) {
    if (IdOf(s, "shopID") != shop_id) continue;
    found = true;
    const int64_t qoh = IdOf(s, "qoh") + delta;
    s["qoh"] = std::to_string(qoh);
    s["sellable"] = std::to_string(qoh);
    s["timeStamp"] = FormatTimeUs(ctx.now_us);
  }
  if (!found) {
    Json s = DefaultRow(NestedSpec("ItemShop"));
    s["itemShopID"] = std::to_string(NextId(*ctx.acct, "ItemShop"));
    s["itemID"] = (*item)["itemID"];
    s["shopID"] = std::to_string(shop_id);
    s["qoh"] = s["sellable"] = std::to_string(delta);
    s["timeStamp"] = FormatTimeUs(ctx.now_us);
    shops.push_back(std::move(s));
  }
}

base::Result<int64_t> CreateEntity(Ctx ctx, const EntitySpec& spec, const Json& body) {
  if (spec.name == "Sale") return CreateSale(ctx, body);
  Account& acct = *ctx.acct;
  // A refused create gives back the ids it took, so it leaves no trace (as a refused sale).
  std::map<std::string, int64_t> counters;
  for (const std::string& k : {spec.name, std::string("Contact"), std::string("ItemShop")})
    counters[k] = acct.tables[k].next_id;
  auto refuse = [&](const base::Error& e) {
    for (const auto& [k, next] : counters) acct.tables[k].next_id = next;
    return e;
  };
  Json row = DefaultRow(spec);
  const std::string now = FormatTimeUs(ctx.now_us);
  if (auto st = ApplyScalars(
          spec, body, &row,
          {"createTime", "timeStamp", "systemSku", "contactID", "internalReserved", "type"});
      !st.ok())
    return st.error();
  for (const char* k : {"createTime", "timeStamp"})
    if (row.contains(k)) row[k] = now;

  if (spec.name == "Customer") {
    Json contact = DefaultRow(NestedSpec("Contact"));
    contact["contactID"] = std::to_string(NextId(acct, "Contact"));
    contact["Emails"] = contact["Phones"] = contact["Addresses"] = Json::array();
    contact["timeStamp"] = now;
    row["Contact"] = std::move(contact);
    if (auto st = ApplyContact(ctx, body, &row); !st.ok()) return refuse(st.error());
    row["contactID"] = row["Contact"]["contactID"];
  } else if (spec.name == "Item") {
    if (Text(row, "description").empty()) return Bad("description", "description is required");
    if (auto st = CheckItemType(row); !st.ok()) return st.error();
    if (auto st = CheckItemRules(acct, row, 0); !st.ok()) return st.error();
    row["Prices"] = Json::array();
    for (const char* use : {"Default", "MSRP", "Online"}) {
      Json p = DefaultRow(NestedSpec("ItemPrice"));
      p["useType"] = use;
      p["useTypeID"] = std::to_string(row["Prices"].size() + 1);
      row["Prices"].push_back(std::move(p));
    }
    if (auto st = ApplyPrices(body, &row); !st.ok()) return st.error();
  } else if (spec.name == "PaymentType") {
    if (Text(row, "name").empty()) return Bad("name", "name is required");
    row["type"] = "user defined";
    row["internalReserved"] = "false";
  } else if (spec.name == "Serialized") {
    if (!FindRow(acct, "Item", IdOf(row, "itemID")))
      return Bad("itemID", "itemID must name an existing Item");
    const int64_t customer = IdOf(row, "customerID");
    if (customer != 0 && !FindRow(acct, "Customer", customer))
      return Bad("customerID", "customerID must name an existing Customer");
    if (auto st = CheckSerializedRules(acct, row, 0); !st.ok()) return st.error();
  }

  const int64_t id = NextId(acct, spec.name);
  row[spec.id_field] = std::to_string(id);
  if (spec.name == "Item") {
    row["systemSku"] = std::to_string(210000000000LL + id);
    row["ItemShops"] = Json::array();
    std::vector<int64_t> shops = {0};
    for (const auto& [shop_id, shop] : acct.tables["Shop"].rows) shops.push_back(shop_id);
    std::sort(shops.begin(), shops.end());
    for (int64_t s : shops) AdjustStock(&row, s, 0, ctx);
    if (auto st = ApplyItemShops(ctx, body, &row); !st.ok()) return refuse(st.error());
  }
  acct.tables[spec.name].rows[id] = std::move(row);
  return id;
}

base::Status UpdateEntity(Ctx ctx, const EntitySpec& spec, int64_t id, const Json& body) {
  if (spec.name == "Sale") return UpdateSale(ctx, id, body);
  Json* existing = FindRow(*ctx.acct, spec.name, id);
  if (!existing) return base::NotFound(spec.name + " " + std::to_string(id) + " not found");
  Json row = *existing;
  if (auto st = ApplyScalars(
          spec, body, &row,
          {"createTime", "timeStamp", "systemSku", "contactID", "internalReserved", "type"});
      !st.ok())
    return st;
  if (row.contains("timeStamp")) row["timeStamp"] = FormatTimeUs(ctx.now_us);
  if (spec.name == "Customer") {
    if (auto st = ApplyContact(ctx, body, &row); !st.ok()) return st;
  } else if (spec.name == "Item") {
    if (Text(row, "description").empty()) return Bad("description", "description is required");
    if (auto st = CheckItemType(row); !st.ok()) return st;
    if (auto st = CheckItemRules(*ctx.acct, row, id, &body); !st.ok()) return st;
    if (auto st = ApplyPrices(body, &row); !st.ok()) return st;
    if (auto st = ApplyItemShops(ctx, body, &row); !st.ok()) return st;
  } else if (spec.name == "Serialized") {
    const int64_t item = IdOf(row, "itemID");
    if (item != 0 && !FindRow(*ctx.acct, "Item", item))
      return Bad("itemID", "itemID must name an existing Item");
    const int64_t customer = IdOf(row, "customerID");
    if (customer != 0 && !FindRow(*ctx.acct, "Customer", customer))
      return Bad("customerID", "customerID must name an existing Customer");
    if (auto st = CheckSerializedRules(*ctx.acct, row, id, &body); !st.ok()) return st;
  }
  *existing = std::move(row);
  return base::OkStatus();
}

base::Status DeleteEntity(Ctx ctx, const EntitySpec& spec, int64_t id) {
  if (spec.name == "Sale") return DeleteSale(ctx, id);
  Json* row = FindRow(*ctx.acct, spec.name, id);
  if (!row) return base::NotFound(spec.name + " " + std::to_string(id) + " not found");
  if (Text(*row, "internalReserved") == "true")
    return Bad("paymentTypeID", "Reserved payment types cannot be deleted");
  (*row)["archived"] = "true";
  if (row->contains("timeStamp")) (*row)["timeStamp"] = FormatTimeUs(ctx.now_us);
  return base::OkStatus();
}

}  // namespace sim
