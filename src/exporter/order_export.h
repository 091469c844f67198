// One export attempt of one claimed order: check, resolve what the plan is missing (searching
// before creating, one create per record at a time through the store's create gate), send the
// sale once, record serial numbers, and record how it went. Private to exporter/.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/task.h"
#include "exporter/account_cache.h"
#include "exporter/call_meter.h"
#include "exporter/item_lookup.h"
#include "exporter/plan.h"
#include "lightspeed/client.h"
#include "store/store.h"

namespace exporter {

struct AttemptPolicy {
  base::Duration lease = std::chrono::seconds(120);
  int max_attempts = 12;  // then the order needs attention
  base::Duration first_backoff = std::chrono::seconds(2);
  base::Duration max_backoff = std::chrono::minutes(5);
  // How long a write without a certain answer may still land in Lightspeed: nothing searches for
  // it (and then writes again) sooner. At least the client's timeout.
  base::Duration settle = std::chrono::seconds(30);
  std::function<double()> jitter;  // in [0.5, 1.5); default random
};

// What a batch of orders of one account learned up front (frugal lookups, R27). A "not found"
// here is only a hint: a create whose earlier attempt was uncertain searches again (create gate).
struct Prefetch {
  std::map<std::string, std::vector<lightspeed::Sale>> sales_by_reference;
  std::set<std::string> references_searched;
  std::set<std::string> emails_searched;  // searched; found ones are stored as links
  // Items searched by all their codes (item_lookup.h) and found nowhere, with the codes searched;
  // found ones are stored as links.
  std::map<std::string, ItemCodes> items_missing;
  // When the lane turn began: payment types listed since answer its misses (AccountCache).
  std::optional<base::TimePoint> turn_started;
};

// Renews a lease (`renew`) every third of its length until destroyed. A Lightspeed call can wait
// longer than a lease — in the rate limiter, after a 429's Retry-After, for another process's
// token refresh — and a lease that ran out meanwhile lets another worker search, find nothing yet
// and send a second sale or create a second record. Kept alive, only a dead worker's lease ends.
// One thread of the process renews them all; once destroyed, `renew` is not running and never
// runs again.
class LeaseKeeper {
 public:
  LeaseKeeper(base::Duration lease, std::function<void()> renew);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

 private:
  uint64_t id_;
};

class OrderExport {
 public:
  // `holder` names this process in leases (the engine's holder id).
  OrderExport(store::Store& store, base::Clock& clock, AccountCache& cache,
              const AttemptPolicy& policy, std::string holder)
      : store_(store), clock_(clock), cache_(cache), policy_(policy), holder_(std::move(holder)) {}

  // Runs the attempt and records its outcome; never throws, never leaves the order claimed.
  // A coroutine: `client`, `prefetch` and this OrderExport must outlive it.
  base::Task<> Run(store::StoreId s, std::string number, store::ExportClaim claim,
                   lightspeed::Client& client, const Prefetch& prefetch);

 private:
  struct Attempt {
    store::StoreId store;
    std::string number;
    store::ExportClaim claim;
    std::string gate_holder;  // this attempt in the create gate
    base::TimePoint started;
    CallMeter meter;
    store::OrderRecord record;
    store::LightspeedSettings settings;
    std::map<std::string, shop::Item> catalog;
    Links links;
    Plan plan;
    std::string sent;   // what was sent, in plain words
    std::string notes;  // what else happened, for the timeline ("; open sale 31 archived")
  };
  // R20: deals with the sales an earlier, uncertain attempt may have left; true when the attempt
  // is over (adopted, stopped or retried), false when the sale is still to be sent.
  base::Task<bool> SettleEarlierSales(Attempt& a, lightspeed::Client& client,
                                      const Prefetch& prefetch);
  base::Task<> Adopt(Attempt& a, lightspeed::Client& client, const lightspeed::Sale& sale,
                     const std::string& how);
  base::Task<> SendSale(Attempt& a, lightspeed::Client& client);

  // order_prerequisites.cpp: customer, items, payment types, tax rates, serial numbers.
  base::Task<base::Status> Resolve(Attempt& a, lightspeed::Client& client,
                                   const Prefetch& prefetch);
  base::Task<base::Status> ResolveCustomer(Attempt& a, lightspeed::Client& client,
                                           const Prefetch& prefetch);
  base::Task<base::Status> ResolveItems(Attempt& a, lightspeed::Client& client,
                                        const Prefetch& prefetch);
  base::Task<base::Status> ResolvePaymentTypes(Attempt& a, lightspeed::Client& client,
                                               const Prefetch& prefetch);
  // Tax mode `lightspeed`: the sales tax for the order's customer and its items' tax classes,
  // as far as the plan asks for them; plans again.
  base::Task<base::Status> LoadTax(Attempt& a, lightspeed::Client& client);
  // Creates a Lightspeed record through the create gate. `search` finds an existing one ("" when
  // none), run holding the gate when `always_search` or when a create of `key` was tried before;
  // `create` makes it. With `remember`, the id becomes the key's link of `kind`, stored in the
  // commit that opens the gate, and `remember` notes it for this attempt. Answers the id.
  base::Task<base::Result<std::string>> GatedCreate(
      Attempt& a, std::string kind, std::string key, bool always_search,
      std::function<base::Task<base::Result<std::string>>()> search,
      std::function<base::Task<base::Result<std::string>>()> create,
      std::function<void(const std::string&)> remember);
  // R19: each serial number once, settled under the create gate: linked in place when received
  // into stock, created when missing; answers the plain words for the timeline.
  base::Task<base::Result<std::string>> RecordSerials(Attempt& a, lightspeed::Client& client,
                                                      const lightspeed::Sale& sale);

  // The attempt's record for its history, written by the transition that ends it (one
  // transaction); counted in the metrics here.
  store::ExportAttempt Finish(Attempt& a, store::AttemptOutcome outcome,
                              const std::string& message);
  // `outcome`: kExported or kAdopted.
  void Complete(Attempt& a, const std::string& sale_id, store::AttemptOutcome outcome,
                const std::string& message);
  void Retry(Attempt& a, const base::Error& e, bool maybe_sent);
  void Fail(Attempt& a, const base::Error& e, const std::string& what);
  // A state write that must not be lost: retried while the database is busy, logged if it still
  // fails (the claim then expires and the next attempt searches Lightspeed first). True if written.
  bool Persist(Attempt& a, const char* what, const std::function<base::Status()>& write);

  store::Store& store_;
  base::Clock& clock_;
  AccountCache& cache_;
  const AttemptPolicy& policy_;
  std::string holder_;
};

// A failed write that Lightspeed may still have carried out (no answer, a broken one, a 5xx).
bool MayHaveLanded(const base::Error& e);

// How long the `attempt`th failure waits: doubling backoff with jitter, never before a write that
// may still land has settled, never before Lightspeed's Retry-After.
base::Duration RetryWait(const AttemptPolicy& policy, int attempt, const base::Error& e);

// The lowest-numbered id: Lightspeed's oldest record among equals.
bool IdLess(const std::string& a, const std::string& b);

}  // namespace exporter
