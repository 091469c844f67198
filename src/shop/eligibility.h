// R1–R5: whether an order may be exported, as one pure function shared by the API, the pages and
// the exporter (which checks again just before sending).
#pragma once

#include <string>

#include "shop/order.h"

namespace shop {

enum class BalanceState { kPaidInFull, kUnbalanced };

struct Balance {
  Money due;  // total − Σ captured + Σ refunds (R2)
  BalanceState state = BalanceState::kUnbalanced;
  std::string message;  // "Paid in Full", "Unbalanced: $12.50 due", …
};

Balance ComputeBalance(const Order& order);
const char* Name(BalanceState s);

// What eligibility needs to know of the store's Lightspeed connection (R3).
struct Connection {
  bool connected = false;  // holds a working token
  bool has_shop = false, has_register = false, has_employee = false;
};

struct Eligibility {
  // Empty when the order can be exported; otherwise one of already_exported, already_queued,
  // cancelled, unbalanced, nothing_to_export, not_connected.
  std::string code;
  std::string message;
  // A refusal by the order's export state (already_*: a conflict, 409) rather than a reason
  // about the order itself (422). Set where the refusal is made, never read from `code`.
  bool conflict = false;
  bool ok() const { return code.empty(); }
};

Eligibility CheckEligibility(const Order& order, ExportState state, const Connection& connection);

// R4/R8: lines that are never sent to Lightspeed (gift cards and non-inventory items).
bool IsSentToLightspeed(const Line& line);

}  // namespace shop
