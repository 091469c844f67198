#include "exporter/order_export.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "base/crash_points.h"
#include "base/mutex.h"
#include "base/text.h"
#include "base/thread_name.h"
#include "exporter/connections.h"
#include "exporter/existing_sale.h"
#include "exporter/telemetry.h"

namespace exporter {

using base::CrashPoint;

bool MayHaveLanded(const base::Error& e) {
  return e.reason == "transport_uncertain" || e.reason == "server_error";
}

bool IdLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

namespace {

// The sale in plain words for the export timeline, naming what a clerk looks for in Lightspeed
// (ids in parentheses): "Sale 10023 (web) for Jane Cooper (customer 42), 2 lines — Trek FX 2 ×1
// @ $749.99 (item 7); Helmet ×2 @ $129.99 less $2.57 (item 9) — Shipping: UPS Ground $25.00;
// Sales tax (web order) $81.40 — paid Stripe $1106.37 (payment type 3)".
std::string Describe(const shop::Order& order, const Draft& draft) {
  const lightspeed::NewSale& sale = draft.sale;
  std::string name = order.customer.first_name;
  if (!order.customer.last_name.empty())
    name += (name.empty() ? "" : " ") + order.customer.last_name;
  if (name.empty()) name = order.customer.email;
  std::string out = "Sale " + sale.reference_number + " (" + sale.reference_source + ") for " +
                    name + " (customer " + sale.customer_id + "), " +
                    std::to_string(draft.order_lines.size()) +
                    (draft.order_lines.size() == 1 ? " line — " : " lines — ");
  for (size_t i = 0; i < sale.lines.size(); ++i) {
    const auto& l = sale.lines[i];
    // Descriptions hold commas ("Giant Escape 3, M, blue"): lines are parted by semicolons.
    if (i) out += i == draft.order_lines.size() ? " — " : "; ";
    if (i < draft.order_lines.size()) {
      const shop::Line& web = order.lines[draft.order_lines[i]];
      out += (web.description.empty() ? web.sku : web.description) + " ×" +
             std::to_string(l.quantity) + " @ " + l.unit_price.Dollars();
      if (!l.discount.IsZero()) out += " less " + l.discount.Dollars();
      out += " (item " + l.item_id + ")";
    } else {
      out += l.note + " " + l.unit_price.Dollars();
    }
  }
  out += " — paid ";
  for (size_t i = 0; i < sale.payments.size(); ++i) {
    const std::string type =
        i < draft.payment_type_names.size() ? draft.payment_type_names[i] : "payment";
    out += (i ? ", " : "") + type + " " + sale.payments[i].amount.Dollars() + " (payment type " +
           sale.payments[i].payment_type_id + ")";
  }
  if (sale.payments.empty()) out += "nothing";
  return out;
}

double DefaultJitter() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.5, 1.5)(rng);
}

}  // namespace

namespace {

// One thread renews every LeaseKeeper's lease in the process: with sales waiting for Lightspeed
// on a few threads, a thread per sale in flight only to renew its lease would undo that.
class Renewals {
 public:
  static Renewals& Get() {
    static Renewals* renewals = new Renewals();  // never destroyed: keepers may outlive main
    return *renewals;
  }

  uint64_t Add(std::chrono::steady_clock::duration every, std::function<void()> renew) {
    base::MutexLock lock(mu_);
    if (!thread_.joinable())
      thread_ = std::thread([this] {
        base::NameThisThread("lease-renewals");
        Loop();
      });
    const uint64_t id = ++next_id_;
    const auto next = std::chrono::steady_clock::now() + every;
    entries_[id] = {next, every, std::move(renew)};
    // Woken only when the new renewal is due before the one it waits for: a thousand sales a
    // second each add one (due a period later), and waking for each cost a context switch.
    if (next < waiting_until_) cv_.SignalAll();
    return id;
  }

  // Once this returns the entry's renew is not running and never runs again.
  void Remove(uint64_t id) {
    base::MutexLock lock(mu_);
    entries_.erase(id);
    while (running_ == id) cv_.Wait(mu_);
  }

