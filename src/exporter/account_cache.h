// Per-account facts that rarely change, kept in memory and refreshed on a miss: payment types
// and the shop's tax rates. Private to exporter/.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "exporter/plan.h"
#include "lightspeed/client.h"

namespace exporter {

class AccountCache {
 public:
  // The id of the payment type named `name` (compared with NormalizeKey), listing the account's
  // types at most once per miss, or always when `fresh` (after an uncertain create); nullopt
  // when Lightspeed has none of that name. A name that is Lightspeed's reserved adjustment type
  // is refused (invalid, naming payment_types): a web payment must never be booked as one.
  base::Result<std::optional<std::string>> FindPaymentType(const std::string& account,
                                                           lightspeed::Client& client,
                                                           const std::string& name, bool fresh);
  void AddPaymentType(const std::string& account, const std::string& name, const std::string& id);
  // The tax rates of the shop's tax category, fetched once and kept until forgotten.
  base::Result<std::pair<TaxRate, TaxRate>> ShopTaxRates(const std::string& account,
                                                         lightspeed::Client& client,
                                                         const std::string& shop_id);
  // The merchant may have changed them in Lightspeed (a refused sale, a tax hold): fetch again.
  void ForgetTaxRates(const std::string& account);

 private:
  std::mutex mu_;
  std::map<std::string, std::map<std::string, std::string>> payment_types_;  // account → name → id
  std::map<std::string, std::set<std::string>> reserved_;   // account → names spoke must not use
  std::map<std::string, std::pair<TaxRate, TaxRate>> tax_;  // account|shop → rates
};

}  // namespace exporter
