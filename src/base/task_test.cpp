#include "base/task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace base {
namespace {

Task<int> Answer(int x) { co_return x * 2; }

Task<std::string> Nested() {
  int sum = 0;
  for (int i = 0; i < 3; ++i) sum += co_await Answer(i);
  co_return "sum " + std::to_string(sum);
}

TEST(Task, SyncWaitRunsNestedTasksAndAnswersTheirResult) { EXPECT_EQ(SyncWait(Nested()), "sum 6"); }

#if defined(__SANITIZE_ADDRESS__)
// Under ASan g++ makes the hand-over an ordinary call, so the stack does grow there: a short run.
constexpr int kAwaits = 10'000;
#else
constexpr int kAwaits = 1'000'000;
#endif

TEST(Task, ManyImmediateAwaitsDoNotGrowTheStack) {
  // Each await hands over to the next coroutine directly (symmetric transfer, a tail call); a
  // stack frame per await would overflow long before a million.
  auto count = []() -> Task<long> {
    long n = 0;
    for (int i = 0; i < kAwaits; ++i) n += co_await Answer(1) / 2;
    co_return n;
  };
  EXPECT_EQ(SyncWait(count()), kAwaits);
}

TEST(Task, AnExceptionReachesTheAwaiter) {
  auto thrower = []() -> Task<int> {
    throw std::runtime_error("boom");
    co_return 1;
  };
  auto catcher = [&]() -> Task<std::string> {
    try {
      co_await thrower();
    } catch (const std::runtime_error& e) {
      co_return std::string(e.what());
    }
    co_return "";
  };
  EXPECT_EQ(SyncWait(catcher()), "boom");
}

TEST(Task, SleepOnAManualClockMovesItAtOnce) {
  ManualClock clock(TimePoint{} + std::chrono::hours(1));
  auto sleeper = [&]() -> Task<void> { co_await SleepFor(clock, std::chrono::minutes(30)); };
  SyncWait(sleeper());
  EXPECT_EQ(clock.Now(), TimePoint{} + std::chrono::minutes(90));
}

TEST(Task, SleepOnTheRealClockWaitsOnTheExecutor) {
  const auto start = std::chrono::steady_clock::now();
  auto sleeper = []() -> Task<void> {
    co_await SleepFor(SystemClock(), std::chrono::milliseconds(50));
  };
  SyncWait(sleeper());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

// A test awaitable: coroutines park on it until the test lets them all go, from its own thread,
// the way a network answer arrives on the transport's thread.
class Gate {
 public:
  struct Awaiter {
    Gate& g;
    bool await_ready() { return false; }
    template <typename P>
    void await_suspend(std::coroutine_handle<P> h) {
      MutexLock lock(g.mu_);
      g.parked_.push_back({h, h.promise().executor});
    }
    void await_resume() {}
  };
  Awaiter Wait() { return Awaiter{*this}; }
  size_t Parked() {
    MutexLock lock(mu_);
    return parked_.size();
  }
  void Open() {
    std::vector<std::pair<std::coroutine_handle<>, Executor*>> parked;
    {
      MutexLock lock(mu_);
      parked.swap(parked_);
    }
    for (auto& [h, executor] : parked) executor->Post(h);
  }

 private:
  Mutex mu_;
  std::vector<std::pair<std::coroutine_handle<>, Executor*>> parked_ GUARDED_BY(mu_);
};

TEST(Task, ThousandsWaitAtOnceOnTwoThreadsAndResumeOnThem) {
  Gate gate;
  std::atomic<int> done{0}, resumed_on_pool{0};
  Mutex mu;
  CondVar cv;
  {
    ThreadPool pool(2, "task-test");
    constexpr int kTasks = 5000;
    const std::thread::id test_thread = std::this_thread::get_id();
    auto waiter = [&]() -> Task<void> {
      co_await gate.Wait();
      if (std::this_thread::get_id() != test_thread) ++resumed_on_pool;
    };
    for (int i = 0; i < kTasks; ++i)
      Spawn(pool, waiter(), [&] {
        MutexLock lock(mu);
        ++done;
        cv.SignalAll();
      });
    // Every task is suspended at once while the pool has only two threads.
    for (int i = 0; i < 1000 && gate.Parked() < kTasks; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(gate.Parked(), static_cast<size_t>(kTasks));
    gate.Open();  // from this thread: each resumes on the pool, not here
    MutexLock lock(mu);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (done < kTasks && cv.WaitUntil(mu, deadline)) {
    }
    EXPECT_EQ(done.load(), kTasks);
    EXPECT_EQ(resumed_on_pool.load(), kTasks);
  }
}

}  // namespace
}  // namespace base
