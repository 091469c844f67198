#include "exporter/account_cache.h"

namespace exporter {

base::Task<base::Result<std::optional<std::string>>> AccountCache::FindPaymentType(
    std::string account, lightspeed::Client& client, std::string name, bool fresh,
    std::optional<base::TimePoint> listed_since) {
  const std::string key = NormalizeKey(name);
  const auto refused = [&name]() {
    return base::Invalid("payment_types",
                         "Lightspeed's payment type \"" + name +
                             "\" is reserved for adjustments and is never used for a web "
                             "payment: map this payment method to another type in Settings");
  };
  if (!fresh) {
    base::MutexLock lock(mu_);
    if (reserved_[account].count(key)) co_return refused();
    auto acct = payment_types_.find(account);
    if (acct != payment_types_.end()) {
      auto it = acct->second.find(key);
      if (it != acct->second.end()) co_return std::optional<std::string>(it->second);
      auto listed = listed_at_.find(account);
      if (listed_since && listed != listed_at_.end() && listed->second >= *listed_since)
        co_return std::optional<std::string>();
    }
  }
  const base::TimePoint now = listed_since ? *listed_since : base::TimePoint();
  auto types = co_await client.ListPaymentTypes();
  if (!types.ok()) co_return types.error();
  base::MutexLock lock(mu_);
  if (listed_since) listed_at_[account] = now;
  auto& known = payment_types_[account];
  auto& reserved = reserved_[account];
  known.clear();
  reserved.clear();
  for (const lightspeed::PaymentType& t : *types) {
    if (t.archived) continue;
    if (lightspeed::IsAdjustment(t)) {
      reserved.insert(NormalizeKey(t.name));
      continue;
    }
    auto [it, inserted] = known.emplace(NormalizeKey(t.name), t.id);
    // Two types with one name: the oldest (lowest id) wins, as a clerk would expect.
    if (!inserted && std::stoll(t.id) < std::stoll(it->second)) it->second = t.id;
  }
  if (reserved.count(key)) co_return refused();
  auto it = known.find(key);
  if (it == known.end()) co_return std::optional<std::string>();
  co_return std::optional<std::string>(it->second);
}

void AccountCache::AddPaymentType(const std::string& account, const std::string& name,
                                  const std::string& id) {
  base::MutexLock lock(mu_);
  payment_types_[account][NormalizeKey(name)] = id;
}

namespace {
bool NoCategory(const std::string& id) { return id.empty() || id == "0"; }
}  // namespace

base::Task<base::Result<SalesTax>> AccountCache::SaleTax(std::string account,
                                                         lightspeed::Client& client,
                                                         std::string shop_id,
                                                         std::string customer_id) {
  std::string customer_key = account + "|" + customer_id, shop_key = account + "|" + shop_id;
  std::optional<std::string> customers, shops;
  bool have_categories = false;
  {
    base::MutexLock lock(mu_);
    if (auto it = customer_category_.find(customer_key); it != customer_category_.end())
      customers = it->second;
    if (auto it = shop_category_.find(shop_key); it != shop_category_.end()) shops = it->second;
    have_categories = categories_.count(account) > 0;
  }
  if (customer_id.empty()) customers = "0";
  if (!customers) {
    // Not a braced list inside co_await: g++ 12 cannot put its backing array in the frame.
    std::vector<std::string> ids(1, customer_id);
    auto found = co_await client.ListCustomers(std::move(ids));
    if (!found.ok()) co_return found.error();
    customers = "0";
    for (const auto& c : *found)
      if (c.id == customer_id)
        customers = NoCategory(c.tax_category_id) ? std::string("0") : c.tax_category_id;
    NoteCustomerTax(account, customer_id, *customers);
  }
  const bool customers_own = !NoCategory(*customers);
  if (!customers_own && !shops) {
    auto all = co_await client.ListShops();
    if (!all.ok()) co_return all.error();
    base::MutexLock lock(mu_);
    for (const auto& shop : *all) {
      shop_category_[account + "|" + shop.id] = shop.tax_category_id;
      if (shop.id == shop_id) shops = shop.tax_category_id;
    }
    if (!shops)
      co_return base::Invalid("shop_id", "the shop " + shop_id +
                                             " chosen in Settings is not in Lightspeed any more: "
                                             "choose a shop in Settings");
  }
  const std::string category = customers_own ? *customers : *shops;
  if (NoCategory(category)) co_return SalesTax{};  // untaxed
  if (!have_categories) {
    auto all = co_await client.ListTaxCategories();
    if (!all.ok()) co_return all.error();
    std::map<std::string, SalesTax> parsed;
    for (const auto& c : *all) {
      auto tax = ToSalesTax(c);
      if (!tax.ok()) co_return tax.error();
      parsed[c.id] = std::move(*tax);
    }
    base::MutexLock lock(mu_);
    categories_[account] = std::move(parsed);
  }
  base::MutexLock lock(mu_);
  const auto& known = categories_[account];
  auto it = known.find(category);
  if (it == known.end()) {
    const std::string whose = customers_own ? "the customer's" : "the shop's";
    co_return base::Invalid("tax",
                            whose + " tax category " + category + " is missing in Lightspeed");
  }
  SalesTax tax = it->second;
  tax.customers_own = customers_own;
  co_return tax;
}

void AccountCache::NoteCustomerTax(const std::string& account, const std::string& customer_id,
                                   const std::string& tax_category_id) {
  base::MutexLock lock(mu_);
  customer_category_[account + "|" + customer_id] =
      NoCategory(tax_category_id) ? "0" : tax_category_id;
}

base::Task<base::Result<std::map<std::string, std::string>>> AccountCache::ItemTaxClasses(
    std::string account, lightspeed::Client& client, std::vector<std::string> item_ids) {
  std::map<std::string, std::string> out;
  std::vector<std::string> unknown;
  {
    base::MutexLock lock(mu_);
    for (const std::string& id : item_ids) {
      auto it = item_class_.find(account + "|" + id);
      if (it != item_class_.end()) {
        out[id] = it->second;
      } else {
        unknown.push_back(id);
      }
    }
  }
  if (unknown.empty()) co_return out;
  auto items = co_await client.ListItems(unknown);
  if (!items.ok()) co_return items.error();
  base::MutexLock lock(mu_);
  for (const std::string& id : unknown) out[id] = "0";  // not found: the category's own rates
  for (const auto& item : *items)
    if (out.count(item.id)) out[item.id] = item.tax_class_id.empty() ? "0" : item.tax_class_id;
  for (const std::string& id : unknown) item_class_[account + "|" + id] = out[id];
  co_return out;
}

void AccountCache::ForgetTaxRates(const std::string& account) {
  base::MutexLock lock(mu_);
  const std::string prefix = account + "|";
  categories_.erase(account);
  for (auto* m : {&shop_category_, &customer_category_, &item_class_})
    std::erase_if(*m, [&](const auto& entry) { return entry.first.rfind(prefix, 0) == 0; });
}

}  // namespace exporter
