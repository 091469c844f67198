// Runs reconciliations (issue 15): reads Lightspeed for a window through the store's own client
// and rate limiter, compares (reconcile.h) and keeps the result. Read-only on both sides.
//
// Frugal with the bucket: the window's sales in pages of up to 100 (totals and ids, no lines),
// then one `or=` search per 50 sales that seem missing; never a request per order. It yields to
// exports: before each request it waits while the store's lane (its Lightspeed account) has due
// orders or the bucket has no room, so a queued sale waits at most for one page in flight.
#pragma once

#include <functional>
#include <string>
#include <thread>

#include "base/mutex.h"
#include "exporter/connections.h"
#include "exporter/reconcile.h"
#include "store/store.h"

namespace exporter {

// The longest window a reconciliation compares.
constexpr base::Duration kMaxReconcileWindow = std::chrono::hours(24 * 92);
// The window when none is given: the last 7 days.
constexpr base::Duration kDefaultReconcileWindow = std::chrono::hours(24 * 7);

struct ReconcileOptions {
  int page_limit = 100;  // sales per page, 1..100
  // While exports are due or the bucket is empty, look again after `yield_poll`; give up (the
  // run fails, kUnavailable) when that lasted `max_yield` in all.
  base::Duration yield_poll = std::chrono::milliseconds(100);
  base::Duration max_yield = std::chrono::minutes(2);
  std::function<void(int request)> before_request;  // tests: called before each request
};

class Reconciler {
 public:
  Reconciler(store::Store& store, Connections& connections, base::Clock& clock,
             ReconcileOptions options = {});

  // Compares [from, to) and keeps the run as `run_kind` ("manual" | "daily"), failed ones too
  // (with their reason). The answer is the kept run; errors: a bad window (kInvalidInput naming
  // `from` or `to`), or the run's failure (not connected, Lightspeed unavailable, exports kept
  // the bucket busy), after it was kept.
  base::Result<store::ReconcileRun> Run(store::StoreId store, base::TimePoint from,
                                        base::TimePoint to, const std::string& run_kind);

 private:
  base::Status Compare(store::StoreId s, store::ReconcileRun* run);
  // Waits until the store's lane has no due orders and its bucket has room.
  base::Status YieldToExports(store::StoreId s, const std::string& account,
                              base::Duration* yielded);

  store::Store& store_;
  Connections& connections_;
  base::Clock& clock_;
  ReconcileOptions options_;
};

// The daily run per store (config `reconcile.daily_at`, "HH:MM" in each store's time zone): a
// thread that looks each minute, and for every connected store whose local time has passed
// `daily_at` claims today's run in the database (one node runs it) and compares the last 7 days.
struct DailyReconcileOptions {
  int hour = 0, minute = 0;
  std::string node;  // who claims the run
  base::Duration poll = std::chrono::minutes(1);
};

class DailyReconcile {
 public:
  DailyReconcile(store::Store& store, Reconciler& reconciler, base::Clock& clock,
                 DailyReconcileOptions options);
  ~DailyReconcile();  // stops the thread
  // One look at every store (what the thread does each `poll`).
  void RunDue();

 private:
  void Loop();

  store::Store& store_;
  Reconciler& reconciler_;
  base::Clock& clock_;
  DailyReconcileOptions options_;
  base::Mutex mu_;
  base::CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// "HH:MM" (00:00–23:59) → hour and minute; kInvalidInput naming `field` otherwise.
base::Status ParseDailyAt(const std::string& text, const std::string& field, int* hour,
                          int* minute);

}  // namespace exporter
