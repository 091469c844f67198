#include "alerts/incidents.h"

#include <string>

#include "store/refunds.h"

namespace alerts {
namespace {

using std::chrono::minutes;

// "12 minutes", "1 hour", "2 days 3 hours": how long, in plain words, rounded down.
std::string Span(base::Duration d) {
  const auto m = std::chrono::duration_cast<minutes>(d).count();
  auto unit = [](int64_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  if (m < 60) return unit(m < 0 ? 0 : m, "minute");
  if (m < 24 * 60) return unit(m / 60, "hour") + (m % 60 ? " " + unit(m % 60, "minute") : "");
  return unit(m / (24 * 60), "day") + (m / 60 % 24 ? " " + unit(m / 60 % 24, "hour") : "");
}

}  // namespace

Thresholds ThresholdsOf(const store::AlertSettings& s) {
  return {s.attention_minutes, s.queue_minutes, s.token_lapse_days};
}

std::vector<store::AlertCondition> OpenConditions(const store::AlertFacts& facts,
                                                  std::optional<base::TimePoint> lapses_at,
                                                  const Thresholds& t, base::TimePoint now) {
  std::vector<store::AlertCondition> out;
  for (const auto& o : facts.attention) {
    if (now - o.since < minutes(t.attention_minutes)) continue;
    std::string message = "Order " + o.number + " has needed attention for " + Span(now - o.since) +
                          " and will not be exported until someone acts";
    if (!o.message.empty()) message += ": " + o.message;
    out.push_back({"order_attention:" + o.number, "order_attention", o.number, message, o.number});
  }
  // A refund spoke could not send waits for a person at once: it is never retried by itself.
  for (const auto& r : facts.stopped_refunds) {
    const std::string reference = store::RefundReference(r.number, r.refund_id);
    std::string message = "Refund " + r.refund_id + " of order " + r.number +
                          " was not sent to Lightspeed and waits for a Retry on the order page";
    if (!r.message.empty()) message += ": " + r.message;
    out.push_back(
        {"refund_attention:" + reference, "refund_attention", reference, message, r.number});
  }
  if (facts.connection == store::ConnectionState::kReconnect) {
    std::string message = "Lightspeed must be connected again before any order can be exported";
    if (!facts.connection_message.empty()) message += ": " + facts.connection_message;
    out.push_back({"reconnect", "reconnect", "lightspeed", message, ""});
  } else if (facts.connection == store::ConnectionState::kConnected && lapses_at &&
             *lapses_at - now <= std::chrono::hours(24) * t.token_lapse_days) {
    const std::string message =
        *lapses_at <= now
            ? "The Lightspeed connection has lapsed: connect again in Settings → Lightspeed"
            : "The Lightspeed connection lapses in " + Span(*lapses_at - now) + " (" +
                  base::FormatTime(*lapses_at) +
                  ") unless spoke can refresh it: check Settings → Lightspeed";
    out.push_back({"token_lapse", "token_lapse", "lightspeed", message, ""});
  }
  if (facts.oldest_queued_at && now - *facts.oldest_queued_at >= minutes(t.queue_minutes)) {
    out.push_back({"queue_age", "queue_age", "queue",
                   "The oldest queued order (" + facts.oldest_queued_number + ") has waited " +
                       Span(now - *facts.oldest_queued_at) + " to be exported",
                   ""});
  }
  return out;
}

}  // namespace alerts
