// Refunds sent to Lightspeed (issue 15): with the store's `refunds` setting at "send", a refund
// recorded on an exported order (at or after its export) is queued here in the same transaction
// that records it, and the export engine sends it as a refund sale, exactly once, with the same
// discipline as sales: a claim with a lease and a fence, a "maybe sent" mark set before the
// write, and a search by reference before any second write. One of the concerns store::Store
// joins (store.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/orders.h"

namespace store {

// `{order number}-R{refund id}`: a refund sale's referenceNumber in Lightspeed (searched before
// any resend; the reconciliation's expected sales build the same in SQL).
inline std::string RefundReference(const std::string& number, const std::string& refund_id) {
  return number + "-R" + refund_id;
}

enum class RefundState { kQueued, kSending, kSent, kNeedsAttention };
const char* Name(RefundState v);
bool Parse(std::string_view name, RefundState* out);

struct RefundExport {
  std::string number, refund_id;
  RefundState state = RefundState::kQueued;
  int attempts = 0;
  bool maybe_sent = false;
  std::string sale_id;  // the refund sale in Lightspeed, once sent
  std::string message;  // why it waits or stopped, in plain words
  base::TimePoint queued_at;
  std::optional<base::TimePoint> sent_at;
  bool operator==(const RefundExport&) const = default;
};

struct RefundClaim {
  int64_t fence = 0;
  int attempt = 0;
  bool maybe_sent = false;
};

class RefundStore {
 public:
  virtual ~RefundStore() = default;

  // An order's refund exports, in the order they were queued.
  virtual Result<std::vector<RefundExport>> ListRefundExports(StoreId store,
                                                              const std::string& number) = 0;
  // The store's refunds that stopped for the merchant, oldest first, at most `limit`.
  virtual Result<std::vector<RefundExport>> ListStoppedRefunds(StoreId store, int limit) = 0;
  // Refund exports ready to work on (queued and due, or sending with an expired lease), oldest
  // first. The engine's due stores (ExportStore::ListDueStores) include the stores with any.
  virtual Result<std::vector<RefundExport>> ListDueRefunds(StoreId store, int limit) = 0;
  // queued/expired → sending, attempt + 1, a new fence and a lease. kConflict when not due.
  virtual Result<RefundClaim> ClaimRefund(StoreId store, const std::string& number,
                                          const std::string& refund_id, base::Duration lease) = 0;
  // Just before the refund sale is sent: from here a retry searches Lightspeed first.
  virtual Status MarkRefundSending(StoreId store, const std::string& number,
                                   const std::string& refund_id, int64_t fence) = 0;
  virtual Status CompleteRefund(StoreId store, const std::string& number,
                                const std::string& refund_id, int64_t fence,
                                const std::string& sale_id) = 0;
  virtual Status StopRefund(StoreId store, const std::string& number, const std::string& refund_id,
                            int64_t fence, const std::string& message) = 0;
  virtual Status RetryRefundLater(StoreId store, const std::string& number,
                                  const std::string& refund_id, int64_t fence, base::Duration wait,
                                  const std::string& message, bool maybe_sent) = 0;
  // The merchant's Retry: needs attention → queued, due now (kConflict in any other state).
  virtual Status RequeueRefund(StoreId store, const std::string& number,
                               const std::string& refund_id) = 0;
};

}  // namespace store
