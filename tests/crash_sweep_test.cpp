// The reduced crash sweep (issue 9, R20): every crash point once, with one or two real `spoke
// worker` processes, over a batch with shared customers, new items, new payment types, serialized
// bikes and access tokens that expire every second. The full sweep (every point × 20 seeds × 1, 2
// and 3 processes) is scripts/crash-sweep.sh.
#include "tests/support/crash_sweep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace {

using testing_support::AllCrashPoints;
using testing_support::SweepResult;
using testing_support::SweepRun;

TEST(CrashSweep, R20KilledAtEveryPointEachOrderIsOneSaleAndEveryRecordIsCreatedOnce) {
  std::vector<SweepRun> runs;
  for (size_t i = 0; i < AllCrashPoints().size(); ++i) {
    SweepRun run;
    run.point = AllCrashPoints()[i];
    run.seed = 1;
    run.processes = 1 + static_cast<int>(i % 2);
    run.spoke_binary = SPOKE_BINARY;
    run.scratch = std::filesystem::temp_directory_path();
    run.drain_limit = std::chrono::seconds(100);
    runs.push_back(run);
  }
  // The runs are independent and mostly wait (leases, backoff): several at once, the longest
  // first (after a crash at a token rotation the others wait out its 30 s refresh lease).
  std::stable_partition(runs.begin(), runs.end(),
                        [](const SweepRun& r) { return r.point == "after_token_rotated"; });
  const std::vector<SweepResult> results = testing_support::RunSweeps(runs, 5, nullptr);
  std::cout << testing_support::SweepTable(runs, results);
  for (size_t i = 0; i < runs.size(); ++i) {
    const SweepResult& r = results[i];
    std::string problems;
    for (const std::string& p : r.problems) problems += "\n  " + p;
    if (!r.kept_dir.empty()) problems += "\n  logs: " + r.kept_dir;
    SCOPED_TRACE(runs[i].point + " with " + std::to_string(runs[i].processes) +
                 " process(es), SPOKE_CRASH_HIT=" + std::to_string(r.hit) + problems);
    EXPECT_TRUE(r.reached) << "the worker was never killed at the point";
    EXPECT_EQ(r.dup_sales, 0);
    EXPECT_EQ(r.dup_customers, 0);
    EXPECT_EQ(r.dup_items, 0);
    EXPECT_EQ(r.dup_payment_types, 0);
    EXPECT_EQ(r.dup_serials, 0);
    EXPECT_EQ(r.lost, 0) << "every order exported, or in needs-attention with a reason";
    EXPECT_TRUE(r.ok()) << "the connection works afterwards and nothing else went wrong";
    for (const std::string& why : r.reasons) std::cout << runs[i].point << ": " << why << "\n";
  }
}

}  // namespace
