#include "exporter/reconciler.h"

#include <spdlog/spdlog.h>

#include "base/text.h"
#include "base/thread_name.h"
#include "base/time_zone.h"

namespace exporter {
namespace {

std::string RunFailure(const base::Error& e) {
  if (e.code == base::ErrorCode::kUnauthenticated)
    return "The store is not connected to Lightspeed: " + e.message;
  return "Lightspeed could not be read: " + e.message;
}

// A Lightspeed call's failure as the run's: a lost authorization is the store's state (409).
base::Error Failure(const base::Error& e) {
  if (e.code == base::ErrorCode::kUnauthenticated)
    return base::Conflict("not_connected",
                          RunFailure(e) + " Connect the store again in Settings → Lightspeed.");
  base::Error out = e;
  out.message = RunFailure(e);
  return out;
}

}  // namespace

Reconciler::Reconciler(store::Store& store, Connections& connections, base::Clock& clock,
                       ReconcileOptions options)
    : store_(store), connections_(connections), clock_(clock), options_(std::move(options)) {}

base::Result<store::ReconcileRun> Reconciler::Run(store::StoreId s, base::TimePoint from,
                                                  base::TimePoint to, const std::string& run_kind) {
  if (!(from < to)) return base::Invalid("to", "to must be after from");
  if (to - from > kMaxReconcileWindow)
    return base::Invalid("to", "A reconciliation covers at most 92 days; choose a shorter period");
  store::ReconcileRun run;
  run.store = s;
  run.from = from;
  run.to = to;
  run.run_kind = run_kind;
  run.started_at = clock_.Now();
  const base::Status st = Compare(s, &run);
  run.finished_at = clock_.Now();
  if (!st.ok()) {
    run.ok = false;
    run.message = st.error().message;
    run.differences.clear();
  }
  auto id = store_.SaveReconcileRun(run);
  if (!id.ok()) return id.error();
  run.id = *id;
  if (!st.ok()) return st.error();
  return run;
}

base::Status Reconciler::YieldToExports(store::StoreId s, const std::string& account,
                                        base::Duration* yielded) {
  while (true) {
    auto due = store_.ListDueStores();
    if (!due.ok()) return due.error();
    bool lane_busy = false;
    for (const auto& d : *due)
      lane_busy =
          lane_busy || d.store.value == s.value || (!account.empty() && d.account_id == account);
    if (!lane_busy && connections_.SecondsUntilAdmits(s, 1) <= 0) return base::OkStatus();
    if (*yielded >= options_.max_yield)
      return base::Unavailable(
          "Exports kept Lightspeed busy for this store; the reconciliation gave way to them. "
          "Try again when the queue is quiet.");
    clock_.SleepFor(options_.yield_poll);
    *yielded += options_.yield_poll;
  }
}

base::Status Reconciler::Compare(store::StoreId s, store::ReconcileRun* run) {
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return settings.error();
  auto client = connections_.ClientFor(s);
  // Not connected is the store's state, not the caller's credentials: a conflict (409).
  if (!client.ok())
    return client.error().code == base::ErrorCode::kUnauthenticated
               ? base::Conflict("not_connected", RunFailure(client.error()))
               : base::Error{client.error().code, RunFailure(client.error())};
  ReconcileInput in;
  in.from = run->from;
  in.to = run->to;
  const base::TimePoint read_from = run->from - kReconcileMargin,
                        read_to = run->to + kReconcileMargin;
  auto expected = store_.ListExpectedSales(s, read_from, read_to);
  if (!expected.ok()) return expected.error();
  in.expected = std::move(*expected);

  base::Duration yielded{};
  auto request = [&]() -> base::Status {
    if (auto st = YieldToExports(s, settings->account_id, &yielded); !st.ok()) return st;
    ++run->requests;
    if (options_.before_request) options_.before_request(run->requests);
    return base::OkStatus();
  };
  const lightspeed::SaleWindow window{read_from, read_to, settings->reference_source,
                                      options_.page_limit};
  std::string next;
  for (int page = 0; page < 10000; ++page) {
    if (auto st = request(); !st.ok()) return st;
    auto got = base::SyncWait((*client)->ListSalesPage(window, next));
    if (!got.ok()) return Failure(got.error());
    for (auto& sale : got->sales) in.listed.push_back(std::move(sale));
    next = got->next;
    if (next.empty()) break;
  }
  const std::vector<std::string> missing = MissingCandidates(in);
  for (size_t start = 0; start < missing.size(); start += 50) {
    if (auto st = request(); !st.ok()) return st;
    const std::vector<std::string> chunk(missing.begin() + start,
                                         missing.begin() + std::min(missing.size(), start + 50));
    auto found =
        base::SyncWait((*client)->FindSalesWithArchived(chunk, settings->reference_source));
    if (!found.ok()) return Failure(found.error());
    in.searched.insert(in.searched.end(), found->begin(), found->end());
  }
  const UnknownCandidates unknown = FindUnknownCandidates(in);
  if (!unknown.sale_ids.empty()) {
    auto known = store_.FindExpectedSales(s, unknown.references, unknown.sale_ids);
    if (!known.ok()) return known.error();
    in.known = std::move(*known);
  }
  run->differences = exporter::Compare(in);
  return base::OkStatus();
}

base::Status ParseDailyAt(const std::string& text, const std::string& field, int* hour,
                          int* minute) {
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4))
    return base::Invalid(field, field + " must be a time of day like \"02:30\" (HH:MM)");
  *hour = (text[0] - '0') * 10 + (text[1] - '0');
  *minute = (text[3] - '0') * 10 + (text[4] - '0');
  if (*hour > 23 || *minute > 59)
    return base::Invalid(field, field + " must be between 00:00 and 23:59");
  return base::OkStatus();
}

