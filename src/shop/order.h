// The web store's side: catalog items and orders as the store sends them. Plain data, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/money.h"

namespace shop {

using base::Money;

enum class ItemKind { kInventory, kGiftCard, kNonInventory };
enum class ItemSource { kPosSync, kSupplierSync, kSite };
enum class OrderStatus { kOpen, kProcessing, kShipped, kCompleted, kCancelled };
enum class PaymentStatus { kAuthorized, kCaptured, kVoided, kFailed };
// Where an order stands with Lightspeed. Kept beside the order so lists can filter on it.
enum class ExportState { kNotExported, kQueued, kExporting, kExported, kNeedsAttention };

struct Item {
  std::string sku;
  std::string description;
  ItemKind kind = ItemKind::kInventory;
  ItemSource source = ItemSource::kSite;
  std::optional<std::string> lightspeed_item_id;  // required for pos_sync
  std::optional<std::string> upc, ean, manufacturer_sku, brand;
  Money price;
  std::optional<Money> cost, msrp;
  bool serialized = false;
  bool operator==(const Item&) const = default;
};

struct Address {
  std::string line1;
  std::optional<std::string> line2;
  std::string city, region, postal_code, country;
  bool operator==(const Address&) const = default;
};

struct Customer {
  std::string email, first_name, last_name;
  std::optional<std::string> phone;
  bool operator==(const Customer&) const = default;
};

struct Line {
  std::string sku;
  int64_t quantity = 1;
  Money unit_price, discount;
  bool taxable = true;
  std::vector<std::string> serial_numbers;
  // Copied from the catalog when the order is stored; not part of the web store's input.
  ItemKind kind = ItemKind::kInventory;
  std::string description;
  bool operator==(const Line&) const = default;

  Money Amount() const { return Money::FromCents(unit_price.cents() * quantity) - discount; }
};

struct Shipping {
  std::string method;
  Money amount;
  bool operator==(const Shipping&) const = default;
};

struct Payment {
  std::string id, method;
  Money amount;
  PaymentStatus status = PaymentStatus::kCaptured;
  std::optional<std::string> reference;
  bool operator==(const Payment&) const = default;
};

// Units of one order line given back with a refund (their stock returns in Lightspeed when the
// refund is sent there).
struct RefundLine {
  std::string sku;
  int64_t quantity = 0;
  bool operator==(const RefundLine&) const = default;
};

struct Refund {
  std::string id, method;
  Money amount;
  base::TimePoint at;
  std::vector<RefundLine> lines;  // empty: an amount only
  bool operator==(const Refund&) const = default;
};

struct Order {
  std::string number;
  base::TimePoint placed_at;
  OrderStatus status = OrderStatus::kOpen;
  std::string currency = "USD";
  Customer customer;
  std::optional<Address> billing_address;  // absent for PayPal orders (R14)
  std::optional<Address> shipping_address;
  std::vector<Line> lines;
  Money order_discount;
  std::optional<Shipping> shipping;
  Money tax;
  Money total;
  std::vector<Payment> payments;
  std::vector<Refund> refunds;
  bool operator==(const Order&) const = default;
};

// Names used on the wire and in the database. Parse* return false on an unknown name.
const char* Name(ItemKind v);
const char* Name(ItemSource v);
const char* Name(OrderStatus v);
const char* Name(PaymentStatus v);
const char* Name(ExportState v);
bool Parse(std::string_view s, ItemKind* out);
bool Parse(std::string_view s, ItemSource* out);
bool Parse(std::string_view s, OrderStatus* out);
bool Parse(std::string_view s, PaymentStatus* out);
bool Parse(std::string_view s, ExportState* out);

// "Open Orders" are those not completed or cancelled.
bool IsOpen(OrderStatus s);
// Counts as fulfilled for automatic export `when_paid_and_fulfilled`.
bool IsFulfilled(OrderStatus s);

}  // namespace shop