 private:
  struct Entry {
    std::chrono::steady_clock::time_point next;
    std::chrono::steady_clock::duration every;
    std::function<void()> renew;
  };

  void Loop() {
    base::MutexLock lock(mu_);
    for (;;) {
      auto due = entries_.end();
      for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (due == entries_.end() || it->second.next < due->second.next) due = it;
      if (due == entries_.end()) {
        waiting_until_ = std::chrono::steady_clock::time_point::max();
        cv_.Wait(mu_);
        continue;
      }
      if (std::chrono::steady_clock::now() < due->second.next) {
        waiting_until_ = due->second.next;
        cv_.WaitUntil(mu_, due->second.next);
        continue;
      }
      waiting_until_ = std::chrono::steady_clock::time_point::min();  // running: looks again
      // Late by a whole period: a renewal before it hung (a slow database), and leases of sales
      // in flight may run out. Said, so it is seen before a second sale is.
      const auto late = std::chrono::steady_clock::now() - due->second.next;
      if (late > due->second.every)
        spdlog::warn("lease renewals are {} s late; is the database slow?",
                     std::chrono::duration_cast<std::chrono::seconds>(late).count());
      due->second.next = std::chrono::steady_clock::now() + due->second.every;
      running_ = due->first;
      std::function<void()> renew = due->second.renew;
      lock.Unlock();
      renew();
      lock.Lock();
      running_ = 0;
      cv_.SignalAll();
    }
  }

  base::Mutex mu_;
  base::CondVar cv_;
  std::map<uint64_t, Entry> entries_ GUARDED_BY(mu_);
  uint64_t next_id_ GUARDED_BY(mu_) = 0;
  uint64_t running_ GUARDED_BY(mu_) = 0;  // the entry whose renew runs now
  // When the loop wakes by itself next (max: never; min: it is not waiting).
  std::chrono::steady_clock::time_point waiting_until_ GUARDED_BY(mu_) =
      std::chrono::steady_clock::time_point::min();
  std::thread thread_ GUARDED_BY(mu_);
};

}  // namespace

LeaseKeeper::LeaseKeeper(base::Duration lease, std::function<void()> renew)
    : id_(Renewals::Get().Add(
          std::max<std::chrono::steady_clock::duration>(lease / 3, std::chrono::milliseconds(100)),
          std::move(renew))) {}

LeaseKeeper::~LeaseKeeper() { Renewals::Get().Remove(id_); }

bool OrderExport::Persist(Attempt& a, const char* what,
                          const std::function<base::Status()>& write) {
  base::Status st;
  for (int i = 0; i < 4; ++i) {
    st = write();
    if (st.ok() || st.error().code != base::ErrorCode::kUnavailable) break;
    clock_.SleepFor(std::chrono::milliseconds(50 * (i + 1)));  // the database is busy
  }
  if (st.ok()) return true;
  if (st.error().code == base::ErrorCode::kConflict)
    spdlog::warn("order {}: {} not recorded: {}", base::EscapeForLog(a.number), what,
                 base::EscapeForLog(st.error().message));
  else
    spdlog::error(
        "order {}: {} could not be recorded ({}); its claim will expire and it will be tried "
        "again, searching Lightspeed first if the sale may have been sent",
        base::EscapeForLog(a.number), what, base::EscapeForLog(st.error().message));
  return false;
}

store::ExportAttempt OrderExport::Finish(Attempt& a, store::AttemptOutcome outcome,
                                         const std::string& message) {
  store::ExportAttempt rec{a.claim.attempt,       a.started, clock_.Now(),    outcome,
                           a.meter.last_status(), message,   a.meter.units(), a.sent};
  telemetry::RecordAttempt(store::Name(outcome));
  if ((outcome == store::AttemptOutcome::kExported || outcome == store::AttemptOutcome::kAdopted) &&
      a.record.export_record.queued_at)
    telemetry::RecordExportLatency(
        std::chrono::duration<double>(clock_.Now() - *a.record.export_record.queued_at).count());
  return rec;
}

