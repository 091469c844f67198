// A client-side model of one Lightspeed account's leaky bucket. Every thread that talks to the
// account waits here before sending, so spoke stays inside the bucket instead of earning 429s.
// The model is corrected from the X-LS-API-* headers of every answer; nothing is hard-coded
// beyond a cautious guess used until the first answer arrives.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/mutex.h"

namespace lightspeed {

struct BucketReading {
  double level = 0, size = 0;                  // "X-LS-API-Bucket-Level: 37.46/90"
  double drip_rate = 0;                        // "X-LS-API-Drip-Rate: 1" (units per second)
  std::optional<double> cost;                  // "X-LS-API-Request-Cost: 7.5"
  std::optional<int> burst_used, burst_limit;  // "X-LS-API-Burst-Level: 3/20"
};

// Reads the headers (names compared case-insensitively by the caller's lookup).
std::optional<BucketReading> ParseBucketHeaders(const std::string& level, const std::string& drip,
                                                const std::string& cost, const std::string& burst);

// What a request will cost under the 2026 model. Used to wait before sending; the answer's
// headers correct the level afterwards, and costs observed for the same kind of request win
// over this prediction.
struct RequestShape {
  // A constructor, not an aggregate: g++ 12 frees an aggregate temporary wrongly when it is an
  // argument in a co_await expression (base/task.h), and shapes are written inline in the client.
  RequestShape(std::string method = "", std::string entity = "", int nested = 0,
               bool completes_sale = false, int load_to_one = 0, int load_to_many = 0,
               bool list = false)
      : method(std::move(method)),
        entity(std::move(entity)),
        nested(nested),
        completes_sale(completes_sale),
        load_to_one(load_to_one),
        load_to_many(load_to_many),
        list(list) {}
  std::string method;  // GET POST PUT DELETE
  std::string entity;  // "Sale", "Customer", …
  int nested = 0;      // related entities in the body (lines, payments, contact parts, notes …)
  bool completes_sale = false;
  int load_to_one = 0, load_to_many = 0;
  bool list = false;
  std::string Key() const;
};
double PredictCost(const RequestShape& shape);

class RateLimiter {
 public:
  explicit RateLimiter(base::Clock& clock) : clock_(clock) {}

  struct Ticket {
    double reserved = 0;
    std::string key;
  };
  // Waits (on the clock) until `shape` fits in the bucket and the burst window, then reserves it.
  Ticket Acquire(const RequestShape& shape);
  // The same without waiting: reserves `shape` if it fits now, else says how long to wait before
  // asking again. Past `give_up` (GiveUpAt() when the wait began) it reserves regardless.
  struct Admission {
    std::optional<Ticket> ticket;
    base::Duration wait{};
  };
  Admission TryAcquire(const RequestShape& shape, base::TimePoint give_up);
  base::TimePoint GiveUpAt() const;
  // After an answer: forget the reservation and take the server's word for the level.
  void Observe(const Ticket& t, const std::optional<BucketReading>& reading);
  // After an answer that carries no rate headers (lsr-sim under rate model `off`): the account
  // shows no bucket, so requests stop waiting on the guessed one until a header is seen again.
  // A 429's Retry-After still holds.
  void ObserveUnmetered(const Ticket& t);
  // After a 429: nobody sends before `retry_after_s` has passed.
  void OnRateLimited(const Ticket& t, double retry_after_s, const std::optional<BucketReading>& r);
  // The request never reached Lightspeed: give the reservation back.
  void Cancel(const Ticket& t);

  struct Snapshot {
    double level, size, drip_rate;
    bool known;      // a header has been seen
    bool unmetered;  // the last answer had no rate headers: nothing is paced
  };
  Snapshot Now() const;
  // Seconds a backlog of `units` needs at the current drip rate, beyond what fits now.
  double SecondsToDrain(double units) const;

 private:
  double LevelAt(base::TimePoint t) const REQUIRES(mu_);
  double CostFor(const RequestShape& shape) const REQUIRES(mu_);

  base::Clock& clock_;
  mutable base::Mutex mu_;
  // Until the first answer: a cautious guess (the smallest bucket Lightspeed documents).
  double level_ GUARDED_BY(mu_) = 0, size_ GUARDED_BY(mu_) = 60, drip_ GUARDED_BY(mu_) = 1;
  bool known_ GUARDED_BY(mu_) = false;
  bool unmetered_ GUARDED_BY(mu_) = false;
  base::TimePoint level_at_ GUARDED_BY(mu_){};
  double inflight_ GUARDED_BY(mu_) = 0;
  base::TimePoint blocked_until_ GUARDED_BY(mu_){};
  int burst_limit_ GUARDED_BY(mu_) = 0;  // 0: unknown
  int64_t burst_window_ GUARDED_BY(mu_) = -1;
  int burst_count_ GUARDED_BY(mu_) = 0;
  std::map<std::string, double> learned_ GUARDED_BY(mu_);
  // Units per second other clients of the same account (another app, another node) are seen to
  // spend: the server's level rising faster than our own requests explain. Waits use what is
  // left of the drip for us.
  double foreign_rate_ GUARDED_BY(mu_) = 0;
  base::TimePoint last_observed_ GUARDED_BY(mu_){};
  double EffectiveDrip() const REQUIRES(mu_) {
    return std::max(drip_ - foreign_rate_, drip_ * 0.1);
  }
};

// One limiter per (API base, account) in the process, shared by every thread and client.
std::shared_ptr<RateLimiter> LimiterFor(const std::string& api_base, const std::string& account,
                                        base::Clock& clock);

}  // namespace lightspeed
