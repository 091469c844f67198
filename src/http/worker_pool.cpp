#include "http/worker_pool.h"

#include "base/thread_name.h"

namespace http::detail {

WorkerPool::WorkerPool(int threads, int max_queued) : max_queued_(max_queued) {
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i)
    threads_.emplace_back([this] {
      base::NameThisThread("http-worker");
      Run();
    });
}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::TrySubmit(std::function<void()> task) {
  {
    base::MutexLock lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.Signal();
  return true;
}

void WorkerPool::Shutdown() {
  std::deque<std::function<void()>> dropped;
  {
    base::MutexLock lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  cv_.SignalAll();
  // Destroyed outside the lock: a task's captures may release a connection, whose destructor
  // takes the server's own lock.
  dropped.clear();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

int WorkerPool::Busy() const {
  base::MutexLock lock(mu_);
  return busy_;
}

int WorkerPool::Queued() const {
  base::MutexLock lock(mu_);
  return static_cast<int>(queue_.size());
}

void WorkerPool::Run() {
  for (;;) {
    std::function<void()> task;
    {
      base::MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) cv_.Wait(mu_);
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    task();
    task = nullptr;  // release the captures before counting the worker free
    base::MutexLock lock(mu_);
    --busy_;
  }
}

}  // namespace http::detail
