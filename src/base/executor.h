// Where coroutines (base/task.h) run: a queue of coroutines ready to go on, and timers. A network
// answer or a timer never resumes a coroutine on the thread it arrived on; it posts it here.
#pragma once

#include <chrono>
#include <coroutine>
#include <deque>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"

namespace base {

class Executor {
 public:
  using Steady = std::chrono::steady_clock;
  virtual ~Executor() = default;
  // Resumes `h` soon, on one of the executor's threads; safe to call from any thread.
  virtual void Post(std::coroutine_handle<> h) = 0;
  // Resumes `h` once `delay` has passed.
  virtual void PostAfter(Steady::duration delay, std::coroutine_handle<> h) = 0;
};

// The queue and the timers, run by whoever calls RunOne: SyncWait on its caller's thread, or a
// ThreadPool's threads.
class Loop : public Executor {
 public:
  void Post(std::coroutine_handle<> h) override;
  void PostAfter(Steady::duration delay, std::coroutine_handle<> h) override;
  // Resumes one ready coroutine, waiting for one (or a timer) first; false once stopped.
  bool RunOne();
  // RunOne answers false from now on; what is still queued is never resumed.
  void Stop();

 private:
  struct Timer {
    Steady::time_point at;
    uint64_t seq;  // posted earlier first among equals
    std::coroutine_handle<> h;
    bool operator>(const Timer& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  Mutex mu_;
  CondVar cv_;
  std::deque<std::coroutine_handle<>> ready_ GUARDED_BY(mu_);
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_ GUARDED_BY(mu_);
  uint64_t seq_ GUARDED_BY(mu_) = 0;
  bool stopped_ GUARDED_BY(mu_) = false;
};

// A few threads running one Loop. Whoever posts keeps track of what is in flight and lets it
// finish before destroying the pool: anything still queued then is never resumed.
class ThreadPool : public Executor {
 public:
  // `name`: what its threads are called (base::NameThisThread).
  ThreadPool(int threads, const std::string& name);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  void Post(std::coroutine_handle<> h) override { loop_.Post(h); }
  void PostAfter(Steady::duration delay, std::coroutine_handle<> h) override {
    loop_.PostAfter(delay, h);
  }

 private:
  Loop loop_;
  std::vector<std::thread> threads_;
};

}  // namespace base
