// Planning an export (R6–R19): a pure function from the web order, the store's settings and what
// is already known of the Lightspeed account to (a) the prerequisites still to resolve and (b) the
// exact Sale to send. No I/O: the engine resolves the prerequisites, records the links, and plans
// again until nothing is missing.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exporter/sales_tax.h"
#include "lightspeed/entities.h"
#include "shop/order.h"
#include "store/store.h"

namespace exporter {

// What the exporter already knows of the store's Lightspeed account.
struct Links {
  std::map<std::string, std::string> customer_by_email;     // NormalizeKey(email) → customerID
  std::map<std::string, std::string> item_by_sku;           // web SKU → itemID (R17 links)
  std::map<std::string, std::string> payment_type_by_name;  // NormalizeKey(LS type name) → id
  // Tax mode `lightspeed` only, absent until fetched: the sales tax the sale is sent with (the
  // customer's own tax category, else the shop's), the customer it was chosen for ("" before
  // the customer is known), and the tax class of Lightspeed items (itemID → taxClassID).
  std::optional<SalesTax> tax;
  std::string tax_customer_id;
  std::map<std::string, std::string> item_tax_class;
};

// Trimmed and lower-cased: how emails and payment type names are compared (R12, R13).
std::string NormalizeKey(const std::string& s);

// R12: the Lightspeed payment type name for a web payment method: the store's mapping (keys
// compared with NormalizeKey), else the built-in default ("Online Payments (Stripe)" → "Stripe"),
// else the method's own name.
std::string PaymentTypeName(const std::string& web_method, const store::LightspeedSettings& s);

struct CustomerNeed {
  std::string email;               // normalized
  lightspeed::NewCustomer create;  // used when no customer has this email (R13, R14)
};

struct ItemNeed {
  std::string sku;
  shop::Item catalog;          // R17: look up by UPC, EAN, manufacturer SKU, custom SKU = web SKU
  lightspeed::NewItem create;  // when none is found
};

struct SerialNeed {
  size_t sale_line = 0;  // index into Plan::sale->lines
  std::string serial, sku;
};

// The sale as planned so far, for people (the order page's preview, the timeline's "Sent:" line):
// filled even while prerequisites are missing or the order is held. Ids not known yet are "" (the
// customer, an item, a payment type); once the plan is Ready, `sale` is exactly Plan::sale.
struct Draft {
  lightspeed::NewSale sale;
  // sale.lines[i] sells order.lines[order_lines[i]]; the lines after these are misc charges.
  std::vector<size_t> order_lines;
  // sale.payments[i]: the web payment method and the Lightspeed payment type it maps to (R12).
  std::vector<std::string> payment_methods, payment_type_names;
};

struct Plan {
  // Prerequisites still missing. The sale is planned only when all of these are empty/false.
  std::optional<CustomerNeed> customer;
  std::vector<ItemNeed> items;
  std::vector<std::string> payment_types;  // Lightspeed type names to find or create (R12)
  // Tax mode `lightspeed`: Links::tax is missing or was chosen for another customer than
  // `tax_customer_id`, or `tax_items` (Lightspeed items of taxed lines) have no known tax class.
  bool needs_tax_rates = false;
  std::string tax_customer_id;
  std::vector<std::string> tax_items;

  // R8: lines that are not sent, with their amounts and reason ("gift card",
  // "non-inventory item"). Known even while prerequisites are missing.
  std::vector<store::NotSent> not_sent;

  // Set when the order must not be sent (R10 mismatch): the plain-words reason, e.g.
  // "Tax differs: Lightspeed would charge $74.26, the web order charged $74.25". Also set when the
  // payments cannot balance the sale (R11), the order discount is more than the lines sent (R7),
  // or the tax mode is unknown. It may be set while prerequisites are still missing, so a held
  // order needs nothing resolved in Lightspeed.
  std::string hold;

  // The completed sale (R6, R7, R9, R10, R11), once nothing is missing and nothing holds it.
  std::optional<lightspeed::NewSale> sale;
  Draft draft;
  // R19: created after the sale, per serial number; known even while prerequisites are missing.
  std::vector<SerialNeed> serials;
  // What Lightspeed will show as the sale's total: known once nothing holds the order and the tax
  // is known, even while customer, items or payment types are still missing.
  std::optional<base::Money> expected_total;

  bool Ready() const { return sale.has_value(); }
};

// `catalog` holds the catalog item of every line's SKU. `settings` gives shop, register,
// employee, reference source, tax mode and the payment type mapping.
Plan PlanExport(const shop::Order& order, const std::map<std::string, shop::Item>& catalog,
                const store::LightspeedSettings& settings, const Links& links);

}  // namespace exporter
