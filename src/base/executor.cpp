#include "base/executor.h"

#include "base/thread_name.h"

namespace base {

// Signalled with the lock held: SyncWait's loop lives on its caller's stack, and once the
// coroutine posted here has run, the loop may be gone before a signal sent after unlocking.
void Loop::Post(std::coroutine_handle<> h) {
  MutexLock lock(mu_);
  ready_.push_back(h);
  cv_.Signal();
}

void Loop::PostAfter(Steady::duration delay, std::coroutine_handle<> h) {
  MutexLock lock(mu_);
  timers_.push(Timer{Steady::now() + delay, seq_++, h});
  // Every waiting thread looks again: the new timer may be due before the one they wait for.
  cv_.SignalAll();
}

bool Loop::RunOne() {
  std::coroutine_handle<> h;
  {
    MutexLock lock(mu_);
    for (;;) {
      if (stopped_) return false;
      const Steady::time_point now = Steady::now();
      while (!timers_.empty() && timers_.top().at <= now) {
        ready_.push_back(timers_.top().h);
        timers_.pop();
      }
      if (!ready_.empty()) break;
      if (timers_.empty())
        cv_.Wait(mu_);
      else
        cv_.WaitUntil(mu_, timers_.top().at);
    }
    h = ready_.front();
    ready_.pop_front();
    // More to do: another thread may take it while this one runs `h`.
    if (!ready_.empty()) cv_.Signal();
  }
  h.resume();
  return true;
}

void Loop::Stop() {
  MutexLock lock(mu_);
  stopped_ = true;
  cv_.SignalAll();
}

ThreadPool::ThreadPool(int threads, const std::string& name) {
  for (int i = 0; i < std::max(1, threads); ++i)
    threads_.emplace_back([this, name] {
      NameThisThread(name);
      while (loop_.RunOne()) {
      }
    });
}

ThreadPool::~ThreadPool() {
  loop_.Stop();
  for (std::thread& t : threads_) t.join();
}

}  // namespace base
