// Stores, the catalog and orders (with their payments, refunds and export record), as the web store
// puts them. One of the four concerns store::Store joins (store.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "base/result.h"
#include "shop/order.h"

namespace store {

using StoreId = base::Id<struct StoreTag>;
using base::Result;
using base::Status;

struct StoreInfo {
  StoreId id;
  std::string slug, name, currency;
};

enum class AttemptOutcome { kExported, kAdopted, kRetry, kFailed };
const char* Name(AttemptOutcome v);
bool Parse(std::string_view name, AttemptOutcome* out);  // false (and *out unchanged) if unknown

struct NotSent {
  std::string sku;
  base::Money amount;
  std::string reason;  // "gift card" | "non-inventory item"
};

struct ExportRecord {
  shop::ExportState state = shop::ExportState::kNotExported;
  std::string sale_id;
  std::optional<base::TimePoint> queued_at, exported_at;
  int attempts = 0;
  std::string message;  // why it needs attention, in plain words
  std::vector<NotSent> not_sent;
};

struct ExportAttempt {
  int n = 0;
  base::TimePoint started_at, finished_at;
  AttemptOutcome outcome = AttemptOutcome::kFailed;
  int http_status = 0;
  std::string message;
  double units = 0;
  std::string sent;  // what was sent to Lightspeed, in plain words (empty when nothing was)
};

struct OrderRecord {
  shop::Order order;
  ExportRecord export_record;
  std::vector<ExportAttempt> attempts;  // filled by GetOrder only
};

// How a list of orders is sorted; every sort breaks ties by the order's row (newest row first
// when descending), so a page boundary is exact.
enum class OrderSort { kNewest, kOldest, kTotalHigh, kTotalLow };
const char* Name(OrderSort v);  // "newest" | "oldest" | "total_desc" | "total_asc"
bool Parse(std::string_view name, OrderSort* out);

struct OrderFilter {
  std::vector<shop::OrderStatus> statuses;  // empty: any
  std::optional<shop::ExportState> export_state;
  // Only orders that cannot be exported as they are and need someone to act: not cancelled, and
  // either stopped in needs_attention or not exported and held by their own data — unbalanced
  // (R2) or nothing to send (R4). Orders merely not connected yet (R3) are not among them.
  bool needs_action = false;
  // Search, case-insensitive: order numbers starting with q, and (q of 3 or more characters)
  // customer e-mails and "first last" names containing q. Spaces around q are ignored; at most
  // 100 bytes of UTF-8 without control characters (kInvalidInput naming `q`).
  std::string q;
  OrderSort sort = OrderSort::kNewest;
  std::string cursor;  // OrderPage::next_cursor or prev_cursor, made for the same sort
  int limit = 50;      // 1..200
};

struct OrderPage {
  std::vector<OrderRecord> orders;
  std::string next_cursor;  // empty on the last page
  std::string prev_cursor;  // empty on the first page
};

struct ItemPage {
  std::vector<shop::Item> items;
  std::string next_cursor;
};

enum class PutOutcome { kCreated, kReplaced, kUnchanged };

class OrderStore {
 public:
  virtual ~OrderStore() = default;

  virtual Result<StoreInfo> CreateStore(const std::string& slug, const std::string& name,
                                        const std::string& currency) = 0;
  virtual Result<StoreInfo> GetStore(StoreId id) = 0;
  virtual Result<StoreInfo> FindStore(const std::string& slug) = 0;
  virtual Result<std::vector<StoreInfo>> ListStores() = 0;

  virtual Result<PutOutcome> PutItem(StoreId store, const shop::Item& item) = 0;
  virtual Result<shop::Item> GetItem(StoreId store, const std::string& sku) = 0;
  virtual Result<ItemPage> ListItems(StoreId store, const std::string& cursor, int limit) = 0;
  // The catalog entries for `skus` that exist (validation of order lines).
  virtual Result<std::map<std::string, shop::Item>> GetItems(
      StoreId store, const std::vector<std::string>& skus) = 0;

  // Create or replace; kConflict once an export was queued, is running or is done (an identical
  // order is kUnchanged whatever the state). Lines keep the kind and description they carry.
  virtual Result<PutOutcome> PutOrder(StoreId store, const shop::Order& order) = 0;
  virtual Result<OrderRecord> GetOrder(StoreId store, const std::string& number) = 0;
  virtual Result<OrderPage> ListOrders(StoreId store, const OrderFilter& filter) = 0;
  // How many orders match `filter` (its cursor and limit aside), counted up to `at_most`: a
  // result of `at_most` means "at least that many".
  virtual Result<int64_t> CountOrders(StoreId store, const OrderFilter& filter,
                                      int64_t at_most) = 0;
  virtual Status SetOrderStatus(StoreId store, const std::string& number,
                                shop::OrderStatus status) = 0;
  // authorized → captured; kConflict from any other payment status.
  virtual Status CapturePayment(StoreId store, const std::string& number,
                                const std::string& payment_id) = 0;
  // Recorded even after export (R24); kConflict on a duplicate refund id.
  virtual Status AddRefund(StoreId store, const std::string& number,
                           const shop::Refund& refund) = 0;
};

}  // namespace store
