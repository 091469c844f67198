#include "exporter/account_cache.h"

namespace exporter {

base::Result<std::optional<std::string>> AccountCache::FindPaymentType(const std::string& account,
                                                                       lightspeed::Client& client,
                                                                       const std::string& name,
                                                                       bool fresh) {
  const std::string key = NormalizeKey(name);
  const auto refused = [&name]() {
    return base::Invalid("payment_types",
                         "Lightspeed's payment type \"" + name +
                             "\" is reserved for adjustments and is never used for a web "
                             "payment: map this payment method to another type in Settings");
  };
  if (!fresh) {
    std::lock_guard lock(mu_);
    if (reserved_[account].count(key)) return refused();
    auto acct = payment_types_.find(account);
    if (acct != payment_types_.end()) {
      auto it = acct->second.find(key);
      if (it != acct->second.end()) return std::optional<std::string>(it->second);
    }
  }
  auto types = client.ListPaymentTypes();
  if (!types.ok()) return types.error();
  std::lock_guard lock(mu_);
  auto& known = payment_types_[account];
  auto& reserved = reserved_[account];
  known.clear();
  reserved.clear();
  for (const lightspeed::PaymentType& t : *types) {
    if (t.archived) continue;
    // Lightspeed's own bookkeeping type (in every account), not a way a customer pays.
    if (NormalizeKey(t.type) == "adjustment") {
      reserved.insert(NormalizeKey(t.name));
      continue;
    }
    auto [it, inserted] = known.emplace(NormalizeKey(t.name), t.id);
    // Two types with one name: the oldest (lowest id) wins, as a clerk would expect.
    if (!inserted && std::stoll(t.id) < std::stoll(it->second)) it->second = t.id;
  }
  if (reserved.count(key)) return refused();
  auto it = known.find(key);
  if (it == known.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

void AccountCache::AddPaymentType(const std::string& account, const std::string& name,
                                  const std::string& id) {
  std::lock_guard lock(mu_);
  payment_types_[account][NormalizeKey(name)] = id;
}

base::Result<std::pair<TaxRate, TaxRate>> AccountCache::ShopTaxRates(const std::string& account,
                                                                     lightspeed::Client& client,
                                                                     const std::string& shop_id) {
  const std::string key = account + "|" + shop_id;
  {
    std::lock_guard lock(mu_);
    auto it = tax_.find(key);
    if (it != tax_.end()) return it->second;
  }
  auto shops = client.ListShops();
  if (!shops.ok()) return shops.error();
  std::string category;
  for (const auto& s : *shops)
    if (s.id == shop_id) category = s.tax_category_id;
  std::pair<TaxRate, TaxRate> rates;
  if (!category.empty() && category != "0") {
    auto categories = client.ListTaxCategories();
    if (!categories.ok()) return categories.error();
    bool found = false;
    for (const auto& c : *categories) {
      if (c.id != category) continue;
      found = true;
      if (!ParseTaxRate(c.rate1.empty() ? "0" : c.rate1, &rates.first) ||
          !ParseTaxRate(c.rate2.empty() ? "0" : c.rate2, &rates.second))
        return base::Invalid("tax", "Lightspeed's tax category " + c.id +
                                        " has a rate spoke cannot read (" + c.rate1 + ")");
    }
    if (!found)
      return base::Invalid("tax",
                           "the shop's tax category " + category + " is missing in Lightspeed");
  }
  std::lock_guard lock(mu_);
  tax_[key] = rates;
  return rates;
}

void AccountCache::ForgetTaxRates(const std::string& account) {
  std::lock_guard lock(mu_);
  std::erase_if(tax_, [&](const auto& entry) { return entry.first.rfind(account + "|", 0) == 0; });
}

}  // namespace exporter
