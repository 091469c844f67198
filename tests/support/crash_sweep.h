// The crash sweep (issue 9): a batch of orders — shared customers, new items, new payment types,
// serialized bikes — exported by 1–3 real `spoke worker` processes over one SQLite database and
// an lsr-sim account with short-lived tokens, while one worker is killed with SIGKILL at a named
// crash point and restarted. Afterwards lsr-sim is read over its HTTP API (a sign-in of its own)
// and spoke's database is read directly: one live, completed sale per order, one customer per
// e-mail, one item per SKU/UPC, one payment type per name, each serial number once, nothing left
// queued or exporting, and one more order exported through the same connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace testing_support {

// Every crash point of base/crash_points.h, in the order an export meets them.
const std::vector<std::string>& AllCrashPoints();

struct SweepRun {
  std::string point;              // where the crashing worker dies (one of AllCrashPoints())
  uint32_t seed = 1;              // picks the hit (SPOKE_CRASH_HIT), stagger, token churn
  int processes = 1;              // `spoke worker` processes, 1–3; the first one crashes
  std::string spoke_binary;       // `spoke` built with SPOKE_TEST_HOOKS
  std::filesystem::path scratch;  // parent of the run's own directory (database, key, logs)
  // Bounds the waves draining and the final order; the workers then get 45 s to stop.
  std::chrono::seconds drain_limit{120};
};

struct SweepResult {
  bool reached = false;  // the crashing worker died by SIGKILL at the point
  int hit = 0;           // SPOKE_CRASH_HIT it ran with
  int kills = 0;
  int orders = 0;  // the batch and the final order
  int dup_sales = 0, dup_customers = 0, dup_items = 0, dup_payment_types = 0, dup_serials = 0;
  int lost = 0;  // neither exported as its sale nor in needs-attention with a reason
  int needs_attention = 0;
  std::vector<std::string> reasons;   // "SW-3: <why it needs attention>", one per such order
  std::vector<std::string> problems;  // everything wrong, in words; empty when the run passed
  double seconds = 0;
  std::string kept_dir;  // the run's directory with the workers' logs, kept when it failed
  bool ok() const { return problems.empty(); }
};

// One run; never throws, every wait is bounded by `drain_limit`.
SweepResult RunSweep(const SweepRun& run);

// Runs on `jobs` threads at once (each run has its own lsr-sim, database and workers); `done` is
// called, one at a time, as each run ends. Results come back in the order of `runs`.
std::vector<SweepResult> RunSweeps(
    const std::vector<SweepRun>& runs, int jobs,
    const std::function<void(const SweepRun&, const SweepResult&)>& done);

// One row per crash point: runs, kills, orders, duplicate sales/customers/items/payment
// types/serials, lost, needs-attention, runs that failed (any problem, "point not reached"
// included), seconds (the sum of its runs).
std::string SweepTable(const std::vector<SweepRun>& runs, const std::vector<SweepResult>& results);

}  // namespace testing_support
