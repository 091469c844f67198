// What a reconciliation compares with Lightspeed, and what it found (issue 15). One of the
// concerns store::Store joins (store.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/money.h"
#include "base/result.h"
#include "store/orders.h"

namespace store {

// A sale spoke recorded sending: one per exported order (its reference is the order's number)
// and one per refund sent to Lightspeed (reference "{number}-R{refund}", total minus the refund's
// amount), so a reconciliation knows them without guessing from the reference's form.
struct ExpectedSale {
  std::string order_number;
  std::string reference;             // the sale's referenceNumber
  std::string sale_id;               // Lightspeed's saleID, as recorded at completion
  std::optional<base::Money> total;  // what was sent; nullopt when not recorded (older exports)
  base::TimePoint exported_at;       // when spoke recorded it (the database's clock)
};

// One difference a reconciliation found; `kind` is one of the ReconcileKind names
// (exporter/reconcile.h).
struct ReconcileDifference {
  std::string kind;
  std::string order;  // the order's number, "" when no order is known
  std::string reference, sale_id;
  std::optional<base::Money> expected_total, lightspeed_total;
  std::string message;  // in plain words
};

struct ReconcileRun {
  int64_t id = 0;  // given by SaveReconcileRun
  StoreId store;
  base::TimePoint from, to;  // the window compared, [from, to)
  base::TimePoint started_at, finished_at;
  std::string run_kind;  // "daily" | "manual"
  bool ok = true;        // false: it could not finish; `message` says why
  std::string message;
  int requests = 0;  // Lightspeed requests it made
  std::vector<ReconcileDifference> differences;
};

class ReconcileStore {
 public:
  virtual ~ReconcileStore() = default;

  // The sales spoke recorded for the store whose export was recorded in [from, to), oldest first.
  virtual Result<std::vector<ExpectedSale>> ListExpectedSales(StoreId store, base::TimePoint from,
                                                              base::TimePoint to) = 0;
  // The recorded sales with one of these references or sale ids, whenever recorded.
  virtual Result<std::vector<ExpectedSale>> FindExpectedSales(
      StoreId store, const std::vector<std::string>& references,
      const std::vector<std::string>& sale_ids) = 0;
  // Keeps a run (the newest 50 per store are kept); answers its id.
  virtual Result<int64_t> SaveReconcileRun(const ReconcileRun& run) = 0;
  // The newest kept run, of `run_kind` when not empty.
  virtual Result<std::optional<ReconcileRun>> LastReconcileRun(StoreId store,
                                                               const std::string& run_kind) = 0;
  // Claims the store's daily run of `day` ("YYYY-MM-DD" in its time zone) for `node`: true for
  // the first claimant only, across every process on the database.
  virtual Result<bool> ClaimDailyReconcile(StoreId store, const std::string& day,
                                           const std::string& node) = 0;
};

}  // namespace store
