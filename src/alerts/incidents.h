// The pure core of alerts: from what a store looks like now (its facts), when its connection
// lapses and its thresholds, the incidents that are open. Each has a stable key, kind + subject
// ("order_attention:10023", "reconnect", "token_lapse", "queue_age"), so the checker's passes
// find the same incident again and the store opens it once.
#pragma once

#include <optional>
#include <vector>

#include "base/clock.h"
#include "store/alerts.h"

namespace alerts {

struct Thresholds {
  int attention_minutes = 30;  // an order stopped in needs-attention for this long or longer
  int queue_minutes = 60;      // the oldest queued order waiting this long or longer
  int token_lapse_days = 7;    // the connection lapses within this many days
};

Thresholds ThresholdsOf(const store::AlertSettings& settings);

// The incidents open at `now`: one per needs-attention order past its threshold, "reconnect"
// while Lightspeed must be connected again, "token_lapse" while a connected store's refresh
// token lapses within the threshold (not while a reconnect is needed: that incident says it
// already), "queue_age" while the oldest queued order waited past its threshold, and one
// "refund_attention" per refund whose sending to Lightspeed stopped (issue 15), at once.
std::vector<store::AlertCondition> OpenConditions(const store::AlertFacts& facts,
                                                  std::optional<base::TimePoint> lapses_at,
                                                  const Thresholds& thresholds,
                                                  base::TimePoint now);

}  // namespace alerts