void OrderExport::Complete(Attempt& a, const std::string& sale_id, store::AttemptOutcome outcome,
                           const std::string& message) {
  const store::ExportAttempt rec = Finish(a, outcome, message);
  // With what was sent, for reconciliation's total_differs (issue 15); an adopted sale's plan is
  // the one that was sent before.
  Persist(a, "the exported sale", [&] {
    return store_.CompleteExport(a.store, a.number, a.claim.fence, sale_id, a.plan.not_sent,
                                 a.plan.expected_total, &rec);
  });
  CrashPoint("after_success");
}

base::Duration RetryWait(const AttemptPolicy& policy, int attempt, const base::Error& e) {
  const double factor = std::min(std::pow(2.0, attempt - 1), 1e6);
  auto wait = std::chrono::duration_cast<base::Duration>(policy.first_backoff * factor);
  wait = std::min(wait, policy.max_backoff);
  const double jitter = policy.jitter ? policy.jitter() : DefaultJitter();
  wait = std::chrono::duration_cast<base::Duration>(wait * jitter);
  // A write that may still land is not searched for (and written again) before it can no longer.
  if (MayHaveLanded(e)) wait = std::max(wait, policy.settle);
  if (e.retry_after_s) {
    const auto after =
        std::chrono::duration_cast<base::Duration>(std::chrono::duration<double>(*e.retry_after_s));
    wait = std::max(wait, after);
  }
  return wait;
}

void OrderExport::Retry(Attempt& a, const base::Error& e, bool maybe_sent) {
  if (a.claim.attempt >= policy_.max_attempts) {
    Fail(a, e, "Lightspeed kept failing after " + std::to_string(a.claim.attempt) + " attempts: ");
    return;
  }
  const base::Duration wait = RetryWait(policy_, a.claim.attempt, e);
  const std::string message = "Will try again: " + e.message + a.notes;
  const store::ExportAttempt rec = Finish(a, store::AttemptOutcome::kRetry, message);
  Persist(a, "the retry", [&] {
    return store_.RetryExportLater(a.store, a.number, a.claim.fence, wait, message, maybe_sent,
                                   &rec);
  });
}

void OrderExport::Fail(Attempt& a, const base::Error& e, const std::string& what) {
  // A lost connection is not the sale's fault and is said one way, however it was noticed: with
  // the store's reconnect reason (stored by whichever call noticed it first) when there is one.
  std::string message = what + e.message + a.notes;
  if (e.code == base::ErrorCode::kUnauthenticated) {
    auto now = store_.GetLightspeedSettings(a.store);
    const bool known = now.ok() && now->connection == store::ConnectionState::kReconnect &&
                       !now->connection_message.empty();
    message = StoppedForConnection(known ? now->connection_message : e.message) + a.notes;
  }
  const store::ExportAttempt rec = Finish(a, store::AttemptOutcome::kFailed, message);
  Persist(a, "the stop", [&] {
    return store_.StopExport(a.store, a.number, a.claim.fence, message, a.plan.not_sent, &rec);
  });
}

base::Task<> OrderExport::Adopt(Attempt& a, lightspeed::Client& client,
                                const lightspeed::Sale& sale, const std::string& how) {
  auto serials = co_await RecordSerials(a, client, sale);
  if (!serials.ok()) co_return Retry(a, serials.error(), true);  // the next attempt resumes them
  CrashPoint("before_success");
  Complete(a, sale.id, store::AttemptOutcome::kAdopted, how + *serials + a.notes);
}

