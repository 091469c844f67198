// The web store's input rules (interfaces.md). Each failure names the field and says why.
#pragma once

#include <functional>
#include <string_view>

#include "base/result.h"
#include "shop/order.h"

namespace shop {

using FindItem = std::function<const Item*(std::string_view sku)>;

// The longest text each field may hold, in characters (code points), not bytes. Chosen to fit
// what a customer or clerk types and what Lightspeed keeps (descriptions 255, names, e-mail 254).
// Every text field must also be valid UTF-8 without control characters or bidi overrides.
struct TextLimits {
  static constexpr size_t kName = 100;         // customer.first_name, customer.last_name
  static constexpr size_t kEmail = 254;        // customer.email (RFC 5321)
  static constexpr size_t kPhone = 40;         // customer.phone
  static constexpr size_t kAddressLine = 255;  // *_address.line1, line2
  static constexpr size_t kCity = 100;         // *_address.city, region, country
  static constexpr size_t kPostalCode = 20;    // *_address.postal_code
  static constexpr size_t kDescription = 255;  // item description
  static constexpr size_t kBrand = 100;        // item brand, manufacturer_sku
  static constexpr size_t kMethod = 100;       // shipping.method, payment and refund method
  static constexpr size_t kId = 128;           // payment and refund ids
  static constexpr size_t kReference = 255;    // payment reference
  static constexpr size_t kSerial = 64;        // serial numbers
};

// 1–64 characters of A-Z a-z 0-9 - _ .  (order numbers and SKUs)
bool IsValidKey(std::string_view key);
bool IsValidEmail(std::string_view email);

base::Status ValidateItem(const Item& item);
// `find_item` resolves line SKUs against the store's catalog.
base::Status ValidateOrder(const Order& order, std::string_view store_currency,
                           const FindItem& find_item);

// Payment and refund ids, methods, and sums that stay within range; refunds never add up to more
// than the captured payments.
base::Status ValidatePaymentsAndRefunds(const Order& order);

// Σ(quantity × unit_price − discount) − order_discount + shipping + tax, or an error on overflow.
base::Result<Money> ExpectedTotal(const Order& order);

}  // namespace shop
