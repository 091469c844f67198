// Coroutines for work that waits on the network without holding a thread (issue 12).
//
// A Task<T> is lazy: it starts when it is awaited (`co_await std::move(task)`), SyncWait'ed or
// Spawn'ed. The executor it runs on passes from the awaiting coroutine to the awaited one, so the
// awaiters at the bottom (a network answer, SleepFor) resume their coroutine on that executor,
// never on the thread where the answer arrived. A coroutine may resume on another thread than it
// suspended on: never hold a Mutex across a co_await.
//
// g++ 12 (Debian 12's compiler) miscompiles two things inside a co_await expression, found by
// ASan: a temporary aggregate with members that free memory (`co_await F(Shape{"a", "b"})`, by
// value or by reference: freed wrongly after the await), and a braced list that makes an
// initializer_list (`co_await F({a, b})`: "array used as initializer"). Name such an argument
// first, or give its type a constructor. Classes with constructors (std::string, std::vector)
// are fine.
#pragma once

#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "base/clock.h"
#include "base/executor.h"

namespace base {

template <typename T = void>
class Task;

namespace task_internal {

struct PromiseBase {
  std::coroutine_handle<> continuation;
  Executor* executor = nullptr;
  std::exception_ptr error;

  std::suspend_always initial_suspend() noexcept { return {}; }
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      std::coroutine_handle<> next = h.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
};

template <typename T>
struct Promise : PromiseBase {
  std::optional<T> value;
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T Take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void Take() {
    if (error) std::rethrow_exception(error);
  }
};

template <typename T>
struct TaskAwaiter {
  std::coroutine_handle<Promise<T>> h;
  bool await_ready() noexcept { return false; }
  template <typename P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
    h.promise().continuation = parent;
    h.promise().executor = parent.promise().executor;
    return h;  // runs the task now, on this thread
  }
  T await_resume() { return h.promise().Take(); }
};

}  // namespace task_internal

template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = task_internal::Promise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  explicit Task(Handle h) : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }

  auto operator co_await() && noexcept { return task_internal::TaskAwaiter<T>{h_}; }

  // For SyncWait and Spawn.
  Handle handle() const { return h_; }

 private:
  Handle h_;
};

namespace task_internal {
template <typename T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}

// A coroutine that nobody awaits: it frees itself when done.
struct Detached {
  struct promise_type : PromiseBase {
    Detached get_return_object() noexcept {
      return {std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    // What Spawn runs never throws (errors are values here); one that does is a bug.
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> h;
};

struct SleepAwaiter {
  Clock& clock;
  Duration d;
  bool await_ready() {
    if (d <= Duration::zero()) return true;
    if (!clock.IsManual()) return false;
    clock.SleepFor(d);
    return true;
  }
  template <typename P>
  void await_suspend(std::coroutine_handle<P> h) {
    h.promise().executor->PostAfter(std::chrono::duration_cast<Executor::Steady::duration>(d), h);
  }
  void await_resume() noexcept {}
};

inline Detached RunDetached(Task<void> task, std::function<void()> done) {
  co_await std::move(task);
  if (done) done();
}
}  // namespace task_internal

// Runs `task` to the end on the calling thread (its network answers and timers come back to this
// thread), and answers its result. For callers that are not coroutines; never inside one.
template <typename T>
T SyncWait(Task<T> task) {
  Loop loop;
  auto h = task.handle();
  h.promise().executor = &loop;
  h.resume();
  while (!h.done()) loop.RunOne();
  return h.promise().Take();
}

// Starts `task` on `executor` and returns at once; `done` (if any) runs when the task has ended,
// on the executor.
inline void Spawn(Executor& executor, Task<void> task, std::function<void()> done = {}) {
  task_internal::Detached d = task_internal::RunDetached(std::move(task), std::move(done));
  d.h.promise().executor = &executor;
  executor.Post(d.h);
}

// Waits `d` without holding a thread: the coroutine resumes on its executor once `d` has passed.
// On a ManualClock (tests) time moves at once instead.
inline task_internal::SleepAwaiter SleepFor(Clock& clock, Duration d) { return {clock, d}; }

}  // namespace base
