#include "shop/validate.h"

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "base/text.h"
#include "shop/item_codes.h"

namespace shop {
namespace {

using base::Invalid;
using base::Status;

std::string At(std::string_view list, size_t i, std::string_view field) {
  return std::string(list) + "[" + std::to_string(i) + "]." + std::string(field);
}

// Input quoted in a refusal: short, and valid UTF-8 so the refusal can be sent as JSON.
std::string Quoted(std::string_view s) {
  return "\"" + base::CutUtf8(s, 64) + (s.size() > 64 ? "…" : "") + "\"";
}

std::string CodePoint(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

// One text field: valid UTF-8, at most `max_chars` characters, no control characters (newlines
// only where `allow_newlines`) and no bidi overrides.
Status CheckText(const std::string& field, std::string_view value, size_t max_chars,
                 bool allow_newlines = false) {
  if (!base::IsValidUtf8(value)) return Invalid(field, field + " is not valid UTF-8 text");
  if (const size_t n = base::CountCodePoints(value); n > max_chars)
    return Invalid(field, field + " must be at most " + std::to_string(max_chars) +
                              " characters (it has " + std::to_string(n) + ")");
  if (auto c = base::FindUnsafeCharacter(value, allow_newlines))
    return Invalid(field, field +
                              " must not contain control characters or text direction "
                              "overrides (it has " +
                              CodePoint(*c) + ")");
  return {};
}

Status CheckOptionalText(const std::string& field, const std::optional<std::string>& value,
                         size_t max_chars) {
  return value ? CheckText(field, *value, max_chars) : Status();
}

Status CheckAddress(const std::string& name, const std::optional<Address>& a) {
  if (!a) return {};
  using L = TextLimits;
  for (auto [field, value, max] :
       {std::tuple<const char*, const std::string*, size_t>{"line1", &a->line1, L::kAddressLine},
        {"city", &a->city, L::kCity},
        {"region", &a->region, L::kCity},
        {"postal_code", &a->postal_code, L::kPostalCode},
        {"country", &a->country, L::kCity}})
    if (auto st = CheckText(name + "." + field, *value, max); !st.ok()) return st;
  return CheckOptionalText(name + ".line2", a->line2, L::kAddressLine);
}

}  // namespace

bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool IsValidEmail(std::string_view email) {
  if (email.size() < 3 || email.size() > 254) return false;
  const size_t at = email.find('@');
  if (at == 0 || at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos)
    return false;
  const std::string_view domain = email.substr(at + 1);
  const size_t dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') return false;
  for (unsigned char c : email)
    if (c <= ' ' || c == '<' || c == '>' || c == ',' || c == ';' || c == '"') return false;
  return true;
}

Status ValidateItem(const Item& item) {
  if (!IsValidKey(item.sku))
    return Invalid("sku", "sku must be 1–64 characters of A-Z a-z 0-9 - _ .");
  if (item.description.empty())
    return Invalid("description", "description is required (at most 255 characters)");
  if (auto st = CheckText("description", item.description, TextLimits::kDescription); !st.ok())
    return st;
  if (auto st = CheckOptionalText("manufacturer_sku", item.manufacturer_sku, TextLimits::kBrand);
      !st.ok())
    return st;
  if (auto st = CheckOptionalText("brand", item.brand, TextLimits::kBrand); !st.ok()) return st;
  if (item.source == ItemSource::kPosSync &&
      (!item.lightspeed_item_id || item.lightspeed_item_id->empty()))
    return Invalid("lightspeed_item_id", "lightspeed_item_id is required for pos_sync items");
  if (item.lightspeed_item_id) {
    if (item.lightspeed_item_id->empty())
      return Invalid("lightspeed_item_id",
                     "lightspeed_item_id must be a Lightspeed itemID or null");
    for (char c : *item.lightspeed_item_id)
      if (c < '0' || c > '9' || item.lightspeed_item_id->size() > 20)
        return Invalid("lightspeed_item_id",
                       "lightspeed_item_id must be a Lightspeed itemID (digits)");
  }
  if (item.serialized && item.kind != ItemKind::kInventory)
    return Invalid("serialized", "only inventory items can be serialized");
  // Lightspeed refuses a malformed barcode: say so now, not when the first order fails.
  if (item.upc)
    if (auto s = ValidateUpc(*item.upc); !s.ok()) return s;
  if (item.ean)
    if (auto s = ValidateEan(*item.ean); !s.ok()) return s;
  return {};
}

base::Result<Money> ExpectedTotal(const Order& order) {
  Money sum;
  for (const Line& line : order.lines) {
    Money gross;
    if (!Money::Multiply(line.unit_price, line.quantity, &gross) ||
        !Money::Add(sum, gross - line.discount, &sum))
      return Invalid("total", "the order's amounts are too large");
  }
  if (!Money::Add(sum, -order.order_discount, &sum))
    return Invalid("total", "the order's amounts are too large");
  if (order.shipping && !Money::Add(sum, order.shipping->amount, &sum))
    return Invalid("total", "the order's amounts are too large");
  if (!Money::Add(sum, order.tax, &sum))
    return Invalid("total", "the order's amounts are too large");
  return sum;
}

namespace {

// The lines a refund names are the order's own, and no more units come back than were sold.
Status CheckRefundLines(const Order& order, size_t i, std::map<std::string, int64_t>* returned) {
  const Refund& r = order.refunds[i];
  if (r.lines.size() > 100)
    return Invalid(At("refunds", i, "lines"), "a refund names at most 100 lines");
  for (size_t k = 0; k < r.lines.size(); ++k) {
    const RefundLine& rl = r.lines[k];
    const std::string field = At("refunds", i, "lines") + "[" + std::to_string(k) + "]";
    int64_t sold = 0;
    for (const Line& l : order.lines)
      if (l.sku == rl.sku) sold += l.quantity;
    if (sold == 0)
      return Invalid(field + ".sku", "refund line " + Quoted(base::CutUtf8(rl.sku, 64)) +
                                         " is not a line of this order");
    if (rl.quantity < 1 || rl.quantity > 100000)
      return Invalid(field + ".quantity", "quantity must be a whole number from 1 to 100000");
    int64_t& back = (*returned)[rl.sku];
    back += rl.quantity;
    if (back > sold)
      return Invalid(field + ".quantity",
                     "the refunds would give back " + std::to_string(back) + " of " +
                         Quoted(rl.sku) + ", more than the " + std::to_string(sold) + " sold",
                     "refund_exceeds_sold");
  }
  return {};
}

}  // namespace

Status ValidatePaymentsAndRefunds(const Order& order) {
  std::set<std::string> ids;
  Money paid, refunded, captured;
  for (size_t i = 0; i < order.payments.size(); ++i) {
    const Payment& p = order.payments[i];
    if (p.id.empty()) return Invalid(At("payments", i, "id"), "payment id is required");
    if (auto st = CheckText(At("payments", i, "id"), p.id, TextLimits::kId); !st.ok()) return st;
    if (!ids.insert(p.id).second)
      return Invalid(At("payments", i, "id"), "duplicate payment id " + Quoted(p.id),
                     "duplicate_payment_id");
    if (p.method.empty()) return Invalid(At("payments", i, "method"), "payment method is required");
    if (auto st = CheckText(At("payments", i, "method"), p.method, TextLimits::kMethod); !st.ok())
      return st;
    if (auto st =
            CheckOptionalText(At("payments", i, "reference"), p.reference, TextLimits::kReference);
        !st.ok())
      return st;
    if (!Money::Add(paid, p.amount, &paid))
      return Invalid(At("payments", i, "amount"), "the payments add up to more than can be kept");
    // Captured payments are a part of all payments, so this sum cannot overflow.
    if (p.status == PaymentStatus::kCaptured) captured += p.amount;
  }
  std::set<std::string> refund_ids;
  std::map<std::string, int64_t> returned;  // units given back so far, by sku
  for (size_t i = 0; i < order.refunds.size(); ++i) {
    const Refund& r = order.refunds[i];
    if (r.id.empty()) return Invalid(At("refunds", i, "id"), "refund id is required");
    if (auto st = CheckText(At("refunds", i, "id"), r.id, TextLimits::kId); !st.ok()) return st;
    if (!refund_ids.insert(r.id).second)
      return Invalid(At("refunds", i, "id"), "duplicate refund id " + Quoted(r.id));
    if (r.method.empty()) return Invalid(At("refunds", i, "method"), "refund method is required");
    if (auto st = CheckText(At("refunds", i, "method"), r.method, TextLimits::kMethod); !st.ok())
      return st;
    Money both;
    if (!Money::Add(refunded, r.amount, &refunded) || !Money::Add(paid, refunded, &both))
      return Invalid(At("refunds", i, "amount"), "the refunds add up to more than can be kept");
    // Only money that was taken can be given back: a refund beyond the captured payments is a
    // typing error (or worse), and would leave a balance no sale in Lightspeed can carry.
    if (refunded > captured)
      return Invalid(At("refunds", i, "amount"),
                     "the refunds would add up to " + refunded.Dollars() + ", more than the " +
                         captured.Dollars() + " captured for this order",
                     "refund_exceeds_captured");
    if (auto st = CheckRefundLines(order, i, &returned); !st.ok()) return st;
  }
  return {};
}

Status ValidateOrder(const Order& order, std::string_view store_currency,
                     const FindItem& find_item) {
  if (!IsValidKey(order.number))
    return Invalid("number", "number must be 1–64 characters of A-Z a-z 0-9 - _ .");
  if (order.currency != store_currency)
    return Invalid("currency", "currency must be the store's currency, " +
                                   std::string(store_currency) + " (got " +
                                   base::CutUtf8(order.currency, 16) + ")");
  const Customer& c = order.customer;
  if (auto st = CheckText("customer.email", c.email, TextLimits::kEmail); !st.ok()) return st;
  if (!IsValidEmail(c.email))
    return Invalid("customer.email",
                   "customer.email is not a valid e-mail address: " + Quoted(c.email));
  if (auto st = CheckText("customer.first_name", c.first_name, TextLimits::kName); !st.ok())
    return st;
  if (auto st = CheckText("customer.last_name", c.last_name, TextLimits::kName); !st.ok())
    return st;
  if (auto st = CheckOptionalText("customer.phone", c.phone, TextLimits::kPhone); !st.ok())
    return st;
  if (auto st = CheckAddress("billing_address", order.billing_address); !st.ok()) return st;
  if (auto st = CheckAddress("shipping_address", order.shipping_address); !st.ok()) return st;
  if (order.lines.empty()) return Invalid("lines", "an order needs at least one line");
  Money lines_sum;
  for (size_t i = 0; i < order.lines.size(); ++i) {
    const Line& line = order.lines[i];
    if (!IsValidKey(line.sku))
      return Invalid(At("lines", i, "sku"), "sku must be 1–64 characters of A-Z a-z 0-9 - _ .");
    if (find_item(line.sku) == nullptr)
      return Invalid(At("lines", i, "sku"),
                     "unknown SKU \"" + line.sku + "\": add it to the catalog first",
                     "unknown_sku");
    if (line.quantity < 1)
      return Invalid(At("lines", i, "quantity"), "quantity must be at least 1");
    if (line.quantity > 100000)
      return Invalid(At("lines", i, "quantity"), "quantity must be at most 100000");
    Money gross;
    if (!Money::Multiply(line.unit_price, line.quantity, &gross))
      return Invalid(At("lines", i, "unit_price"), "the line amount is too large");
    if (line.discount > gross)
      return Invalid(At("lines", i, "discount"), "discount " + line.discount.ToString() +
                                                     " is more than the line amount " +
                                                     gross.ToString());
    if (line.serial_numbers.size() > static_cast<size_t>(line.quantity))
      return Invalid(At("lines", i, "serial_numbers"), "more serial numbers than the quantity");
    std::set<std::string> serials;
    for (const std::string& s : line.serial_numbers) {
      if (s.empty())
        return Invalid(At("lines", i, "serial_numbers"), "serial numbers must be 1–64 characters");
      if (auto st = CheckText(At("lines", i, "serial_numbers"), s, TextLimits::kSerial); !st.ok())
        return st;
      if (!serials.insert(s).second)
        return Invalid(At("lines", i, "serial_numbers"), "serial number " + s + " appears twice");
    }
    if (!Money::Add(lines_sum, gross - line.discount, &lines_sum))
      return Invalid("total", "the order's amounts are too large");
  }
  if (order.order_discount > lines_sum)
    return Invalid("order_discount", "order_discount is more than the lines add up to");
  if (order.shipping)
    if (auto st = CheckText("shipping.method", order.shipping->method, TextLimits::kMethod);
        !st.ok())
      return st;
  if (order.shipping && order.shipping->amount > Money() && order.shipping->method.empty())
    return Invalid("shipping.method",
                   "shipping.method is required when there is a shipping amount");
  if (auto s = ValidatePaymentsAndRefunds(order); !s.ok()) return s;
  auto expected = ExpectedTotal(order);
  if (!expected.ok()) return expected.error();
  if (*expected != order.total)
    return Invalid("total",
                   "total must equal lines − order discount + shipping + tax = " +
                       expected->ToString() + " (got " + order.total.ToString() + ")",
                   "total_mismatch");
  return {};
}

}  // namespace shop
