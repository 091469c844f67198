// A mutex the thread-safety analysis understands (libstdc++'s std::mutex is not annotated), its
// scoped lock and a condition variable to wait on it. Same behaviour as std::mutex,
// std::unique_lock and std::condition_variable, which they wrap.
//
//   base::Mutex mu_;
//   int count_ GUARDED_BY(mu_);
//   void Bump() { base::MutexLock lock(mu_); ++count_; }
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "base/thread_annotations.h"

namespace base {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` from construction to destruction, like std::unique_lock: Unlock() and Lock() let
// go of it and take it again in between (around a sleep or a call that must not hold it).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() {
    mu_.Unlock();
    held_ = false;
  }
  void Lock() ACQUIRE() {
    mu_.Lock();
    held_ = true;
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

// Waits on a Mutex the caller holds. As with std::condition_variable, a wait may end early
// (spuriously): wait in a loop that checks the condition, e.g.
//   while (queue_.empty()) cv_.Wait(mu_);
class CondVar {
 public:
  // Releases `mu` while blocked and holds it again before returning.
  void Wait(Mutex& mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held: the caller's
  }
  // As Wait, up to `deadline`; false when it passed.
  template <class Clock, class Dur>
  bool WaitUntil(Mutex& mu, std::chrono::time_point<Clock, Dur> deadline) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const bool signalled = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return signalled;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace base
