// The Lightspeed R-Series records spoke reads and writes, decoded from the wire's all-strings
// form. Ids stay strings ("277"); money written by spoke is base::Money; amounts read back that
// Lightspeed computes (totals, rates) stay the decimal strings it sent.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/money.h"

namespace lightspeed {

struct Account {
  std::string id, name;
};
struct Shop {
  std::string id, name, tax_category_id;
};
struct Register {
  std::string id, name, shop_id;
};
struct Employee {
  std::string id, first_name, last_name;
  bool locked_out = false;
  std::string limit_to_shop_id;  // "0" or "": any shop
};
// Lightspeed refuses a sale by an employee who is locked out or limited to another shop.
inline bool MaySellAt(const Employee& e, const std::string& shop_id) {
  return !e.locked_out &&
         (e.limit_to_shop_id.empty() || e.limit_to_shop_id == "0" || e.limit_to_shop_id == shop_id);
}
// A tax class's own rates inside a tax category (TaxCategoryClass).
struct TaxClassRates {
  std::string tax_class_id;
  std::string rate1, rate2;  // fractions as sent
};
struct TaxCategory {
  std::string id, name;
  std::string rate1, rate2;  // fractions as sent, "0.0825"
  bool inclusive = false;
  std::vector<TaxClassRates> classes;  // classes taxed at other rates than rate1/rate2
};

struct Customer {
  std::string id, first_name, last_name;
  bool archived = false;
  std::vector<std::string> emails;
  std::string tax_category_id;  // "0" or "": none of its own (the shop's applies)
};
struct Address {
  std::string address1, address2, city, state, zip, country;
};
struct NewCustomer {
  std::string first_name, last_name, email;
  std::optional<std::string> phone;
  std::optional<Address> address;
  // The store says its customers agreed to marketing; otherwise the customer is opted out of
  // e-mail, post and phone marketing (noEmail/noMail/noPhone true).
  bool marketing_consent = false;
};

struct Item {
  std::string id, description, upc, ean, manufacturer_sku, custom_sku, item_type;
  std::string tax_class_id;  // selects the rates inside a tax category (TaxCategoryClasses)
  bool archived = false, serialized = false, taxed = true;
};
struct NewItem {
  std::string description;
  std::optional<std::string> upc, ean, manufacturer_sku, custom_sku;
  base::Money default_cost, default_price;
  std::optional<base::Money> msrp;
  bool serialized = false;
};

struct PaymentType {
  std::string id, name, type;
  bool archived = false;
};
// Lightspeed's reserved bookkeeping type (`adjustment`, in every account): never a way a
// customer pays.
inline bool IsAdjustment(const PaymentType& t) {
  std::string type = t.type;
  for (char& c : type)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return type == "adjustment";
}

struct SaleLineRef {
  std::string id, item_id;
};
struct Sale {
  std::string id, reference_number, reference_source, customer_id, total, balance;
  std::string complete_time;  // RFC 3339 as Lightspeed wrote it; "" while open
  bool completed = false, archived = false, voided = false;
  std::vector<SaleLineRef> lines;  // in the order Lightspeed lists them
};

// The sales a reconciliation reads: those of one reference source completed in [from, to]
// (Lightspeed's between is inclusive), archived ones included, oldest first.
struct SaleWindow {
  base::TimePoint from, to;
  std::string source;
  int limit = 100;  // per page, 1..100
};
struct SalePage {
  std::vector<Sale> sales;
  std::string next;  // the next page's URL; "" on the last page
};

struct NewSaleLine {
  std::string item_id = "0";  // "0": a misc charge described by `note`
  int64_t quantity = 1;
  base::Money unit_price, discount;
  bool taxed = false;
  std::string note;
  std::string tax_class_id;  // sent when set: the rates Lightspeed applies to this line
};
struct NewSalePayment {
  std::string payment_type_id;
  base::Money amount;
};
struct NewSale {
  std::string shop_id, register_id, employee_id, customer_id;
  std::string reference_number, reference_source;
  std::optional<std::string> tax_category_id;  // "0": no tax; absent: the shop's
  std::vector<NewSaleLine> lines;
  std::vector<NewSalePayment> payments;
  std::string internal_note;
  bool completed = true;
};

struct NewSerialized {
  std::string serial, item_id, customer_id, sale_line_id;
};
struct Serialized {
  std::string id, serial, item_id, customer_id, sale_line_id;
  bool archived = false;
};

}  // namespace lightspeed
