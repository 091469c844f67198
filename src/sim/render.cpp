#include <algorithm>

#include "sim/model.h"
#include "sim/relations.h"

namespace sim {
namespace {

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Lightspeed writes amounts and decimals without trailing zeros: "1.5", "0", "20", "34.48"
// (the Sales tutorial's sale). Rows keep two decimals; only the answer drops them.
std::string Trimmed(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

Json Scalars(const EntitySpec& spec, const Json& row) {
  Json out = Json::object();
  for (const auto& f : spec.fields) {
    auto it = row.find(f.name);
    std::string v = it != row.end() && it->is_string() ? it->get<std::string>() : f.def;
    const bool numeric =
        f.type == FieldType::kMoney || f.type == FieldType::kDecimal || f.type == FieldType::kRate;
    out[f.name] = numeric ? Trimmed(std::move(v)) : std::move(v);
  }
  return out;
}

std::vector<Json> Rendered(const Json& arr, const std::string& spec_name) {
  std::vector<Json> out;
  if (!arr.is_array()) return out;
  for (const auto& e : arr) out.push_back(Scalars(NestedSpec(spec_name), e));
  return out;
}

Json RenderContact(const Json& c) {
  Json out = Scalars(NestedSpec("Contact"), c);
  out["Addresses"] =
      Wrapped("ContactAddress", Rendered(c.value("Addresses", Json()), "ContactAddress"));
  out["Phones"] = Wrapped("ContactPhone", Rendered(c.value("Phones", Json()), "ContactPhone"));
  out["Emails"] = Wrapped("ContactEmail", Rendered(c.value("Emails", Json()), "ContactEmail"));
  out["Websites"] = "";
  return out;
}

std::vector<const Json*> Children(const Json& row, const std::string& key) {
  std::vector<const Json*> out;
  auto it = row.find(key);
  if (it == row.end()) return out;
  if (it->is_array()) {
    for (const auto& e : *it) out.push_back(&e);
  } else if (it->is_object()) {
    out.push_back(&*it);
  }
  return out;
}

// Related record behind a to-one reference relation, or nullptr.
const Json* Referenced(const Account& acct, const std::string& rel, const Json& row) {
  static const std::pair<const char*, const char*> kRefs[] = {
      {"Customer", "customerID"},       {"Item", "itemID"},
      {"TaxCategory", "taxCategoryID"}, {"Shop", "shopID"},
      {"PaymentType", "paymentTypeID"}, {"TaxClass", "taxClassID"}};
  for (const auto& [name, field] : kRefs)
    if (rel == name) return FindRow(acct, name, IdOf(row, field));
  return nullptr;
}

}  // namespace

Json RenderRow(const Account& acct, const EntitySpec& spec, const Json& row,
               const std::vector<std::string>& relations) {
  Json out = Scalars(spec, row);
  for (const auto& rel : spec.relations) {
    if (!rel.always && !Has(relations, rel.name)) continue;
    const std::string& n = rel.name;
    if (n == "Contact") {
      auto it = row.find("Contact");
      if (it != row.end() && it->is_object()) out["Contact"] = RenderContact(*it);
    } else if (n == "Prices") {
      out["Prices"] = Wrapped("ItemPrice", Rendered(row.value("Prices", Json()), "ItemPrice"));
    } else if (n == "TaxCategoryClasses") {
      out[n] = Wrapped("TaxCategoryClass",
                       Rendered(row.value("TaxCategoryClasses", Json()), "TaxCategoryClass"));
    } else if (n == "ItemShops") {
      out["ItemShops"] = Wrapped("ItemShop", Rendered(row.value("ItemShops", Json()), "ItemShop"));
    } else if (n == "SaleLines") {
      std::vector<Json> lines;
      for (const Json* l : Children(row, "SaleLines")) {
        Json r = Scalars(NestedSpec("SaleLine"), *l);
        if (l->contains("Note")) r["Note"] = Scalars(NestedSpec("Note"), (*l)["Note"]);
        if (Has(relations, "SaleLines.Item"))
          if (const Json* item = FindRow(acct, "Item", IdOf(*l, "itemID")))
            r["Item"] = RenderRow(acct, *FindEntity("Item"), *item, {});
        lines.push_back(std::move(r));
      }
      out["SaleLines"] = Wrapped("SaleLine", std::move(lines));
    } else if (n == "SalePayments") {
      std::vector<Json> pays;
      for (const Json* p : Children(row, "SalePayments")) {
        Json r = Scalars(NestedSpec("SalePayment"), *p);
        if (Has(relations, "SalePayments.PaymentType"))
          if (const Json* pt = FindRow(acct, "PaymentType", IdOf(*p, "paymentTypeID")))
            r["PaymentType"] = RenderRow(acct, *FindEntity("PaymentType"), *pt, {});
        pays.push_back(std::move(r));
      }
      out["SalePayments"] = Wrapped("SalePayment", std::move(pays));
    } else if (n == "SaleNotes") {
      auto it = row.find("SaleNotes");
      if (it != row.end() && it->is_object() && it->contains("InternalNote")) {
        Json notes = Json::object();
        notes["InternalNote"] = Scalars(NestedSpec("Note"), (*it)["InternalNote"]);
        out["SaleNotes"] = notes;
      } else {
        out["SaleNotes"] = "";
      }
    } else if (const Json* ref = Referenced(acct, n, row)) {
      out[n] = RenderRow(acct, *FindEntity(n), *ref, SubRelations(relations, n));
    }
  }
  RenderDocumentedRelations(acct, spec, row, relations, &out);
  return out;
}

std::vector<std::string> WriteRelations(const EntitySpec& spec) {
  if (spec.name == "Sale") return {"SaleLines", "SalePayments", "SaleNotes"};
  if (spec.name == "Customer") return {"Contact"};
  if (spec.name == "Item") return {"ItemShops"};
  return {};
}

std::vector<std::string> FieldValues(const Account& acct, const EntitySpec& spec, const Json& row,
                                     const std::string& field) {
  std::vector<std::string> out;
  auto text = [](const Json& o, const std::string& k) {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const size_t dot = field.find('.');
  if (dot == std::string::npos) {
    if (spec.name == "Item" && field == "itemCode") {
      for (const char* k : {"itemID", "upc", "ean"})
        if (!text(row, k).empty()) out.push_back(text(row, k));
      return out;
    }
    out.push_back(text(row, field));
    return out;
  }
  const std::string rel = field.substr(0, dot), sub = field.substr(dot + 1);
  if (rel == "Contact" && (sub == "email" || sub == "phone")) {
    auto c = row.find("Contact");
    if (c == row.end()) return out;
    for (const Json* e : Children(*c, sub == "email" ? "Emails" : "Phones"))
      out.push_back(text(*e, sub == "email" ? "address" : "number"));
    return out;
  }
  std::vector<const Json*> targets = Children(row, rel);
  if (targets.empty())
    if (const Json* ref = Referenced(acct, rel, row)) targets.push_back(ref);
  for (const Json* t : targets) out.push_back(text(*t, sub));
  return out;
}

}  // namespace sim
