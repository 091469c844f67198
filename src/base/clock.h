// The clock seam: all code asks a Clock for the time and for sleeps, so tests can move time by
// hand.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/mutex.h"
#include "base/result.h"

namespace base {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  virtual void SleepFor(Duration d) = 0;
  // A clock that moves only when told (tests): waits on it take no time.
  virtual bool IsManual() const { return false; }
};

// The real clock. One shared instance.
Clock& SystemClock();

// A clock for tests: time moves only when told to (SleepFor advances it at once).
class ManualClock : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    MutexLock lock(mu_);
    return now_;
  }
  void SleepFor(Duration d) override { Advance(d); }
  bool IsManual() const override { return true; }
  void Advance(Duration d) {
    MutexLock lock(mu_);
    now_ += d;
  }

 private:
  mutable Mutex mu_;
  TimePoint now_ GUARDED_BY(mu_);
};

// "2026-11-20T15:04:05Z" (UTC, whole seconds).
std::string FormatTime(TimePoint t);
// Accepts RFC 3339 with "Z" or a numeric offset, optional fractional seconds.
Result<TimePoint> ParseTime(std::string_view text, std::string_view field);

}  // namespace base
