// Per-account facts that rarely change, kept in memory and refreshed on a miss: payment types
// and the shop's tax rates. Private to exporter/.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "exporter/plan.h"
#include "lightspeed/client.h"

namespace exporter {

class AccountCache {
 public:
  // The id of the payment type named `name` (compared with NormalizeKey), listing the account's
  // types at most once per miss, or always when `fresh` (after an uncertain create); nullopt
  // when Lightspeed has none of that name. A miss is not listed again when the types were listed
  // at or after `listed_since` (a lane turn's start: one list answers all of the turn's names).
  // A name that is Lightspeed's reserved adjustment type is refused (invalid, naming
  // payment_types): a web payment must never be booked as one.
  base::Task<base::Result<std::optional<std::string>>> FindPaymentType(
      std::string account, lightspeed::Client& client, std::string name, bool fresh,
      std::optional<base::TimePoint> listed_since = std::nullopt);
  void AddPaymentType(const std::string& account, const std::string& name, const std::string& id);
  // The sales tax a sale to `customer_id` ("" for none) gets at `shop_id`: the customer's own
  // tax category when it has one, else the shop's. Lightspeed's records are fetched once and
  // kept until forgotten.
  base::Task<base::Result<SalesTax>> SaleTax(std::string account, lightspeed::Client& client,
                                             std::string shop_id, std::string customer_id);
  // What a customer found or created carries, so SaleTax need not fetch it ("0": none).
  void NoteCustomerTax(const std::string& account, const std::string& customer_id,
                       const std::string& tax_category_id);
  // itemID → taxClassID for `item_ids`, fetching the unknown ones in one request per 100.
  base::Task<base::Result<std::map<std::string, std::string>>> ItemTaxClasses(
      std::string account, lightspeed::Client& client, std::vector<std::string> item_ids);
  // The merchant may have changed them in Lightspeed (a refused sale, a tax hold): fetch again.
  void ForgetTaxRates(const std::string& account);

 private:
  base::Mutex mu_;
  // account → name → id
  std::map<std::string, std::map<std::string, std::string>> payment_types_ GUARDED_BY(mu_);
  // account → when its types were last listed, on the caller's clock
  std::map<std::string, base::TimePoint> listed_at_ GUARDED_BY(mu_);
  // account → names spoke must not use
  std::map<std::string, std::set<std::string>> reserved_ GUARDED_BY(mu_);
  // Keyed account|id: a shop's tax category, the account's tax categories, a customer's own
  // tax category, an item's tax class.
  std::map<std::string, std::string> shop_category_ GUARDED_BY(mu_);
  // account → id → tax
  std::map<std::string, std::map<std::string, SalesTax>> categories_ GUARDED_BY(mu_);
  std::map<std::string, std::string> customer_category_ GUARDED_BY(mu_);
  std::map<std::string, std::string> item_class_ GUARDED_BY(mu_);
};

}  // namespace exporter
