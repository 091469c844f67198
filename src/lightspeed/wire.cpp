#include "lightspeed/wire.h"

#include <algorithm>

#include "base/text.h"

namespace lightspeed::wire {
namespace {

// Lightspeed's own error text is kept whole up to here (it is stored with each attempt); a plain
// text or HTML body only up to its first line's worth.
constexpr size_t kMaxErrorBytes = 500;
constexpr size_t kMaxPlainErrorBytes = 200;

}  // namespace

std::vector<const json*> Many(const json& parent, const std::string& key) {
  std::vector<const json*> out;
  if (!parent.is_object()) return out;
  auto it = parent.find(key);
  if (it == parent.end()) return out;
  if (it->is_object()) out.push_back(&*it);
  if (it->is_array())
    for (const json& e : *it)
      if (e.is_object()) out.push_back(&e);
  return out;
}

std::string Str(const json& obj, const std::string& key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  if (it->is_number()) return it->dump();  // as written; get<int64_t> wraps ids past 2^63
  return "";
}

bool Bool(const json& obj, const std::string& key) {
  const std::string v = Str(obj, key);
  return v == "true" || v == "1";
}

const json* Path(const json& obj, const std::string& dotted) {
  const json* cur = &obj;
  size_t start = 0;
  while (start <= dotted.size()) {
    const size_t dot = dotted.find('.', start);
    const std::string step = dotted.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(step);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

Customer DecodeCustomer(const json& j) {
  Customer c{
      Str(j, "customerID"), Str(j, "firstName"), Str(j, "lastName"), Bool(j, "archived"), {}};
  if (const json* emails = Path(j, "Contact.Emails"))
    for (const json* e : Many(*emails, "ContactEmail")) c.emails.push_back(Str(*e, "address"));
  c.tax_category_id = Str(j, "taxCategoryID");
  return c;
}

Item DecodeItem(const json& j) {
  Item i;
  i.id = Str(j, "itemID");
  i.description = Str(j, "description");
  i.upc = Str(j, "upc");
  i.ean = Str(j, "ean");
  i.manufacturer_sku = Str(j, "manufacturerSku");
  i.custom_sku = Str(j, "customSku");
  i.item_type = Str(j, "itemType");
  i.tax_class_id = Str(j, "taxClassID");
  i.archived = Bool(j, "archived");
  i.serialized = Bool(j, "serialized") || i.item_type == "serialized";
  i.taxed = Str(j, "tax").empty() || Bool(j, "tax");
  return i;
}

PaymentType DecodePaymentType(const json& j) {
  return {Str(j, "paymentTypeID"), Str(j, "name"), Str(j, "type"), Bool(j, "archived")};
}

Sale DecodeSale(const json& j) {
  Sale s;
  s.id = Str(j, "saleID");
  s.reference_number = Str(j, "referenceNumber");
  s.reference_source = Str(j, "referenceNumberSource");
  s.customer_id = Str(j, "customerID");
  s.total = Str(j, "total");
  s.balance = Str(j, "balance");
  s.complete_time = Str(j, "completeTime");
  s.completed = Bool(j, "completed");
  s.archived = Bool(j, "archived");
  s.voided = Bool(j, "voided");
  if (const json* lines = Path(j, "SaleLines"))
    for (const json* l : Many(*lines, "SaleLine"))
      s.lines.push_back({Str(*l, "saleLineID"), Str(*l, "itemID")});
  return s;
}

Serialized DecodeSerialized(const json& j) {
  return {Str(j, "serializedID"), Str(j, "serial"),     Str(j, "itemID"),
          Str(j, "customerID"),   Str(j, "saleLineID"), Bool(j, "archived")};
}

Shop DecodeShop(const json& j) {
  return {Str(j, "shopID"), Str(j, "name"), Str(j, "taxCategoryID")};
}
Register DecodeRegister(const json& j) {
  return {Str(j, "registerID"), Str(j, "name"), Str(j, "shopID")};
}
Employee DecodeEmployee(const json& j) {
  return {Str(j, "employeeID"), Str(j, "firstName"), Str(j, "lastName"), Bool(j, "lockOut"),
          Str(j, "limitToShopID")};
}
TaxCategory DecodeTaxCategory(const json& j) {
  TaxCategory c{Str(j, "taxCategoryID"), Str(j, "tax1Name"),        Str(j, "tax1Rate"),
                Str(j, "tax2Rate"),      Bool(j, "isTaxInclusive"), {}};
  if (const json* classes = Path(j, "TaxCategoryClasses"))
    for (const json* k : Many(*classes, "TaxCategoryClass"))
      c.classes.push_back({Str(*k, "taxClassID"), Str(*k, "tax1Rate"), Str(*k, "tax2Rate")});
  return c;
}

json EncodeCustomer(const NewCustomer& c) {
  // Sent explicitly: Lightspeed's documented answers disagree on what an omitted flag means.
  const char* opted_out = c.marketing_consent ? "false" : "true";
  json contact = {{"Emails", {{"ContactEmail", {{"address", c.email}, {"useType", "Primary"}}}}},
                  {"noEmail", opted_out},
                  {"noMail", opted_out},
                  {"noPhone", opted_out}};
  if (c.phone) contact["Phones"] = {{"ContactPhone", {{"number", *c.phone}, {"useType", "Home"}}}};
  if (c.address)
    contact["Addresses"] = {{"ContactAddress",
                             {{"address1", c.address->address1},
                              {"address2", c.address->address2},
                              {"city", c.address->city},
                              {"state", c.address->state},
                              {"zip", c.address->zip},
                              {"country", c.address->country}}}};
  return {{"firstName", c.first_name}, {"lastName", c.last_name}, {"Contact", contact}};
}

json EncodeItem(const NewItem& i) {
  json prices = json::array();
  prices.push_back({{"amount", i.default_price.ToString()}, {"useType", "Default"}});
  if (i.msrp) prices.push_back({{"amount", i.msrp->ToString()}, {"useType", "MSRP"}});
  json j = {{"description", i.description},
            {"defaultCost", i.default_cost.ToString()},
            // Serialized items are itemType "default" with serialized true (issue 10, item 6).
            {"itemType", "default"},
            {"serialized", i.serialized ? "true" : "false"},
            {"Prices", {{"ItemPrice", prices}}}};
  if (i.upc) j["upc"] = *i.upc;
  if (i.ean) j["ean"] = *i.ean;
  if (i.manufacturer_sku) j["manufacturerSku"] = *i.manufacturer_sku;
  if (i.custom_sku) j["customSku"] = *i.custom_sku;
  return j;
}

json EncodeSale(const NewSale& s) {
  json lines = json::array();
  for (const NewSaleLine& l : s.lines) {
    json line = {{"itemID", l.item_id},
                 {"unitQuantity", std::to_string(l.quantity)},
                 {"unitPrice", l.unit_price.ToString()},
                 {"discountAmount", l.discount.ToString()},
                 {"tax", l.taxed ? "true" : "false"}};
    if (!l.tax_class_id.empty()) line["taxClassID"] = l.tax_class_id;
    if (!l.note.empty()) line["Note"] = {{"note", l.note}, {"isPublic", "false"}};
    lines.push_back(line);
  }
  json payments = json::array();
  for (const NewSalePayment& p : s.payments)
    payments.push_back({{"paymentTypeID", p.payment_type_id}, {"amount", p.amount.ToString()}});
  // Pricing rules must not change what the web store charged; Lightspeed only reads the flag
  // when the sale is created, so it is always sent.
  json j = {{"completed", s.completed ? "true" : "false"},
            {"enablePromotions", "false"},
            {"shopID", s.shop_id},
            {"registerID", s.register_id},
            {"employeeID", s.employee_id},
            {"customerID", s.customer_id.empty() ? "0" : s.customer_id},
            {"referenceNumber", s.reference_number},
            {"referenceNumberSource", s.reference_source},
            {"SaleLines", {{"SaleLine", lines}}},
            {"SalePayments", {{"SalePayment", payments}}}};
  if (s.tax_category_id) j["taxCategoryID"] = *s.tax_category_id;
  if (!s.internal_note.empty()) j["SaleNotes"] = {{"InternalNote", {{"note", s.internal_note}}}};
  return j;
}

std::string Utf8Text(const std::string& text, size_t max_bytes) {
  return base::CutUtf8(text, max_bytes);
}

std::string ErrorMessage(const std::string& body, int status) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    for (const char* key : {"message", "error_description", "error"}) {
      const std::string m = Str(j, key);
      if (!m.empty()) return Utf8Text(m, kMaxErrorBytes);
    }
  }
  std::string text = Utf8Text(body, kMaxPlainErrorBytes);
  if (text.find('<') != std::string::npos || text.empty())
    return "Lightspeed answered HTTP " + std::to_string(status);
  return text;
}

}  // namespace lightspeed::wire
