// Durable storage: one object joining seven concerns, each its own interface and header —
// orders and catalog (orders.h), the export queue (exports.h), the Lightspeed link (lightspeed.h),
// access (access.h), refunds sent to Lightspeed (refunds.h), reconciliation (reconcile.h) and
// alerts (alerts.h). Code that needs one concern may take that interface alone.
//
// Backends: SQLite (`sqlite://PATH`, the default) and PostgreSQL (`postgresql://…`), picked by
// Open() from the URL; both pass the same contract suite (store_contract_test.cpp). Every method
// is one transaction: a failed call leaves what was stored exactly as it was.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/access.h"
#include "store/alerts.h"
#include "store/exports.h"
#include "store/lightspeed.h"
#include "store/orders.h"
#include "store/reconcile.h"
#include "store/refunds.h"

namespace store {

class Store : public OrderStore,
              public ExportStore,
              public LightspeedStore,
              public AccessStore,
              public RefundStore,
              public ReconcileStore,
              public AlertStore {
 public:
  ~Store() override = default;
};

struct OpenOptions {
  // Stands in for the database's clock (tests). Default: the database's own clock (PostgreSQL's
  // now(); for SQLite, which has none of its own, the system clock).
  base::Clock* clock = nullptr;
  int pool_size = 0;  // connections; 0: the backend's default
};

// Opens by URL and migrates: "sqlite://PATH" (created if missing) or
// "postgresql://user[:password]@host[:port]/db" (also "postgres://"). Errors name
// `database.url`; a password in the URL never appears in them.
Result<std::unique_ptr<Store>> Open(const std::string& url, const OpenOptions& options = {});

// Applies the migrations the database lacks and answers their versions (`spoke migrate`).
Result<std::vector<int>> Migrate(const std::string& url);

}  // namespace store
