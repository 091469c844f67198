#include "base/mutex.h"

#include <gtest/gtest.h>

#include <thread>

namespace base {
namespace {

struct Box {
  Mutex mu;
  CondVar cv;
  int value GUARDED_BY(mu) = 0;
};

TEST(Mutex, LockCanBeLetGoAndTakenAgain) {
  Box box;
  MutexLock lock(box.mu);
  box.value = 1;
  lock.Unlock();
  std::thread other([&box] {
    MutexLock inner(box.mu);
    box.value = 2;
  });
  other.join();  // would deadlock if the lock were still held
  lock.Lock();
  EXPECT_EQ(box.value, 2);
}

TEST(CondVar, WaitsUntilSignalled) {
  Box box;
  std::thread setter([&box] {
    MutexLock lock(box.mu);
    box.value = 7;
    box.cv.SignalAll();
  });
  {
    MutexLock lock(box.mu);
    while (box.value == 0) box.cv.Wait(box.mu);
    EXPECT_EQ(box.value, 7);
  }
  setter.join();
}

TEST(CondVar, WaitUntilReportsTheDeadline) {
  Box box;
  MutexLock lock(box.mu);
  EXPECT_FALSE(box.cv.WaitUntil(box.mu, std::chrono::steady_clock::now()));
  box.value = 1;  // still held after the wait
}

}  // namespace
}  // namespace base
