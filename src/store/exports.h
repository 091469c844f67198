// The export queue and the export engine's state machine (R20, R21). One of the four concerns
// store::Store joins (store.h).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "shop/eligibility.h"
#include "store/lightspeed.h"
#include "store/orders.h"

namespace store {

// A store with orders ready to work on, and the Lightspeed account its settings name ("" none).
struct DueStore {
  StoreId store;
  std::string account_id;
  bool refunds = false;  // refunds of the store are due too (store/refunds.h)
};

// A lane is one Lightspeed account's export work: LaneName(store, "") is "store-<id>" for a store
// whose settings name no account (its orders still need a lane, to be stopped with a reason).
std::string LaneName(StoreId store, const std::string& account_id);

// Who drives a lane: one node at a time, from when it took the lease until `until`.
struct LaneLease {
  std::string lane;
  std::string node;
  int64_t fence = 0;  // grows by one each time the lane changes hands (or its lease lapsed)
  base::TimePoint until;
};

struct ExportClaim {
  int64_t fence = 0;
  int attempt = 0;
  bool maybe_sent = false;  // an earlier attempt may have created the sale: search first
};

// Decides, inside the queueing transaction, whether the order may be queued.
using ExportCheck = std::function<shop::Eligibility(const shop::Order&, shop::ExportState,
                                                    const LightspeedSettings&)>;

// Tells an idle export engine that work may have arrived, from any process on the database.
class QueueWatch {
 public:
  virtual ~QueueWatch() = default;
  // True when work may have arrived, false when `timeout` passed without news. Never fails: a
  // watch that lost its connection answers true (look now) and reconnects on a later call.
  virtual bool Wait(base::Duration timeout) = 0;
};

class ExportStore {
 public:
  virtual ~ExportStore() = default;

  // A watch on the export queue across processes, or nullptr when the backend has none (then
  // the engine polls). PostgreSQL: LISTEN/NOTIFY.
  virtual Result<std::unique_ptr<QueueWatch>> WatchQueue() = 0;

  // Runs `check` on the current order, export state and settings within one write transaction
  // and, when it passes, moves the order to `queued`. Refusals come back as errors carrying the
  // eligibility code as `reason` (kConflict for already_*, kInvalidInput otherwise).
  virtual Result<ExportRecord> QueueExport(StoreId store, const std::string& number,
                                           const ExportCheck& check) = 0;
  virtual Result<std::vector<OrderRecord>> ListExports(StoreId store,
                                                       std::optional<shop::ExportState> state,
                                                       int limit) = 0;
  // How many orders stand in each export state.
  virtual Result<std::map<shop::ExportState, int64_t>> CountExports(StoreId store) = 0;
  // The same for every store with orders, in one query (/metrics: one query a scrape, not one per
  // store).
  virtual Result<std::map<StoreId, std::map<shop::ExportState, int64_t>>> CountExportsByStore() = 0;

  // --- The state machine. Every transition names the fencing token the claim returned; a
  // worker whose lease was taken over changes nothing (kConflict). Leases are durations measured
  // on the database's clock. ---

