// The control plane's tax settings: what a merchant edits in Lightspeed's back office under
// Settings → Sales Taxes and Tax Classes. Sales taxed from then on use them, whatever a client
// remembered.
#include "sim/control_tax.h"

#include <optional>

#include "sim/decimal.h"
#include "sim/model.h"
#include "sim/schema.h"

namespace sim {
namespace {

HttpResponse Bad(const std::string& message) { return JsonError(400, message, "SimControlError"); }

bool IsRate(const Json& v) { return v.is_string() && ParseFixed(v.get<std::string>(), 8); }

std::optional<std::string> BoolText(const Json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_string() && (v == "true" || v == "false")) return v.get<std::string>();
  return std::nullopt;
}

// {"<taxClassID>": {"tax1Rate":"0","tax2Rate":"0"} | null} → the category's TaxCategoryClasses;
// the refusal when the body is wrong (nothing changed).
std::optional<HttpResponse> ApplyClasses(Account& acct, int64_t category, const Json& classes,
                                         int64_t now_us, Json* row) {
  if (!classes.is_object())
    return Bad("classes must map a taxClassID to {\"tax1Rate\",\"tax2Rate\"} or null");
  for (auto it = classes.begin(); it != classes.end(); ++it) {
    const auto cls = ParseFixed(it.key(), 0);
    if (!cls || *cls <= 0 || !FindRow(acct, "TaxClass", *cls))
      return Bad("classes: " + it.key() + " is not a tax class of this account");
    if (it.value().is_null()) continue;
    if (!it.value().is_object()) return Bad("classes." + it.key() + " must be an object or null");
    for (auto r = it.value().begin(); r != it.value().end(); ++r)
      if ((r.key() != "tax1Rate" && r.key() != "tax2Rate") || !IsRate(r.value()))
        return Bad("classes." + it.key() + "." + r.key() +
                   ": only tax1Rate and tax2Rate, as fractions such as \"0.05\"");
  }
  Json& list = (*row)["TaxCategoryClasses"];
  if (!list.is_array()) list = Json::array();
  for (auto it = classes.begin(); it != classes.end(); ++it) {
    const std::string cls = std::to_string(*ParseFixed(it.key(), 0));
    Json* found = nullptr;
    for (auto& c : list)
      if (c.value("taxClassID", "") == cls) found = &c;
    if (it.value().is_null()) {
      if (found) list.erase(list.begin() + (found - &list[0]));
      continue;
    }
    if (!found) {
      Json fresh = DefaultRow(NestedSpec("TaxCategoryClass"));
      fresh["taxCategoryClassID"] = std::to_string(NextId(acct, "TaxCategoryClass"));
      fresh["taxCategoryID"] = std::to_string(category);
      fresh["taxClassID"] = cls;
      list.push_back(std::move(fresh));
      found = &list.back();
    }
    for (auto r = it.value().begin(); r != it.value().end(); ++r)
      (*found)[r.key()] = r.value().get<std::string>();
    (*found)["timeStamp"] = FormatTimeUs(now_us);
  }
  return std::nullopt;
}

}  // namespace

HttpResponse SetTaxCategory(Account& acct, const std::string& id, int64_t now_us,
                            const Json& body) {
  const auto row_id = ParseFixed(id, 0);
  if (!row_id || *row_id <= 0) return Bad("the tax category id must be a positive number");
  if (!body.is_object()) return Bad("the body is a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& k = it.key();
    if (k == "tax1Rate" || k == "tax2Rate") {
      if (!IsRate(it.value())) return Bad(k + " must be a fraction such as \"0.0825\"");
    } else if (k == "tax1Name" || k == "tax2Name") {
      if (!it.value().is_string()) return Bad(k + " must be a string");
    } else if (k == "isTaxInclusive") {
      if (!BoolText(it.value())) return Bad("isTaxInclusive must be true or false");
    } else if (k != "classes") {
      return Bad("unknown tax category field: " + k +
                 " (tax1Name, tax2Name, tax1Rate, tax2Rate, isTaxInclusive, classes)");
    }
  }
  auto& table = acct.tables["TaxCategory"];
  auto row = table.rows.find(*row_id);
  Json fresh = row == table.rows.end() ? DefaultRow(*FindEntity("TaxCategory")) : row->second;
  fresh["taxCategoryID"] = std::to_string(*row_id);
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "classes") continue;
    fresh[it.key()] =
        it.key() == "isTaxInclusive" ? *BoolText(it.value()) : it.value().get<std::string>();
  }
  fresh["timeStamp"] = FormatTimeUs(now_us);
  if (body.contains("classes"))
    if (auto refused = ApplyClasses(acct, *row_id, body["classes"], now_us, &fresh))
      return *refused;
  if (table.next_id <= *row_id) table.next_id = *row_id + 1;
  table.rows[*row_id] = fresh;
  return JsonAnswer(200, fresh);
}

HttpResponse SetTaxClass(Account& acct, const std::string& id, int64_t now_us, const Json& body) {
  const auto row_id = ParseFixed(id, 0);
  if (!row_id || *row_id <= 0) return Bad("the tax class id must be a positive number");
  if (!body.is_object() || !body.contains("name") || !body["name"].is_string() ||
      body["name"].get<std::string>().empty())
    return Bad("name: a tax class needs a name, e.g. {\"name\":\"Clothing\"}");
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "name") return Bad("unknown tax class field: " + it.key() + " (name)");
  auto& table = acct.tables["TaxClass"];
  Json row = table.rows.count(*row_id) ? table.rows[*row_id] : DefaultRow(*FindEntity("TaxClass"));
  row["taxClassID"] = std::to_string(*row_id);
  row["name"] = body["name"];
  row["timeStamp"] = FormatTimeUs(now_us);
  if (table.next_id <= *row_id) table.next_id = *row_id + 1;
  table.rows[*row_id] = row;
  return JsonAnswer(200, row);
}

}  // namespace sim
