#include "shop/eligibility.h"

namespace shop {

const char* Name(BalanceState s) {
  return s == BalanceState::kPaidInFull ? "paid_in_full" : "unbalanced";
}

Balance ComputeBalance(const Order& order) {
  Money captured, refunded, authorized;
  for (const Payment& p : order.payments) {
    if (p.status == PaymentStatus::kCaptured) captured += p.amount;
    if (p.status == PaymentStatus::kAuthorized) authorized += p.amount;
  }
  for (const Refund& r : order.refunds) refunded += r.amount;
  Balance b;
  // Validation keeps refunds within what was captured; an order stored before that rule may hold
  // sums that do not add up in 64 bits, and then it is unbalanced rather than wrapped around.
  if (!Money::Add(order.total, -captured, &b.due) || !Money::Add(b.due, refunded, &b.due)) {
    b.due = Money();
    b.message = "Unbalanced: its amounts are too large to add up";
    return b;
  }
  if (b.due.IsZero()) {
    b.state = BalanceState::kPaidInFull;
    b.message = "Paid in Full";
  } else if (b.due < Money()) {
    b.message = "Unbalanced: overpaid by " + (-b.due).Dollars();
  } else if (authorized > Money()) {
    b.message = "Unbalanced: payment authorized but not captured (" + authorized.Dollars() + ")";
  } else {
    b.message = "Unbalanced: " + b.due.Dollars() + " due";
  }
  return b;
}

bool IsSentToLightspeed(const Line& line) { return line.kind == ItemKind::kInventory; }

Eligibility CheckEligibility(const Order& order, ExportState state, const Connection& c) {
  switch (state) {
    case ExportState::kExported:
      return {"already_exported", "Already exported to Lightspeed", true};
    case ExportState::kQueued:
    case ExportState::kExporting:
      return {"already_queued", "Already on its way to Lightspeed", true};
    case ExportState::kNotExported:
    case ExportState::kNeedsAttention:
      break;
  }
  if (order.status == OrderStatus::kCancelled)
    return {"cancelled", "Cancelled orders cannot be exported"};
  const Balance balance = ComputeBalance(order);
  if (balance.state != BalanceState::kPaidInFull) return {"unbalanced", balance.message};
  bool anything = order.shipping && order.shipping->amount > Money();
  for (const Line& line : order.lines) anything = anything || IsSentToLightspeed(line);
  if (!anything)
    return {"nothing_to_export", "Nothing to export: gift cards are rung up in Lightspeed"};
  if (!c.connected) return {"not_connected", "Lightspeed is not connected"};
  if (!c.has_shop) return {"not_connected", "Choose a Lightspeed shop in Settings"};
  if (!c.has_register) return {"not_connected", "Choose a Lightspeed register in Settings"};
  if (!c.has_employee) return {"not_connected", "Choose a Lightspeed employee in Settings"};
  return {};
}

}  // namespace shop