  // Orders are ready to work on when queued and due, or exporting with an expired lease (their
  // worker died). Every store with such orders, one row each however many it holds, so the
  // engine can be fair to a store with few orders behind stores with many.
  virtual Result<std::vector<DueStore>> ListDueStores() = 0;
  // A store's orders ready to work on, oldest first, at most `limit`.
  virtual Result<std::vector<std::string>> ListDueExports(StoreId store, int limit) = 0;
  // The customer e-mails of the same orders, as imported (one per order, in the same order): a
  // turn searches the next orders' customers with its own without reading those orders whole.
  virtual Result<std::vector<std::string>> ListDueEmails(StoreId store, int limit) = 0;
  // queued/expired → exporting, attempt + 1, a new fence and a lease for `lease`, for several
  // orders of one store in one transaction (a lane turn's): the ones claimed, in the order
  // asked; one not due or held by someone else is left out.
  using Claimed = std::vector<std::pair<std::string, ExportClaim>>;
  virtual Result<Claimed> ClaimExports(StoreId store, const std::vector<std::string>& numbers,
                                       const std::string& holder, base::Duration lease) = 0;
  // ClaimExports for one order: kConflict when someone else holds it or it is no longer due.
  Result<ExportClaim> ClaimExport(StoreId store, const std::string& number,
                                  const std::string& holder, base::Duration lease);
  // Recorded just before the sale is sent (and again to extend the lease): from here until a
  // certain outcome, a restart must search Lightspeed before sending again.
  virtual Status MarkSending(StoreId store, const std::string& number, int64_t fence,
                             base::Duration lease) = 0;
  // The three transitions that end an attempt write `attempt` (nullptr: nothing) to the order's
  // attempt history in the same transaction, one commit per sale: the record is kept even when the
  // transition itself is refused as fenced (the history says what this worker did either way).
  // `sent_total`: the total of the sale that was sent, for reconciliation's total_differs (unknown
  // for an adopted sale whose plan was not kept).
  virtual Status CompleteExport(StoreId store, const std::string& number, int64_t fence,
                                const std::string& sale_id, const std::vector<NotSent>& not_sent,
                                std::optional<base::Money> sent_total,
                                const ExportAttempt* attempt) = 0;
  virtual Status StopExport(StoreId store, const std::string& number, int64_t fence,
                            const std::string& message, const std::vector<NotSent>& not_sent,
                            const ExportAttempt* attempt) = 0;
  // Back to queued, due again after `wait`; `maybe_sent` keeps the search-first mark.
  virtual Status RetryExportLater(StoreId store, const std::string& number, int64_t fence,
                                  base::Duration wait, const std::string& message, bool maybe_sent,
                                  const ExportAttempt* attempt) = 0;
  // Nothing was sent for this claim (the turn ended before the order's sale): queued again, due
  // at once, its "maybe sent" mark as it was and the attempt it was claimed for not counted.
  virtual Status ReleaseExport(StoreId store, const std::string& number, int64_t fence,
                               const std::string& message) = 0;

  // --- Lanes across nodes (issue 13): several `spoke worker` nodes on one database drive each
  // lane (Lightspeed account) from one node at a time, so one rate-limit bucket is paced by one
  // limiter. A lease runs while `until` is not past, on the database's clock; names are 1..200
  // bytes of UTF-8 (kInvalidInput naming `lane` or `node` otherwise). ---

  // Takes each lane when it is free or its lease ran out (fence + 1; also when `node` itself let
  // it lapse), renews it while `node` holds it (same fence), each time until now + `ttl`; all in
  // one transaction (a node renews its thousands of lanes with one commit). Answers the fence of
  // every lane `node` now holds; a lane whose lease another node holds is left out.
  virtual Result<std::map<std::string, int64_t>> LeaseLanes(const std::vector<std::string>& lanes,
                                                            const std::string& node,
                                                            base::Duration ttl) = 0;
  // LeaseLanes for one lane: nullopt while another node's lease runs.
  Result<std::optional<int64_t>> LeaseLane(const std::string& lane, const std::string& node,
                                           base::Duration ttl);
  // Ends `node`'s lease at once; nothing when another node holds the lane (or none does). The
  // fence is kept, so the next holder's is higher.
  virtual Status ReleaseLane(const std::string& lane, const std::string& node) = 0;
  // The leases that run, by lane.
  virtual Result<std::vector<LaneLease>> ListLanes() = 0;
  // `node` is alive until now + `ttl` (a node leaving says so with a negative ttl).
  virtual Status Heartbeat(const std::string& node, base::Duration ttl) = 0;
  // The nodes whose heartbeat has not run out, by name.
  virtual Result<std::vector<std::string>> ListLiveNodes() = 0;
};

}  // namespace store
