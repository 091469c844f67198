#include "bench/baseline_exporter.h"

#include <utility>
#include <vector>

namespace bench {
namespace {

using base::Money;

// Trimmed and lower-cased: how e-mails and payment type names are compared.
std::string Normalized(const std::string& s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t begin = 0, end = s.size();
  while (begin < end && space(s[begin])) ++begin;
  while (end > begin && space(s[end - 1])) --end;
  std::string out = s.substr(begin, end - begin);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Lightspeed ids are decimal strings: the shorter one is the smaller.
bool IdLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

lightspeed::NewSaleLine MiscCharge(Money amount, std::string note) {
  lightspeed::NewSaleLine line;
  line.item_id = "0";
  line.unit_price = amount;
  line.note = std::move(note);
  return line;
}

// What staff read in Lightspeed to find the web order again.
std::string InternalNote(const shop::Order& order) {
  std::string note = "Web order " + order.number + ".";
  if (order.shipping) note += " Shipping: " + order.shipping->method + ".";
  std::string refs;
  for (const shop::Payment& p : order.payments) {
    if (p.status != shop::PaymentStatus::kCaptured) continue;
    refs += (refs.empty() ? "" : ", ") + p.method;
    if (p.reference && !p.reference->empty()) refs += " " + *p.reference;
  }
  if (!refs.empty()) note += " Payments: " + refs + ".";
  return note;
}

// Each payment method's captured amount less its refunds, in order of first capture; methods
// left with nothing are not sent.
std::vector<std::pair<std::string, Money>> NetPayments(const shop::Order& order) {
  std::vector<std::pair<std::string, Money>> net;
  const auto find = [&net](const std::string& method) -> Money* {
    for (auto& [m, amount] : net)
      if (m == method) return &amount;
    return nullptr;
  };
  for (const shop::Payment& p : order.payments) {
    if (p.status != shop::PaymentStatus::kCaptured) continue;
    if (Money* m = find(p.method)) {
      *m += p.amount;
    } else {
      net.emplace_back(p.method, p.amount);
    }
  }
  for (const shop::Refund& r : order.refunds)
    if (Money* m = find(r.method)) *m -= r.amount;
  std::erase_if(net, [](const auto& m) { return m.second <= Money(); });
  return net;
}

}  // namespace

BaselineExporter::BaselineExporter(lightspeed::Client& client, BaselineOptions options)
    : client_(client), options_(std::move(options)) {}

base::Result<std::string> BaselineExporter::CustomerId(const shop::Order& order) {
  const std::string email = Normalized(order.customer.email);
  auto found = base::SyncWait(client_.FindCustomersByEmail(email));
  if (!found.ok()) return found.error();
  std::string best;
  for (const lightspeed::Customer& c : *found)
    if (!c.archived && (best.empty() || IdLess(c.id, best))) best = c.id;
  if (!best.empty()) return best;
  lightspeed::NewCustomer create;
  create.first_name = order.customer.first_name;
  create.last_name = order.customer.last_name;
  create.email = email;
  create.phone = order.customer.phone;
  if (const auto& a = order.billing_address)
    create.address = lightspeed::Address{a->line1,  a->line2.value_or(""), a->city,
                                         a->region, a->postal_code,        a->country};
  auto created = base::SyncWait(client_.CreateCustomer(create));
  if (!created.ok()) return created.error();
  return created->id;
}

base::Result<std::string> BaselineExporter::ItemId(const shop::Item& item) {
  // A POS-synced item came from Lightspeed with its itemID, which the catalog sync stored: a
  // typical integration sells it by that id without looking it up again (as spoke does, R16).
  if (item.source == shop::ItemSource::kPosSync && item.lightspeed_item_id &&
      !item.lightspeed_item_id->empty())
    return *item.lightspeed_item_id;
  const std::pair<lightspeed::ItemKey, std::string> codes[] = {
      {lightspeed::ItemKey::kUpc, item.upc.value_or("")},
      {lightspeed::ItemKey::kEan, item.ean.value_or("")},
      {lightspeed::ItemKey::kManufacturerSku, item.manufacturer_sku.value_or("")},
      {lightspeed::ItemKey::kCustomSku, item.sku}};
  for (const auto& [key, code] : codes) {
    if (code.empty()) continue;
    auto found = base::SyncWait(client_.FindItems(key, code));
    if (!found.ok()) return found.error();
    std::string best;
    for (const lightspeed::Item& i : *found)
      if (!i.archived && (best.empty() || IdLess(i.id, best))) best = i.id;
    if (!best.empty()) return best;
  }
  lightspeed::NewItem create;
  create.description = item.description;
  create.upc = item.upc;
  create.ean = item.ean;
  create.manufacturer_sku = item.manufacturer_sku;
  create.custom_sku = item.sku;
  create.default_cost = item.cost.value_or(Money());
  create.default_price = item.price;
  create.msrp = item.msrp;
  create.serialized = item.serialized;
  auto created = base::SyncWait(client_.CreateItem(create));
  if (!created.ok()) return created.error();
  return created->id;
}

base::Result<std::vector<lightspeed::NewSalePayment>> BaselineExporter::Payments(
    const std::vector<std::pair<std::string, Money>>& net) {
  std::vector<lightspeed::NewSalePayment> out;
  if (net.empty()) return out;
  auto types = base::SyncWait(client_.ListPaymentTypes());
  if (!types.ok()) return types.error();
  for (const auto& [method, amount] : net) {
    const auto mapped = options_.payment_type_names.find(method);
    const std::string name = mapped != options_.payment_type_names.end() ? mapped->second : method;
    std::string id;
    for (const lightspeed::PaymentType& t : *types)
      if (id.empty() && !t.archived && !lightspeed::IsAdjustment(t) &&
          Normalized(t.name) == Normalized(name))
        id = t.id;
    if (id.empty()) {
      auto created = base::SyncWait(client_.CreatePaymentType(name));
      if (!created.ok()) return created.error();
      types->push_back(*created);
      id = created->id;
    }
    out.push_back({id, amount});
  }
  return out;
}

base::Result<lightspeed::Sale> BaselineExporter::Export(
    const shop::Order& order, const std::map<std::string, shop::Item>& catalog) {
  // Refused before anything is sent: what this exporter does not handle, and a sale that would
  // not balance.
  if (order.order_discount != Money())
    return base::Invalid("order_discount", "Order " + order.number +
                                               " has an order discount, which the baseline "
                                               "exporter does not spread over its lines");
  Money sum;
  for (const shop::Line& line : order.lines) {
    if (line.kind != shop::ItemKind::kInventory)
      return base::Invalid("lines",
                           "Order " + order.number + ": " + line.sku +
                               " is not an inventory item; the baseline exports only those");
    if (!line.serial_numbers.empty())
      return base::Invalid("lines", "Order " + order.number + ": " + line.sku +
                                        " has serial numbers, which the baseline does not send");
    if (!catalog.count(line.sku))
      return base::Invalid(
          "lines", "Order " + order.number + ": " + line.sku + " is not in the catalog given");
    sum += line.Amount();
  }
  const bool ships = order.shipping && order.shipping->amount > Money();
  if (ships) sum += order.shipping->amount;
  if (order.tax > Money()) sum += order.tax;
  const std::vector<std::pair<std::string, Money>> net = NetPayments(order);
  Money paid;
  for (const auto& [method, amount] : net) paid += amount;
  if (paid != sum)
    return base::Invalid("payments", "Order " + order.number + ": the payments come to " +
                                         paid.Dollars() + ", the sale to " + sum.Dollars());

  lightspeed::NewSale sale;
  sale.shop_id = options_.shop_id;
  sale.register_id = options_.register_id;
  sale.employee_id = options_.employee_id;
  sale.reference_number = order.number;
  sale.reference_source = options_.reference_source;
  sale.tax_category_id = "0";  // the web order's tax comes as its own line
  sale.completed = true;
  auto customer = CustomerId(order);
  if (!customer.ok()) return customer.error();
  sale.customer_id = *customer;
  for (const shop::Line& line : order.lines) {
    auto item = ItemId(catalog.at(line.sku));
    if (!item.ok()) return item.error();
    lightspeed::NewSaleLine out;
    out.item_id = *item;
    out.quantity = line.quantity;
    out.unit_price = line.unit_price;
    out.discount = line.discount;
    sale.lines.push_back(out);
  }
  if (ships)
    sale.lines.push_back(MiscCharge(order.shipping->amount, "Shipping: " + order.shipping->method));
  if (order.tax > Money()) sale.lines.push_back(MiscCharge(order.tax, "Sales tax (web order)"));
  auto payments = Payments(net);
  if (!payments.ok()) return payments.error();
  sale.payments = std::move(*payments);
  sale.internal_note = InternalNote(order);
  return base::SyncWait(client_.CreateSale(sale));
}

}  // namespace bench
