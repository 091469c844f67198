#include "exporter/plan.h"

#include <set>
#include <utility>

#include "shop/eligibility.h"

namespace exporter {
namespace {

using base::Money;

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Money LineAmount(int64_t quantity, Money unit_price, Money discount) {
  return Money::FromCents(unit_price.cents() * quantity) - discount;
}

Money LineAmount(const lightspeed::NewSaleLine& l) {
  return LineAmount(l.quantity, l.unit_price, l.discount);
}

// The first reason wins: later checks often fail only as a consequence of the first.
void Hold(Plan* plan, std::string reason) {
  if (plan->hold.empty()) plan->hold = std::move(reason);
}

// A web order line that becomes a SaleLine, with the Lightspeed item once known.
struct SentLine {
  const shop::Line* line = nullptr;
  std::string item_id;  // empty until the item is linked (R17)
};

// R8: splits the order's lines into those sent and those staff ring up by hand.
std::vector<SentLine> SplitLines(const shop::Order& order, Plan* plan) {
  std::vector<SentLine> sent;
  for (const shop::Line& line : order.lines) {
    if (shop::IsSentToLightspeed(line)) {
      sent.push_back({&line, ""});
      continue;
    }
    const char* reason =
        line.kind == shop::ItemKind::kGiftCard ? "gift card" : "non-inventory item";
    plan->not_sent.push_back({line.sku, line.Amount(), reason});
  }
  return sent;
}

lightspeed::Address ToLightspeed(const shop::Address& a) {
  return {a.line1, a.line2.value_or(""), a.city, a.region, a.postal_code, a.country};
}

// R13–R15: an existing customer is attached as is; otherwise one is created from the billing
// details, without an address when the order has none (PayPal, R14).
std::string ResolveCustomer(const shop::Order& order, const Links& links, bool marketing_consent,
                            Plan* plan) {
  const std::string email = NormalizeKey(order.customer.email);
  if (auto it = links.customer_by_email.find(email); it != links.customer_by_email.end())
    return it->second;
  CustomerNeed need;
  need.email = email;
  need.create.first_name = order.customer.first_name;
  need.create.last_name = order.customer.last_name;
  need.create.email = email;
  need.create.phone = order.customer.phone;
  need.create.marketing_consent = marketing_consent;
  if (order.billing_address) need.create.address = ToLightspeed(*order.billing_address);
  plan->customer = std::move(need);
  return "";
}

lightspeed::NewItem NewItemFor(const shop::Item& item) {
  lightspeed::NewItem n;
  n.description = item.description;
  n.upc = item.upc;
  n.ean = item.ean;
  n.manufacturer_sku = item.manufacturer_sku;
  n.custom_sku = item.sku;
  n.default_cost = item.cost.value_or(Money());
  n.default_price = item.price;
  n.msrp = item.msrp;
  n.serialized = item.serialized;
  return n;
}

// R16/R17: POS-synced items carry their itemID; others are known through links or still needed.
void ResolveItems(const std::map<std::string, shop::Item>& catalog, const Links& links,
                  std::vector<SentLine>* sent, Plan* plan) {
  std::set<std::string> needed;
  for (SentLine& s : *sent) {
    const std::string& sku = s.line->sku;
    const auto item = catalog.find(sku);
    if (item != catalog.end() && item->second.source == shop::ItemSource::kPosSync &&
        item->second.lightspeed_item_id && !item->second.lightspeed_item_id->empty()) {
      s.item_id = *item->second.lightspeed_item_id;
    } else if (auto link = links.item_by_sku.find(sku); link != links.item_by_sku.end()) {
      s.item_id = link->second;
    } else if (item == catalog.end()) {
      // Orders are validated against the catalog, so this means the item was removed since.
      Hold(plan, "Item " + sku + " is no longer in the web store's catalog");
    } else if (needed.insert(sku).second) {
      plan->items.push_back({sku, item->second, NewItemFor(item->second)});
    }
  }
}

// R7: base::Spread gives the largest line the leftover cents, which can push a line's discount
// past its amount when the discount nearly equals the lines; those cents move to lines with room,
// so no line goes negative and the total stays exact.
std::vector<Money> DiscountShares(Money order_discount, const std::vector<Money>& amounts) {
  std::vector<Money> shares = base::Spread(order_discount, amounts);
  Money excess;
  for (size_t i = 0; i < shares.size(); ++i) {
    if (shares[i] > amounts[i]) {
      excess += shares[i] - amounts[i];
      shares[i] = amounts[i];
    }
  }
  for (size_t i = 0; i < shares.size() && excess > Money(); ++i) {
    const Money room = amounts[i] - shares[i];
    const Money take = room < excess ? room : excess;
    shares[i] += take;
    excess -= take;
  }
  return shares;
}

// R7: one SaleLine per sent line, with the order discount spread over them by amount.
std::vector<lightspeed::NewSaleLine> ItemLines(const shop::Order& order,
                                               const std::vector<SentLine>& sent, bool taxed_by_ls,
                                               Plan* plan) {
  std::vector<Money> amounts;
  Money sum;
  for (const SentLine& s : sent) {
    amounts.push_back(s.line->Amount());
    sum += s.line->Amount();
  }
  if (order.order_discount > sum) {
    Hold(plan, "The order discount (" + order.order_discount.Dollars() +
                   ") is more than the items sent to Lightspeed (" + sum.Dollars() +
                   "): ring this order up in Lightspeed by hand");
  }
  const std::vector<Money> shares = DiscountShares(order.order_discount, amounts);
  std::vector<lightspeed::NewSaleLine> lines;
  for (size_t i = 0; i < sent.size(); ++i) {
    const shop::Line& l = *sent[i].line;
    lightspeed::NewSaleLine out;
    out.item_id = sent[i].item_id;
    out.quantity = l.quantity;
    out.unit_price = l.unit_price;
    out.discount = l.discount + shares[i];
    out.taxed = taxed_by_ls && l.taxable;
    lines.push_back(std::move(out));
  }
  return lines;
}

lightspeed::NewSaleLine MiscLine(Money amount, std::string note) {
  lightspeed::NewSaleLine l;
  l.item_id = "0";
  l.quantity = 1;
  l.unit_price = amount;
  l.taxed = false;
  l.note = std::move(note);
  return l;
}

struct MethodPayment {
  std::string method;
  Money amount;
};

// R11: each method's captured amount less its refunds, in order of first capture; methods left
// with nothing are not sent.
std::vector<MethodPayment> NetPayments(const shop::Order& order) {
  std::vector<MethodPayment> net;
  auto find = [&net](const std::string& method) -> MethodPayment* {
    for (MethodPayment& m : net)
      if (m.method == method) return &m;
    return nullptr;
  };
  for (const shop::Payment& p : order.payments) {
    if (p.status != shop::PaymentStatus::kCaptured) continue;
    if (MethodPayment* m = find(p.method)) {
      m->amount += p.amount;
    } else {
      net.push_back({p.method, p.amount});
    }
  }
  for (const shop::Refund& r : order.refunds)
    if (MethodPayment* m = find(r.method)) m->amount -= r.amount;
  std::erase_if(net, [](const MethodPayment& m) { return m.amount <= Money(); });
  return net;
}

// R11: what was paid for lines not sent comes off the payments, last payment first.
void TakeOff(Money amount, std::vector<MethodPayment>* payments) {
  for (auto it = payments->rbegin(); it != payments->rend() && amount > Money(); ++it) {
    const Money take = it->amount < amount ? it->amount : amount;
    it->amount -= take;
    amount -= take;
  }
  std::erase_if(*payments, [](const MethodPayment& m) { return m.amount <= Money(); });
}

// R12: the Lightspeed payment type of each payment, or the type names still to find or create.
// A type not known yet gets the id "" (the sale is not sent until every type is known).
std::vector<lightspeed::NewSalePayment> SalePayments(const std::vector<MethodPayment>& payments,
                                                     const store::LightspeedSettings& settings,
                                                     const Links& links, Plan* plan) {
  std::vector<lightspeed::NewSalePayment> out;
  for (const MethodPayment& p : payments) {
    const std::string name = PaymentTypeName(p.method, settings);
    plan->draft.payment_methods.push_back(p.method);
    plan->draft.payment_type_names.push_back(name);
    const auto type = links.payment_type_by_name.find(NormalizeKey(name));
    if (type != links.payment_type_by_name.end()) {
      out.push_back({type->second, p.amount});
      continue;
    }
    out.push_back({"", p.amount});
    bool listed = false;
    for (const std::string& n : plan->payment_types)
      listed = listed || NormalizeKey(n) == NormalizeKey(name);
    if (!listed) plan->payment_types.push_back(name);
  }
  return out;
}

// R6: what staff see in Lightspeed to trace the sale back to the web order.
std::string InternalNote(const shop::Order& order, const Plan& plan) {
  std::string note = "Web order " + order.number + ".";
  if (order.shipping) note += " Shipping: " + order.shipping->method + ".";
  std::string payments;
  for (const shop::Payment& p : order.payments) {
    if (p.status != shop::PaymentStatus::kCaptured) continue;
    if (!payments.empty()) payments += ", ";
    payments += p.method;
    if (p.reference && !p.reference->empty()) payments += " " + *p.reference;
  }
  if (!payments.empty()) note += " Payments: " + payments + ".";
  std::string refunds;
  for (const shop::Refund& r : order.refunds) {
    if (!refunds.empty()) refunds += ", ";
    refunds += r.method + " " + r.amount.Dollars();
  }
  if (!refunds.empty()) note += " Refunds: " + refunds + ".";
  // R8: staff ring these up by hand, so the sale says what is missing from it.
  std::string not_sent;
  for (const store::NotSent& n : plan.not_sent) {
    if (!not_sent.empty()) not_sent += ", ";
    not_sent += n.sku + " " + n.amount.Dollars() + " (" + n.reason + ")";
  }
  if (!not_sent.empty()) note += " Not sent: " + not_sent + ".";
  return note;
}

Money Sum(const std::vector<lightspeed::NewSaleLine>& lines) {
  Money sum;
  for (const auto& l : lines) sum += LineAmount(l);
  return sum;
}

// R10, tax mode `lightspeed`: the sale is sent with the sales tax Lightspeed would pick (the
// customer's own, else the shop's) and, where the tax category taxes classes differently, each
// item line with its item's tax class, so the prediction is exactly what Lightspeed charges.
// Holds the order when that is not what the web order charged. The sale's total, or nullopt
// while the customer, the sales tax or an item's tax class is still to be learnt.
std::optional<Money> LightspeedTax(const shop::Order& order, const Links& links,
                                   lightspeed::NewSale* sale, Plan* plan) {
  if (sale->customer_id.empty()) return std::nullopt;  // the customer may have its own tax
  plan->tax_customer_id = sale->customer_id;
  if (!links.tax || links.tax_customer_id != sale->customer_id) {
    plan->needs_tax_rates = true;
    return std::nullopt;
  }
  if (!links.tax->by_class.empty()) {
    bool unlinked = false;
    for (auto& line : sale->lines) {
      if (!line.taxed) continue;
      if (line.item_id.empty()) {
        unlinked = true;  // the item is still to be found or created
      } else if (auto cls = links.item_tax_class.find(line.item_id);
                 cls != links.item_tax_class.end()) {
        line.tax_class_id = cls->second;
      } else {
        plan->tax_items.push_back(line.item_id);
      }
    }
    if (!plan->tax_items.empty()) plan->needs_tax_rates = true;
    if (unlinked || plan->needs_tax_rates) return std::nullopt;
  }
  const SalesTax& tax = *links.tax;
  sale->tax_category_id = tax.id;
  const TaxPrediction p = PredictTax(sale->lines, tax);
  const std::string which = " (Lightspeed sales tax \"" + tax.name + "\"" +
                            (tax.customers_own ? ", set on the customer in Lightspeed)" : ")");
  if (tax.inclusive && (p.tax != Money() || order.tax != Money())) {
    Hold(plan, "Tax differs: Lightspeed's sales tax \"" + tax.name +
                   "\" includes tax in prices, so Lightspeed would count " + p.tax.Dollars() +
                   " of tax inside a total of " + p.total.Dollars() +
                   ", but the web order charged " + order.tax.Dollars() +
                   " of tax on top. Choose tax mode web in Settings, or a "
                   "Lightspeed sales tax that adds tax to prices");
  } else if (p.tax != order.tax) {
    Hold(plan, "Tax differs: Lightspeed would charge " + p.tax.Dollars() +
                   ", the web order charged " + order.tax.Dollars() + which);
  }
  return p.total;
}

}  // namespace

std::string NormalizeKey(const std::string& s) {
  size_t begin = 0, end = s.size();
  while (begin < end && IsAsciiSpace(s[begin])) ++begin;
  while (end > begin && IsAsciiSpace(s[end - 1])) --end;
  std::string out = s.substr(begin, end - begin);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string PaymentTypeName(const std::string& web_method, const store::LightspeedSettings& s) {
  const std::string key = NormalizeKey(web_method);
  for (const auto& [method, type_name] : s.payment_types)
    if (NormalizeKey(method) == key && !NormalizeKey(type_name).empty()) return type_name;
  // The store's own gateway is the one Lightspeed accounts already know as "Stripe".
  if (key == "online payments (stripe)") return "Stripe";
  return web_method;
}

Plan PlanExport(const shop::Order& order, const std::map<std::string, shop::Item>& catalog,
                const store::LightspeedSettings& settings, const Links& links) {
  Plan plan;
  std::vector<SentLine> sent = SplitLines(order, &plan);
  const bool taxed_by_ls = settings.tax_mode == store::TaxMode::kLightspeed;

  lightspeed::NewSale sale;
  sale.shop_id = settings.shop_id;
  sale.register_id = settings.register_id;
  sale.employee_id = settings.employee_id;
  sale.reference_number = order.number;
  sale.reference_source = settings.reference_source;
  sale.completed = true;
  sale.customer_id = ResolveCustomer(
      order, links, settings.customer_marketing == store::CustomerMarketing::kConsented, &plan);
  ResolveItems(catalog, links, &sent, &plan);

  sale.lines = ItemLines(order, sent, taxed_by_ls, &plan);
  if (order.shipping && order.shipping->amount > Money())
    sale.lines.push_back(MiscLine(order.shipping->amount, "Shipping: " + order.shipping->method));

  // R10: the total Lightspeed will show, when it can be known yet.
  std::optional<Money> expected;
  if (!taxed_by_ls) {
    sale.tax_category_id = "0";
    if (order.tax > Money()) sale.lines.push_back(MiscLine(order.tax, "Sales tax (web order)"));
    expected = Sum(sale.lines);
  } else {
    expected = LightspeedTax(order, links, &sale, &plan);
  }

  // R11: payments net of refunds, less what was paid for lines not sent, must equal the sale.
  std::vector<MethodPayment> payments = NetPayments(order);
  Money not_sent_total;
  for (const store::NotSent& n : plan.not_sent) not_sent_total += n.amount;
  TakeOff(not_sent_total, &payments);
  Money paid;
  for (const MethodPayment& p : payments) paid += p.amount;
  if (expected && paid != *expected)
    Hold(&plan, "Payments do not add up: the Lightspeed sale would total " + expected->Dollars() +
                    ", but the payments less refunds and lines not sent come to " + paid.Dollars());
  sale.payments = SalePayments(payments, settings, links, &plan);
  sale.internal_note = InternalNote(order, plan);

  // R19: serials follow the line they were sold on; item lines come first in the sale.
  for (size_t i = 0; i < sent.size(); ++i)
    for (const std::string& serial : sent[i].line->serial_numbers)
      plan.serials.push_back({i, serial, sent[i].line->sku});
  if (plan.hold.empty()) plan.expected_total = expected;
  for (const SentLine& s : sent)
    plan.draft.order_lines.push_back(static_cast<size_t>(s.line - order.lines.data()));
  plan.draft.sale = sale;

  const bool missing =
      plan.customer || !plan.items.empty() || !plan.payment_types.empty() || plan.needs_tax_rates;
  if (missing || !plan.hold.empty()) return plan;
  plan.sale = std::move(sale);
  return plan;
}

}  // namespace exporter
