// The Exports page's bucket chart: an hour of Lightspeed bucket levels per store, kept in memory
// and drawn as server-rendered SVG (no script, no external library).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"

namespace web::site {

struct LevelSample {
  base::TimePoint at;
  double level = 0, size = 0;  // units used, bucket size
};

// Thread-safe; keeps `span` of samples per store.
class BucketHistory {
 public:
  explicit BucketHistory(base::Duration span = std::chrono::hours(1)) : span_(span) {}
  void Add(int64_t store, const LevelSample& s);
  std::vector<LevelSample> Get(int64_t store, base::TimePoint now) const;

 private:
  base::Duration span_;
  mutable base::Mutex mu_;
  std::map<int64_t, std::vector<LevelSample>> samples_ GUARDED_BY(mu_);
};

// An SVG line chart of the samples over [now − span, now], y from 0 to the bucket size.
std::string RenderLevelChart(const std::vector<LevelSample>& samples, base::TimePoint now,
                             base::Duration span = std::chrono::hours(1));

}  // namespace web::site