base::Task<bool> OrderExport::SettleEarlierSales(Attempt& a, lightspeed::Client& client,
                                                 const Prefetch& prefetch) {
  // The plan's total needs Lightspeed's tax facts in tax mode `lightspeed`.
  if (auto tax = co_await LoadTax(a, client); !tax.ok()) {
    Retry(a, tax.error(), true);
    co_return true;
  }
  std::vector<lightspeed::Sale> sales;
  if (auto pre = prefetch.sales_by_reference.find(a.number);
      pre != prefetch.sales_by_reference.end()) {
    sales = pre->second;
  } else if (!prefetch.references_searched.count(a.number)) {
    auto found = co_await client.FindSales(a.number, a.settings.reference_source);
    if (!found.ok()) {
      Retry(a, found.error(), true);
      co_return true;
    }
    sales = std::move(*found);
  }
  const ExistingSales decision = DecideExistingSales(sales, a.plan.expected_total);
  for (const std::string& id : decision.archive) {
    // An open sale of ours is unpaid: it must not stay in Lightspeed beside the real one.
    if (auto archived = co_await client.ArchiveSale(id); !archived.ok()) {
      Retry(a, archived.error(), true);
      co_return true;
    }
    a.notes += "; open sale " + id + " left by an earlier attempt was archived";
  }
  const auto sale_of = [&](const std::string& id) {
    for (const auto& s : sales)
      if (s.id == id) return s;
    return lightspeed::Sale{};
  };
  switch (decision.action) {
    case ExistingSales::Action::kSend:
      co_return false;
    case ExistingSales::Action::kStop:
      Fail(a, base::Conflict("sale_differs", decision.reason), "");
      co_return true;
    case ExistingSales::Action::kAdopt:
      co_await Adopt(a, client, sale_of(decision.sale_id),
                     "Found sale " + decision.sale_id + " already in Lightspeed; adopted it");
      co_return true;
    case ExistingSales::Action::kCompleteAndAdopt:
      if (auto done = co_await client.CompleteSale(decision.sale_id); !done.ok()) {
        if (done.error().Retryable()) {
          Retry(a, done.error(), true);
        } else {
          Fail(a, done.error(),
               "Lightspeed refused to complete open sale " + decision.sale_id + ": ");
        }
        co_return true;
      }
      co_await Adopt(
          a, client, sale_of(decision.sale_id),
          "Found open sale " + decision.sale_id +
              " with this order's total already in Lightspeed; completed and adopted it");
      co_return true;
  }
  co_return false;
}

base::Task<> OrderExport::SendSale(Attempt& a, lightspeed::Client& client) {
  // Without the mark a restart would not search first: never send unless it is durable. If it
  // cannot be written the claim expires and the order is tried again.
  if (!Persist(a, "the sending mark",
               [&] { return store_.MarkSending(a.store, a.number, a.claim.fence, policy_.lease); }))
    co_return;
  // Ours until the sale and its serials are recorded: the send may wait longer than the lease.
  LeaseKeeper keep(policy_.lease, [&] {
    if (auto st = store_.MarkSending(a.store, a.number, a.claim.fence, policy_.lease); !st.ok())
      spdlog::warn("order {}: claim not renewed: {}", base::EscapeForLog(a.number),
                   base::EscapeForLog(st.error().message));
  });
  CrashPoint("after_intent");
  a.sent = Describe(a.record.order, a.plan.draft);
  auto sale = co_await client.CreateSale(*a.plan.sale);
  CrashPoint("after_send");
  if (!sale.ok()) {
    if (sale.error().Retryable()) co_return Retry(a, sale.error(), true);
    // A refused completion may still have saved an open, unpaid sale (OutOfBalanceError): find
    // it and archive it, so nothing of ours is left open in Lightspeed.
    auto left = co_await client.FindSales(a.number, a.settings.reference_source);
    if (left.ok()) {
      for (const auto& s : *left) {
        if (s.completed || s.voided || s.archived) continue;
        if ((co_await client.ArchiveSale(s.id)).ok())
          a.notes += "; the open sale " + s.id + " it left was archived";
        else
          a.notes += "; the open sale " + s.id + " it left could not be archived yet";
      }
    }
    // A refusal may mean Lightspeed's tax rates changed since they were fetched.
    cache_.ForgetTaxRates(a.settings.account_id);
    co_return Fail(a, sale.error(), "Lightspeed refused the sale: ");
  }
  auto serials = co_await RecordSerials(a, client, *sale);
  if (!serials.ok()) {
    a.notes += "; sale " + sale->id + " created, serial numbers pending";
    co_return Retry(a, serials.error(), true);
  }
  CrashPoint("before_success");
  Complete(a, sale->id, store::AttemptOutcome::kExported,
           "Sale " + sale->id + " created" + *serials + a.notes);
}