DailyReconcile::DailyReconcile(store::Store& store, Reconciler& reconciler, base::Clock& clock,
                               DailyReconcileOptions options)
    : store_(store), reconciler_(reconciler), clock_(clock), options_(std::move(options)) {
  thread_ = std::thread([this] {
    base::NameThisThread("reconcile");
    Loop();
  });
}

DailyReconcile::~DailyReconcile() {
  {
    base::MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  thread_.join();
}

void DailyReconcile::Loop() {
  while (true) {
    RunDue();
    base::MutexLock lock(mu_);
    if (stop_) return;
    cv_.WaitUntil(mu_, std::chrono::steady_clock::now() + options_.poll);
    if (stop_) return;
  }
}

void DailyReconcile::RunDue() {
  auto stores = store_.ListStores();
  if (!stores.ok()) {
    spdlog::warn("daily reconciliation: the stores could not be listed: {}",
                 base::EscapeForLog(stores.error().message));
    return;
  }
  char at[6];
  std::snprintf(at, sizeof at, "%02d:%02d", options_.hour % 100, options_.minute % 100);
  for (const auto& info : *stores) {
    {
      base::MutexLock lock(mu_);
      if (stop_) return;
    }
    auto settings = store_.GetLightspeedSettings(info.id);
    if (!settings.ok() || settings->account_id.empty()) continue;  // never connected
    const base::TimePoint now = clock_.Now();
    if (base::FormatInZone(now, settings->time_zone, "%H:%M") < at) continue;
    const std::string day = base::FormatInZone(now, settings->time_zone, "%Y-%m-%d");
    auto claimed = store_.ClaimDailyReconcile(info.id, day, options_.node);
    if (!claimed.ok() || !*claimed) continue;
    auto run = reconciler_.Run(info.id, now - kDefaultReconcileWindow, now, "daily");
    if (!run.ok())
      spdlog::warn("daily reconciliation of store {} failed: {}", base::EscapeForLog(info.slug),
                   base::EscapeForLog(run.error().message));
    else
      spdlog::info("daily reconciliation of store {}: {} difference(s), {} request(s)",
                   base::EscapeForLog(info.slug), run->differences.size(), run->requests);
  }
}

}  // namespace exporter
