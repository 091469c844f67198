#include "lightspeed/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace lightspeed {
namespace {

// Only finite numbers: NaN or infinity from a broken answer would poison every later wait.
bool ParsePair(const std::string& s, double* a, double* b) {
  const size_t slash = s.find('/');
  if (slash == std::string::npos) return false;
  char* end = nullptr;
  *a = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + slash || !std::isfinite(*a)) return false;
  const char* rest = s.c_str() + slash + 1;
  *b = std::strtod(rest, &end);
  return end != rest && std::isfinite(*a) && std::isfinite(*b) && *b > 0;
}

double SecondsSince(base::TimePoint from, base::TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

// A wait taken from the server's numbers: never negative or NaN, and at most an hour at a time,
// so no header can overflow a Duration.
base::Duration FromSeconds(double s) {
  if (!(s > 0)) return base::Duration::zero();
  return std::chrono::duration_cast<base::Duration>(
      std::chrono::duration<double>(std::min(s, 3600.0)));
}

}  // namespace

std::optional<BucketReading> ParseBucketHeaders(const std::string& level, const std::string& drip,
                                                const std::string& cost, const std::string& burst) {
  BucketReading r;
  if (!ParsePair(level, &r.level, &r.size)) return std::nullopt;
  char* end = nullptr;
  r.drip_rate = std::strtod(drip.c_str(), &end);
  if (end == drip.c_str() || !std::isfinite(r.drip_rate) || r.drip_rate <= 0) return std::nullopt;
  if (!cost.empty()) {
    const double c = std::strtod(cost.c_str(), &end);
    if (end != cost.c_str() && std::isfinite(c) && c >= 0) r.cost = c;
  }
  // Converting a double no int holds is undefined behaviour: such a burst header is ignored.
  constexpr double kMaxInt = std::numeric_limits<int>::max();
  double used, limit;
  if (ParsePair(burst, &used, &limit) && used >= 0 && used <= kMaxInt && limit <= kMaxInt) {
    r.burst_used = static_cast<int>(used);
    r.burst_limit = static_cast<int>(limit);
  }
  return r;
}

std::string RequestShape::Key() const {
  return method + " " + entity + " n" + std::to_string(nested) + (completes_sale ? " c" : "") +
         " r" + std::to_string(load_to_one) + "." + std::to_string(load_to_many) +
         (list ? " list" : "");
}

double PredictCost(const RequestShape& s) {
  const bool write = s.method == "POST" || s.method == "PUT" || s.method == "DELETE";
  // A Sale write's documented 2 drips replace the base 1 (they are not added to it).
  const bool sale_write = write && s.entity == "Sale";
  double cost = sale_write ? 2 : 1;
  if (sale_write && s.completes_sale) cost += 3;
  if (s.method == "POST" || s.method == "PUT") cost += 0.5 * s.nested;
  const double relations = 0.1 * s.load_to_one + 0.2 * s.load_to_many;
  cost += s.list ? 2 * relations : relations;
  return cost;
}

double RateLimiter::CostFor(const RequestShape& shape) const {
  auto it = learned_.find(shape.Key());
  return it != learned_.end() ? it->second : PredictCost(shape);
}

double RateLimiter::LevelAt(base::TimePoint t) const {
  const double dripped = std::max(0.0, SecondsSince(level_at_, t)) * drip_;
  return std::max(0.0, level_ - dripped);
}

RateLimiter::Ticket RateLimiter::Acquire(const RequestShape& shape) {
  const base::TimePoint give_up = GiveUpAt();
  for (;;) {
    Admission a = TryAcquire(shape, give_up);
    if (a.ticket) return *a.ticket;
    clock_.SleepFor(a.wait);
  }
}

base::TimePoint RateLimiter::GiveUpAt() const {
  // A model that asks for more than an hour was fed numbers no bucket has ("7e16/60"); the
  // request then goes, and the server's answer (a 429 at worst) corrects the model.
  return clock_.Now() + std::chrono::hours(1);
}