base::Task<> OrderExport::Run(store::StoreId s, std::string number, store::ExportClaim claim,
                              lightspeed::Client& shared, const Prefetch& prefetch) {
  Attempt a;
  // This attempt's calls, counted for its record.
  lightspeed::Client client =
      shared.Observed([&a](const lightspeed::CallRecord& r) { a.meter.Record(r); });
  a.store = s;
  a.number = number;
  a.claim = claim;
  a.gate_holder =
      holder_ + "/" + std::to_string(s.value) + "/" + number + "/" + std::to_string(claim.fence);
  a.started = clock_.Now();
  auto record = store_.GetOrder(s, number);
  auto settings = store_.GetLightspeedSettings(s);
  if (!record.ok() || !settings.ok())
    co_return Retry(a, record.ok() ? settings.error() : record.error(), claim.maybe_sent);
  a.record = std::move(*record);
  a.settings = std::move(*settings);
  CrashPoint("after_claim");
  std::vector<std::string> skus;
  for (const auto& l : a.record.order.lines) skus.push_back(l.sku);
  auto catalog = store_.GetItems(s, skus);
  if (!catalog.ok()) co_return Retry(a, catalog.error(), claim.maybe_sent);
  a.catalog = std::move(*catalog);
  // Only the links this order needs: a store's customers and items may be many. Payment types
  // are a few per account.
  const std::string& account = a.settings.account_id;
  const std::tuple<const char*, std::vector<std::string>, std::map<std::string, std::string>*>
      kinds[] = {
          {"customer", {NormalizeKey(a.record.order.customer.email)}, &a.links.customer_by_email},
          {"item", skus, &a.links.item_by_sku},
          {"payment_type", {}, &a.links.payment_type_by_name}};
  for (const auto& [kind, keys, into] : kinds) {
    auto links = keys.empty() ? store_.GetLinks(s, account, kind)
                              : store_.GetLinksFor(s, account, kind, keys);
    if (!links.ok()) co_return Retry(a, links.error(), claim.maybe_sent);
    *into = std::move(*links);
  }
  a.plan = PlanExport(a.record.order, a.catalog, a.settings, a.links);

  // R20: an earlier attempt may have created the sale; settle that before anything else.
  if (claim.maybe_sent && co_await SettleEarlierSales(a, client, prefetch)) co_return;

  // Checked again just before sending (R1–R5): a refund may have arrived while it was queued.
  const shop::Eligibility now = shop::CheckEligibility(
      a.record.order, shop::ExportState::kNotExported, store::ConnectionOf(a.settings));
  if (now.code == "not_connected" && a.settings.connection == store::ConnectionState::kReconnect)
    co_return Fail(a, base::Unauthenticated(now.message, now.code), "");
  if (!now.ok()) co_return Fail(a, base::Invalid("", now.message), "");

  for (int pass = 0; pass < 3 && a.plan.hold.empty() && !a.plan.Ready(); ++pass) {
    if (auto r = co_await Resolve(a, client, prefetch); !r.ok()) {
      if (r.error().Retryable()) co_return Retry(a, r.error(), claim.maybe_sent);
      co_return Fail(a, r.error(), "Could not prepare the sale: ");
    }
    a.plan = PlanExport(a.record.order, a.catalog, a.settings, a.links);
  }
  if (!a.plan.hold.empty()) {
    // "Tax differs" may come from rates the merchant has corrected since: a retry fetches them.
    if (a.links.tax) cache_.ForgetTaxRates(a.settings.account_id);
    co_return Fail(a, base::Invalid("", a.plan.hold), "");
  }
  if (!a.plan.Ready())
    co_return Fail(a, base::Internal("the sale could not be completed from what Lightspeed has"),
                   "Could not prepare the sale: ");
  co_await SendSale(a, client);
}

}  // namespace exporter
