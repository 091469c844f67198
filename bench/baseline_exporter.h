// The baseline of issue 12 item 7: a straightforward exporter, as a typical integration built on
// a public Lightspeed SDK would write it, so that spoke's units per order are compared with
// something measured rather than claimed. It is written over lightspeed::Client only (the typed
// calls any SDK offers) and shares nothing with spoke's exporter/.
//
// What it is: for each order, one at a time, it searches the customer by e-mail (creating one if
// none), searches each line's item by UPC, then EAN, then manufacturer SKU, then custom SKU until
// one answers (creating the item if none does), lists the payment types to find each payment's
// (creating the type if missing), then POSTs the completed sale. It remembers nothing from one
// order to the next: that is the point. The sale it sends is the one spoke sends for the same
// order in tax mode `web` (same items, quantities, prices and discounts, shipping and the web
// order's tax as misc-charge lines, the customer, the payments, an internal note), so both
// exports cost the same units for the sales and the creates and differ only in their lookups.
// Paced by the client's RateLimiter, it earns no 429s either.
//
// What it is not: exactly-once (it never searches for a sale before posting, and a lost answer
// is an error, not a recovery), nor complete: it refuses what the benchmark's mix does not hold
// (order discounts, gift cards and non-inventory lines, serial numbers, Lightspeed's own tax)
// rather than handling it, before sending anything for that order.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "lightspeed/client.h"
#include "shop/order.h"

namespace bench {

struct BaselineOptions {
  std::string shop_id, register_id, employee_id;  // where the sales are rung up
  std::string reference_source = "web";           // the sales' referenceNumberSource
  // Web payment method → Lightspeed payment type name; a method not listed keeps its own name.
  std::map<std::string, std::string> payment_type_names;
};

class BaselineExporter {
 public:
  BaselineExporter(lightspeed::Client& client, BaselineOptions options);

  // Sends `order` as one completed sale; `catalog` holds the web catalog item of each line's SKU.
  // The sale Lightspeed answered, or the first error (a refusal names the field).
  base::Result<lightspeed::Sale> Export(const shop::Order& order,
                                        const std::map<std::string, shop::Item>& catalog);

 private:
  base::Result<std::string> CustomerId(const shop::Order& order);
  base::Result<std::string> ItemId(const shop::Item& item);
  // The payment type of each method's net amount, from one listing of the types per order.
  base::Result<std::vector<lightspeed::NewSalePayment>> Payments(
      const std::vector<std::pair<std::string, base::Money>>& net);

  lightspeed::Client& client_;
  BaselineOptions options_;
};

}  // namespace bench
