// A fixed set of threads that run handlers, with a bounded queue in front: when the queue is full
// the caller learns it at once (and answers 503) instead of piling up work without limit.
#pragma once

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "base/mutex.h"

namespace http::detail {

class WorkerPool {
 public:
  WorkerPool(int threads, int max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false when the queue is full or the pool is shut down (the task is dropped).
  bool TrySubmit(std::function<void()> task);
  // Drops the queued tasks, waits for the running ones and joins the threads; safe to call twice.
  void Shutdown();

  int Busy() const;
  int Queued() const;

 private:
  void Run();

  const size_t max_queued_;
  mutable base::Mutex mu_;
  base::CondVar cv_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  int busy_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace http::detail
