// LeaseKeeper: one thread renews every lease of the process, each every third of its length.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "exporter/order_export.h"

namespace exporter {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Waits up to `limit` for `count` to reach `at_least`.
bool Reaches(const std::atomic<int>& count, int at_least, milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (count.load() < at_least && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(5));
  return count.load() >= at_least;
}

TEST(LeaseKeeper, AShortLeaseAddedBehindLongOnesIsStillRenewedInTime) {
  // The renewal thread is waiting for the long leases (due in 10 s) when the short one comes.
  std::atomic<int> long_renewals{0}, short_renewals{0};
  std::vector<std::unique_ptr<LeaseKeeper>> long_ones;
  for (int i = 0; i < 100; ++i)
    long_ones.push_back(std::make_unique<LeaseKeeper>(seconds(30), [&] { ++long_renewals; }));
  std::this_thread::sleep_for(milliseconds(50));
  LeaseKeeper short_one(milliseconds(300), [&] { ++short_renewals; });  // every 100 ms
  EXPECT_TRUE(Reaches(short_renewals, 3, milliseconds(2000))) << short_renewals.load();
  EXPECT_EQ(long_renewals.load(), 0) << "not due for 10 s";
}

TEST(LeaseKeeper, ARenewalNeverRunsAfterItsKeeperIsGone) {
  std::atomic<int> renewals{0};
  std::atomic<bool> gone{false};
  std::atomic<int> after{0};
  {
    LeaseKeeper keeper(milliseconds(300), [&] {
      if (gone.load()) ++after;
      std::this_thread::sleep_for(milliseconds(20));  // a slow database
      ++renewals;
    });
    ASSERT_TRUE(Reaches(renewals, 2, milliseconds(2000)));
  }
  gone = true;
  const int at_end = renewals.load();
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(renewals.load(), at_end);
  EXPECT_EQ(after.load(), 0);
}

}  // namespace
}  // namespace exporter
