// One export attempt of one claimed order: check, resolve what the plan is missing (searching
// before creating), send the sale once, and record how it went. Private to exporter/.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>

#include "exporter/account_cache.h"
#include "lightspeed/client.h"
#include "store/store.h"

namespace exporter {

struct AttemptPolicy {
  base::Duration lease = std::chrono::seconds(120);
  int max_attempts = 12;  // then the order needs attention
  base::Duration first_backoff = std::chrono::seconds(2);
  base::Duration max_backoff = std::chrono::minutes(5);
  std::function<double()> jitter;  // in [0.5, 1.5); default random
};

// What a batch of orders of one account learned up front (frugal lookups, R27).
struct Prefetch {
  std::map<std::string, std::string> sale_by_reference;  // sales already in Lightspeed
  std::set<std::string> references_searched;
  std::set<std::string> emails_searched;  // searched; found ones are stored as links
};

class OrderExport {
 public:
  OrderExport(store::Store& store, base::Clock& clock, AccountCache& cache,
              const AttemptPolicy& policy)
      : store_(store), clock_(clock), cache_(cache), policy_(policy) {}

  // Runs the attempt and records its outcome; never throws, never leaves the order claimed.
  void Run(store::StoreId s, const std::string& number, const store::ExportClaim& claim,
           lightspeed::Client& client, const Prefetch& prefetch);

 private:
  struct Attempt;
  base::Status Resolve(Attempt& a, lightspeed::Client& client, const Prefetch& prefetch);
  void Finish(Attempt& a, const std::string& outcome, const std::string& message);
  void Retry(Attempt& a, const base::Error& e, bool maybe_sent);
  void Fail(Attempt& a, const base::Error& e, const std::string& what);

  store::Store& store_;
  base::Clock& clock_;
  AccountCache& cache_;
  const AttemptPolicy& policy_;
};

// The lowest-numbered id: Lightspeed's oldest record among equals.
bool IdLess(const std::string& a, const std::string& b);

}  // namespace exporter
