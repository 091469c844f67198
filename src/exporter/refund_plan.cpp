#include "exporter/refund_plan.h"

namespace exporter {

using base::Money;

RefundSalePlan PlanRefund(const shop::Order& order, const shop::Refund& refund,
                          const std::string& sale_id, const store::LightspeedSettings& settings,
                          const Links& links) {
  RefundSalePlan plan;
  plan.payment_type_name = PaymentTypeName(refund.method, settings);
  lightspeed::NewSale sale;
  sale.shop_id = settings.shop_id;
  sale.register_id = settings.register_id;
  sale.employee_id = settings.employee_id;
  sale.reference_number = RefundReference(order.number, refund.id);
  sale.reference_source = settings.reference_source;
  sale.tax_category_id = "0";
  auto customer = links.customer_by_email.find(NormalizeKey(order.customer.email));
  if (customer != links.customer_by_email.end()) sale.customer_id = customer->second;

  Money returned;  // what the returned item lines give back
  for (const shop::RefundLine& rl : refund.lines) {
    const shop::Line* sold = nullptr;
    for (const shop::Line& l : order.lines)
      if (l.sku == rl.sku) sold = &l;
    auto item = links.item_by_sku.find(rl.sku);
    // Lines sold as misc charges (gift cards, non-inventory) have no item and no stock to return:
    // their money goes with the rest of the amount.
    if (!sold || item == links.item_by_sku.end() || sold->quantity <= 0) continue;
    lightspeed::NewSaleLine line;
    line.item_id = item->second;
    line.quantity = -rl.quantity;
    line.unit_price = sold->unit_price;
    // The line's discount, in proportion to the units given back (rounded down to the cent).
    line.discount = Money::FromCents(-(sold->discount.cents() * rl.quantity / sold->quantity));
    line.note = "Returned with refund " + refund.id;
    returned += Money::FromCents(line.quantity * line.unit_price.cents()) - line.discount;
    sale.lines.push_back(std::move(line));
  }
  const Money rest = -refund.amount - returned;
  if (returned < -refund.amount) {
    plan.problem = "The units refund " + refund.id + " gives back were sold for " +
                   (-returned).Dollars() + ", more than the refund's " + refund.amount.Dollars() +
                   ": record the refund with fewer units, or refund it in Lightspeed by hand";
    return plan;
  }
  if (!rest.IsZero()) {
    lightspeed::NewSaleLine misc;
    misc.unit_price = rest;
    misc.note = refund.lines.empty() ? "Refund " + refund.id + " of web order " + order.number
                                     : "Refund " + refund.id + ": tax, shipping and the rest";
    sale.lines.push_back(std::move(misc));
  }
  const auto type = links.payment_type_by_name.find(NormalizeKey(plan.payment_type_name));
  if (type == links.payment_type_by_name.end()) {
    plan.problem = "Lightspeed has no payment type \"" + plan.payment_type_name +
                   "\" to pay refund " + refund.id +
                   " out with: map the refund's method in Settings → Lightspeed, then retry";
    return plan;
  }
  sale.payments.push_back({type->second, -refund.amount});
  sale.internal_note = "Refund " + refund.id + " of web order " + order.number +
                       (sale_id.empty() ? std::string() : " (Lightspeed sale #" + sale_id + ")") +
                       ": " + refund.method + " " + refund.amount.Dollars() + ".";
  plan.sale = std::move(sale);
  return plan;
}

}  // namespace exporter
