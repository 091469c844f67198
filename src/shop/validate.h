// The web store's input rules (interfaces.md). Each failure names the field and says why.
#pragma once

#include <functional>
#include <string_view>

#include "base/result.h"
#include "shop/order.h"

namespace shop {

using FindItem = std::function<const Item*(std::string_view sku)>;

// 1–64 characters of A-Z a-z 0-9 - _ .  (order numbers and SKUs)
bool IsValidKey(std::string_view key);
bool IsValidEmail(std::string_view email);

base::Status ValidateItem(const Item& item);
// `find_item` resolves line SKUs against the store's catalog.
base::Status ValidateOrder(const Order& order, std::string_view store_currency,
                           const FindItem& find_item);

// Payment and refund ids, methods, and sums that stay within range.
base::Status ValidatePaymentsAndRefunds(const Order& order);

// Σ(quantity × unit_price − discount) − order_discount + shipping + tax, or an error on overflow.
base::Result<Money> ExpectedTotal(const Order& order);

}  // namespace shop
