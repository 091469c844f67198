// Reconciliation (issue 15): the period as typed, and a run through exporter::Reconciler.
#include "api/api.h"
#include "base/time_zone.h"

namespace api {
namespace {

// An RFC 3339 time, or a date in `zone` (`end`: the day after it begins, so the day is included).
Result<base::TimePoint> ReadEdge(const std::string& text, const std::string& zone,
                                 const std::string& field, bool end) {
  if (text.size() == 10) {
    auto day = base::StartOfDayInZone(text, zone, field);
    if (!day.ok() || !end) return day;
    // The next day's start (23, 24 or 25 hours later).
    const std::string next = base::FormatInZone(*day + std::chrono::hours(26), zone, "%Y-%m-%d");
    return base::StartOfDayInZone(next, zone, field);
  }
  auto t = base::ParseTime(text, field);
  if (!t.ok())
    return base::Invalid(field, field +
                                    " must be an RFC 3339 time (2026-11-20T15:04:05Z) or a "
                                    "date (2026-11-20)");
  return t;
}

}  // namespace

Result<std::pair<base::TimePoint, base::TimePoint>> Api::ReadReconcileWindow(
    store::StoreId s, const ReconcileWindow& window) {
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return settings.error();
  const base::TimePoint now = clock_.Now();
  base::TimePoint from = now - exporter::kDefaultReconcileWindow, to = now;
  if (!window.to.empty()) {
    auto t = ReadEdge(window.to, settings->time_zone, "to", true);
    if (!t.ok()) return t.error();
    to = *t;
  }
  if (!window.from.empty()) {
    auto f = ReadEdge(window.from, settings->time_zone, "from", false);
    if (!f.ok()) return f.error();
    from = *f;
  } else {
    from = to - exporter::kDefaultReconcileWindow;
  }
  if (!(from < to)) return base::Invalid("to", "to must come after from");
  if (to - from > exporter::kMaxReconcileWindow)
    return base::Invalid("to", "A reconciliation covers at most 92 days; choose a shorter period");
  return std::make_pair(from, to);
}

Result<store::ReconcileRun> Api::Reconcile(store::StoreId s, const ReconcileWindow& window,
                                           const std::string& run_kind) {
  auto edges = ReadReconcileWindow(s, window);
  if (!edges.ok()) return edges.error();
  if (!options_.connections)
    return base::Unavailable("This spoke has no Lightspeed application configured");
  exporter::Reconciler reconciler(store_, *options_.connections, clock_, options_.reconcile);
  return reconciler.Run(s, edges->first, edges->second, run_kind);
}

Result<std::optional<store::ReconcileRun>> Api::LastReconciliation(store::StoreId s,
                                                                   const std::string& run_kind) {
  return store_.LastReconcileRun(s, run_kind);
}

}  // namespace api
