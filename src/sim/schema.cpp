#include "sim/schema.h"

#include <map>

#include "base/clock.h"
#include "sim/decimal.h"

namespace sim {
namespace {

using T = FieldType;

std::map<std::string, EntitySpec, std::less<>> BuildEntities() {
  std::map<std::string, EntitySpec, std::less<>> m;
  auto add = [&](EntitySpec s) { m.emplace(s.name, std::move(s)); };
  add({"Account", "accountID", {{"accountID", T::kId, "0"}, {"name", T::kText, ""}}, {}, false});
  add({"Shop",
       "shopID",
       {{"shopID", T::kId, "0"},
        {"name", T::kText, ""},
        {"serviceRate", T::kMoney, "0.00"},
        {"timeZone", T::kText, "America/New_York"},
        {"taxLabor", T::kBool, "false"},
        {"labelTitle", T::kText, "Shop Name"},
        {"archived", T::kBool, "false"},
        {"timeStamp", T::kTime, ""},
        {"taxCategoryID", T::kId, "0"}},
       {{"TaxCategory", false, false}},
       false});
  add({"Register",
       "registerID",
       {{"registerID", T::kId, "0"},
        {"name", T::kText, ""},
        {"open", T::kBool, "false"},
        {"openTime", T::kTime, ""},
        {"openEmployeeID", T::kId, "0"},
        {"shopID", T::kId, "0"},
        {"archived", T::kBool, "false"},
        {"timeStamp", T::kTime, ""}},
       {{"Shop", false, false}},
       false});
  add({"Employee",
       "employeeID",
       {{"employeeID", T::kId, "0"},
        {"firstName", T::kText, ""},
        {"lastName", T::kText, ""},
        {"lockOut", T::kBool, "false"},
        {"archived", T::kBool, "false"},
        {"timeStamp", T::kTime, ""},
        {"employeeRoleID", T::kId, "1"},
        {"limitToShopID", T::kId, "0"}},
       {},
       false});
  add({"TaxCategory",
       "taxCategoryID",
       {{"taxCategoryID", T::kId, "0"},
        {"isTaxInclusive", T::kBool, "false"},
        {"tax1Name", T::kText, ""},
        {"tax2Name", T::kText, ""},
        {"tax1Rate", T::kRate, "0"},
        {"tax2Rate", T::kRate, "0"},
        {"timeStamp", T::kTime, ""}},
       {{"TaxCategoryClasses", true, false}},
       false});
  add({"TaxClass",
       "taxClassID",
       {{"taxClassID", T::kId, "0"},
        {"name", T::kText, ""},
        {"classType", T::kText, "item"},
        {"timeStamp", T::kTime, ""}},
       {},
       false});
  add({"Customer",
       "customerID",
       {{"customerID", T::kId, "0"},
        {"firstName", T::kText, ""},
        {"lastName", T::kText, ""},
        {"title", T::kText, ""},
        {"company", T::kText, ""},
        {"createTime", T::kTime, ""},
        {"timeStamp", T::kTime, ""},
        {"archived", T::kBool, "false"},
        {"contactID", T::kId, "0"},
        {"creditAccountID", T::kId, "0"},
        {"customerTypeID", T::kId, "0"},
        {"discountID", T::kId, "0"},
        {"taxCategoryID", T::kId, "0"}},
       {{"Contact", false, false}},
       true});
  add({"Item",
       "itemID",
       {{"itemID", T::kId, "0"},
        {"systemSku", T::kText, ""},
        {"defaultCost", T::kMoney, "0.00"},
        {"avgCost", T::kMoney, "0.00"},
        {"discountable", T::kBool, "true"},
        {"tax", T::kBool, "true"},
        {"archived", T::kBool, "false"},
        {"itemType", T::kText, "default"},
        {"serialized", T::kBool, "false"},
        {"description", T::kText, ""},
        {"modelYear", T::kInt, "0"},
        {"upc", T::kText, ""},
        {"ean", T::kText, ""},
        {"customSku", T::kText, ""},
        {"manufacturerSku", T::kText, ""},
        {"createTime", T::kTime, ""},
        {"timeStamp", T::kTime, ""},
        {"categoryID", T::kId, "0"},
        {"taxClassID", T::kId, "1"},
        {"manufacturerID", T::kId, "0"}},
       {{"Prices", true, true}, {"ItemShops", true, false}, {"TaxClass", false, false}},
       true});
  add({"PaymentType",
       "paymentTypeID",
       {{"paymentTypeID", T::kId, "0"},
        {"name", T::kText, ""},
        {"requireCustomer", T::kBool, "false"},
        {"archived", T::kBool, "false"},
        {"internalReserved", T::kBool, "false"},
        {"type", T::kText, "user defined"},
        {"refundAsPaymentTypeID", T::kId, "0"}},
       {},
       true});
  add({"Sale",
       "saleID",
       {{"saleID", T::kId, "0"},
        {"timeStamp", T::kTime, ""},
        {"discountPercent", T::kDecimal, "0"},
        {"completed", T::kBool, "false"},
        {"archived", T::kBool, "false"},
        {"voided", T::kBool, "false"},
        {"enablePromotions", T::kBool, "false"},
        {"isTaxInclusive", T::kBool, "false"},
        {"createTime", T::kTime, ""},
        {"updateTime", T::kTime, ""},
        {"completeTime", T::kTime, ""},
        {"referenceNumber", T::kText, ""},
        {"referenceNumberSource", T::kText, ""},
        {"tax1Rate", T::kRate, "0"},
        {"tax2Rate", T::kRate, "0"},
        {"change", T::kMoney, "0.00"},
        {"receiptPreference", T::kText, "printed"},
        {"displayableSubtotal", T::kMoney, "0.00"},
        {"ticketNumber", T::kText, ""},
        {"calcDiscount", T::kMoney, "0.00"},
        {"calcTotal", T::kMoney, "0.00"},
        {"calcSubtotal", T::kMoney, "0.00"},
        {"calcTaxable", T::kMoney, "0.00"},
        {"calcNonTaxable", T::kMoney, "0.00"},
        {"calcAvgCost", T::kMoney, "0.00"},
        {"calcFIFOCost", T::kMoney, "0.00"},
        {"calcTax1", T::kMoney, "0.00"},
        {"calcTax2", T::kMoney, "0.00"},
        {"calcPayments", T::kMoney, "0.00"},
        {"total", T::kMoney, "0.00"},
        {"totalDue", T::kMoney, "0.00"},
        {"displayableTotal", T::kMoney, "0.00"},
        {"balance", T::kMoney, "0.00"},
        {"customerID", T::kId, "0"},
        {"discountID", T::kId, "0"},
        {"employeeID", T::kId, "0"},
        {"quoteID", T::kId, "0"},
        {"registerID", T::kId, "0"},
        {"shipToID", T::kId, "0"},
        {"shopID", T::kId, "0"},
        {"taxCategoryID", T::kId, "0"}},
       {{"SaleLines", true, false},
        {"SalePayments", true, false},
        {"SaleNotes", false, false},
        {"Customer", false, false},
        {"TaxCategory", false, false}},
       true});
  add({"Serialized",
       "serializedID",
       {{"serializedID", T::kId, "0"},
        {"colorName", T::kText, ""},
        {"sizeName", T::kText, ""},
        {"serial", T::kText, ""},
        {"description", T::kText, ""},
        {"timeStamp", T::kTime, ""},
        {"itemID", T::kId, "0"},
        {"saleLineID", T::kId, "0"},
        {"customerID", T::kId, "0"}},
       {{"Item", false, false}},
       true});
  return m;
}

std::map<std::string, EntitySpec, std::less<>> BuildNested() {
  std::map<std::string, EntitySpec, std::less<>> m;
  auto add = [&](EntitySpec s) { m.emplace(s.name, std::move(s)); };
  add({"SaleLine",
       "saleLineID",
       {{"saleLineID", T::kId, "0"},
        {"createTime", T::kTime, ""},
        {"timeStamp", T::kTime, ""},
        {"unitQuantity", T::kInt, "1"},
        {"unitPrice", T::kMoney, "0.00"},
        {"normalUnitPrice", T::kMoney, "0.00"},
        {"discountAmount", T::kMoney, "0.00"},
        {"discountPercent", T::kDecimal, "0"},
        {"avgCost", T::kMoney, "0.00"},
        {"fifoCost", T::kMoney, "0.00"},
        {"tax", T::kBool, "true"},
        {"tax1Rate", T::kRate, "0"},
        {"tax2Rate", T::kRate, "0"},
        {"isLayaway", T::kBool, "false"},
        {"isWorkorder", T::kBool, "false"},
        {"isSpecialOrder", T::kBool, "false"},
        {"displayableSubtotal", T::kMoney, "0.00"},
        {"displayableUnitPrice", T::kMoney, "0.00"},
        {"calcLineDiscount", T::kMoney, "0.00"},
        {"calcTransactionDiscount", T::kMoney, "0.00"},
        {"calcTotal", T::kDecimal, "0"},
        {"calcSubtotal", T::kMoney, "0.00"},
        {"calcTax1", T::kDecimal, "0"},
        {"calcTax2", T::kDecimal, "0"},
        {"taxClassID", T::kId, "0"},
        {"customerID", T::kId, "0"},
        {"discountID", T::kId, "0"},
        {"employeeID", T::kId, "0"},
        {"itemID", T::kId, "0"},
        {"noteID", T::kId, "0"},
        {"parentSaleLineID", T::kId, "0"},
        {"shopID", T::kId, "0"},
        {"taxCategoryID", T::kId, "0"},
        {"saleID", T::kId, "0"}},
       {{"Note", false, true}, {"Item", false, false}},
       true});
  add({"SalePayment",
       "salePaymentID",
       {{"salePaymentID", T::kId, "0"},
        {"amount", T::kMoney, "0.00"},
        {"tipAmount", T::kMoney, "0.00"},
        {"createTime", T::kTime, ""},
        {"archived", T::kBool, "false"},
        {"remoteReference", T::kText, ""},
        {"paymentID", T::kText, ""},
        {"saleID", T::kId, "0"},
        {"paymentTypeID", T::kId, "0"},
        {"creditAccountID", T::kId, "0"},
        {"employeeID", T::kId, "0"},
        {"registerID", T::kId, "0"}},
       {{"PaymentType", false, false}},
       true});
  add({"TaxCategoryClass",
       "taxCategoryClassID",
       {{"taxCategoryClassID", T::kId, "0"},
        {"tax1Rate", T::kRate, "0"},
        {"tax2Rate", T::kRate, "0"},
        {"timeStamp", T::kTime, ""},
        {"taxCategoryID", T::kId, "0"},
        {"taxClassID", T::kId, "0"}},
       {},
       false});
  add({"Note",
       "noteID",
       {{"noteID", T::kId, "0"},
        {"note", T::kText, ""},
        {"isPublic", T::kBool, "false"},
        {"timeStamp", T::kTime, ""}},
       {},
       true});
  add({"ItemPrice",
       "",
       {{"amount", T::kMoney, "0.00"},
        {"useTypeID", T::kId, "1"},
        {"useType", T::kText, "Default"}},
       {},
       true});
  add({"ItemShop",
       "itemShopID",
       {{"itemShopID", T::kId, "0"},
        {"qoh", T::kInt, "0"},
        {"sellable", T::kInt, "0"},
        {"backorder", T::kInt, "0"},
        {"componentQoh", T::kInt, "0"},
        {"componentBackorder", T::kInt, "0"},
        {"reorderPoint", T::kInt, "0"},
        {"reorderLevel", T::kInt, "0"},
        {"timeStamp", T::kTime, ""},
        {"itemID", T::kId, "0"},
        {"shopID", T::kId, "0"}},
       {},
       true});
  add({"Contact",
       "contactID",
       {{"contactID", T::kId, "0"},
        {"custom", T::kText, ""},
        {"noEmail", T::kBool, "true"},
        {"noPhone", T::kBool, "true"},
        {"noMail", T::kBool, "true"},
        {"timeStamp", T::kTime, ""}},
       {},
       true});
  add({"ContactEmail",
       "",
       {{"address", T::kText, ""}, {"useType", T::kText, "Primary"}},
       {},
       true});
  add({"ContactPhone", "", {{"number", T::kText, ""}, {"useType", T::kText, "Mobile"}}, {}, true});
  add({"ContactAddress",
       "",
       {{"address1", T::kText, ""},
        {"address2", T::kText, ""},
        {"city", T::kText, ""},
        {"state", T::kText, ""},
        {"zip", T::kText, ""},
        {"country", T::kText, ""},
        {"countryCode", T::kText, ""},
        {"stateCode", T::kText, ""}},
       {},
       true});
  return m;
}

const auto& Entities() {
  static const auto m = BuildEntities();
  return m;
}

}  // namespace

const FieldSpec* EntitySpec::Field(std::string_view n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

const RelationSpec* EntitySpec::Relation(std::string_view n) const {
  for (const auto& r : relations)
    if (r.name == n) return &r;
  return nullptr;
}

const EntitySpec* FindEntity(std::string_view name) {
  auto it = Entities().find(name);
  return it == Entities().end() ? nullptr : &it->second;
}

const EntitySpec& NestedSpec(std::string_view name) {
  static const auto m = BuildNested();
  auto it = m.find(name);
  if (it != m.end()) return it->second;
  return *FindEntity(name);
}

base::Result<std::string> Normalize(const FieldSpec& field, const Json& value) {
  auto text = ScalarText(value);
  auto bad = [&](const std::string& what) {
    return base::Invalid(field.name, "Invalid value for " + field.name + ": " + what);
  };
  if (!text) return bad("expected a scalar");
  const std::string& s = *text;
  switch (field.type) {
    case T::kText:
      return s;
    case T::kId:
    case T::kInt: {
      if (s.empty()) return std::string("0");
      auto v = ParseFixed(s, 0);
      if (!v || (field.type == T::kId && *v < 0))
        return bad("expected an integer, got \"" + s + "\"");
      return std::to_string(*v);
    }
    case T::kBool:
      if (s == "true" || s == "1") return std::string("true");
      if (s == "false" || s == "0" || s.empty()) return std::string("false");
      return bad("expected true or false, got \"" + s + "\"");
    case T::kMoney: {
      auto v = ParseFixed(s.empty() ? "0" : s, 2);
      if (!v) return bad("expected an amount with at most two decimals, got \"" + s + "\"");
      return FormatFixed(*v, 2, 2);
    }
    case T::kRate:
    case T::kDecimal: {
      auto v = ParseFixed(s.empty() ? "0" : s, 8);
      if (!v) return bad("expected a decimal number, got \"" + s + "\"");
      return FormatFixed(*v, 8, 0);
    }
    case T::kTime: {
      if (s.empty()) return s;
      auto t = base::ParseTime(s, field.name);
      if (!t.ok()) return bad(t.error().message);
      return FormatTimeUs(
          std::chrono::duration_cast<std::chrono::microseconds>(t->time_since_epoch()).count());
    }
  }
  return s;
}

Json DefaultRow(const EntitySpec& spec) {
  Json row = Json::object();
  for (const auto& f : spec.fields) row[f.name] = f.def;
  return row;
}

base::Status ApplyScalars(const EntitySpec& spec, const Json& body, Json* row,
                          const std::vector<std::string>& skip) {
  for (const auto& f : spec.fields) {
    auto it = body.find(f.name);
    if (it == body.end()) continue;
    bool skipped = f.name == spec.id_field;
    for (const auto& s : skip) skipped = skipped || s == f.name;
    if (skipped) continue;
    auto v = Normalize(f, *it);
    if (!v.ok()) return v.error();
    (*row)[f.name] = *v;
  }
  return base::OkStatus();
}

}  // namespace sim