RateLimiter::Admission RateLimiter::TryAcquire(const RequestShape& shape, base::TimePoint give_up) {
  base::MutexLock lock(mu_);
  const double cost = CostFor(shape);
  const base::TimePoint now = clock_.Now();
  double wait_s = 0;
  if (now < blocked_until_) wait_s = SecondsSince(now, blocked_until_);
  const double level = LevelAt(now) + inflight_;
  // Send when the request fits entirely; an empty bucket always admits one request.
  if (wait_s == 0 && !unmetered_ && level > 0 && level + cost > size_)
    wait_s = (level + cost - size_) / EffectiveDrip();
  if (wait_s == 0 && !unmetered_ && burst_limit_ > 0) {
    const int64_t window =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (window != burst_window_) {
      burst_window_ = window;
      burst_count_ = 0;
    }
    // Keep one request of headroom: our windows and the server's need not line up exactly.
    if (burst_count_ >= std::max(1, burst_limit_ - 1))
      wait_s = SecondsSince(now, base::TimePoint(std::chrono::seconds(window + 1)));
  }
  if (wait_s <= 0 || now >= give_up) {
    level_ = LevelAt(now);
    level_at_ = now;
    inflight_ += cost;
    ++burst_count_;
    return {Ticket{cost, shape.Key()}, {}};
  }
  return {std::nullopt, FromSeconds(wait_s + 0.001)};
}

void RateLimiter::Observe(const Ticket& t, const std::optional<BucketReading>& r) {
  base::MutexLock lock(mu_);
  inflight_ = std::max(0.0, inflight_ - t.reserved);
  if (!r) return;
  if (r->cost) learned_[t.key] = *r->cost;
  const base::TimePoint now = clock_.Now();
  if (known_) {
    const double expected = LevelAt(now) + r->cost.value_or(t.reserved);
    const double foreign = std::max(0.0, r->level - expected);
    const double dt = std::max(SecondsSince(last_observed_, now), 0.05);
    foreign_rate_ = 0.7 * foreign_rate_ + 0.3 * (foreign / dt);
    if (foreign_rate_ < 0.01) foreign_rate_ = 0;
  }
  last_observed_ = now;
  // The server's level includes this request; requests still in flight are added on top.
  level_ = r->level;
  level_at_ = now;
  size_ = r->size;
  drip_ = r->drip_rate;
  known_ = true;
  unmetered_ = false;
  if (r->burst_limit) burst_limit_ = *r->burst_limit;
}

void RateLimiter::ObserveUnmetered(const Ticket& t) {
  base::MutexLock lock(mu_);
  inflight_ = std::max(0.0, inflight_ - t.reserved);
  unmetered_ = true;
  // What an earlier bucket said no longer applies; if headers come back, they are read afresh.
  known_ = false;
  level_ = 0;
  level_at_ = clock_.Now();
  burst_limit_ = 0;
  foreign_rate_ = 0;
}

void RateLimiter::OnRateLimited(const Ticket& t, double retry_after_s,
                                const std::optional<BucketReading>& r) {
  Observe(t, r);
  base::MutexLock lock(mu_);
  const base::TimePoint until = clock_.Now() + FromSeconds(std::max(retry_after_s, 0.0));
  if (until > blocked_until_) blocked_until_ = until;
}

void RateLimiter::Cancel(const Ticket& t) {
  base::MutexLock lock(mu_);
  inflight_ = std::max(0.0, inflight_ - t.reserved);
}

RateLimiter::Snapshot RateLimiter::Now() const {
  base::MutexLock lock(mu_);
  return Snapshot{LevelAt(clock_.Now()), size_, drip_, known_, unmetered_};
}

double RateLimiter::SecondsToDrain(double units) const {
  base::MutexLock lock(mu_);
  if (unmetered_) return 0;
  const double level = LevelAt(clock_.Now()) + inflight_;
  return std::max(0.0, (level + units - size_) / EffectiveDrip());
}

std::shared_ptr<RateLimiter> LimiterFor(const std::string& api_base, const std::string& account,
                                        base::Clock& clock) {
  static struct {
    base::Mutex mu;
    std::map<std::string, std::weak_ptr<RateLimiter>> limiters GUARDED_BY(mu);
  } registry;
  base::MutexLock lock(registry.mu);
  auto& slot = registry.limiters[api_base + "|" + account];
  if (auto existing = slot.lock()) return existing;
  auto made = std::make_shared<RateLimiter>(clock);
  slot = made;
  return made;
}

}  // namespace lightspeed
