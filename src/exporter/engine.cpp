#include "exporter/engine.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include "base/mutex.h"
#include "base/secrets.h"
#include "base/text.h"
#include "exporter/account_cache.h"
#include "exporter/order_export.h"
#include "exporter/plan.h"

namespace exporter {

class Engine::Impl {
 public:
  Impl(store::Store& store, Connections& connections, EngineOptions options)
      : store_(store),
        connections_(connections),
        options_(options),
        clock_(options.clock ? *options.clock : base::SystemClock()),
        holder_(std::to_string(getpid()) + "-" + base::RandomHex(4)) {
    policy_.lease = options.lease;
    policy_.max_attempts = options.max_attempts;
    policy_.first_backoff = options.first_backoff;
    policy_.max_backoff = options.max_backoff;
    policy_.settle = options.settle;
  }

  void Start() {
    base::MutexLock lock(mu_);
    if (running_) return;
    running_ = true;
    for (int i = 0; i < std::clamp(options_.workers, 1, 64); ++i)
      workers_.emplace_back([this] { WorkLoop(); });
    dispatcher_ = std::thread([this] { DispatchLoop(); });
  }

  void Stop() {
    {
      base::MutexLock lock(mu_);
      if (!running_) return;
      running_ = false;
    }
    cv_.SignalAll();
    if (dispatcher_.joinable()) dispatcher_.join();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void Wake() {
    {
      base::MutexLock lock(mu_);
      woken_ = true;
    }
    cv_.SignalAll();
  }

 private:
  struct Turn {
    std::string lane;
    store::StoreId store;
    std::vector<std::string> numbers;
  };

  // One pass: every store with due orders is a lane candidate, however many orders other stores
  // hold (a store with 5 orders is not starved behind one with 100,000); the idle lanes are
  // ordered by when their bucket admits and when they were last served, and the first ones get
  // a turn with their oldest due orders.
  void Dispatch() {
    auto due = store_.ListDueStores();
    if (!due.ok()) {
      spdlog::warn("export queue unreadable: {}", base::EscapeForLog(due.error().message));
      return;
    }
    struct Candidate {
      double score;
      std::string lane;
      store::StoreId store;
    };
    std::vector<Candidate> order;
    {
      base::MutexLock lock(mu_);
      for (const store::DueStore& d : *due) {
        // Stores without an account still get a lane of their own, so their orders are
        // stopped with a plain reason instead of waiting forever.
        const std::string account =
            d.account_id.empty() ? "store-" + std::to_string(d.store.value) : d.account_id;
        std::string lane = account + "|" + std::to_string(d.store.value);
        if (busy_.count(lane)) continue;
        // Soonest admission first; never-served or least recently served first among equals.
        const double wait = connections_.SecondsUntilAdmits(d.store, 8.0);
        order.push_back({wait * 1e6 + static_cast<double>(last_served_[lane]), lane, d.store});
      }
    }
    std::sort(order.begin(), order.end(),
              [](const Candidate& a, const Candidate& b) { return a.score < b.score; });
    for (const Candidate& c : order) {
      {
        base::MutexLock lock(mu_);
        if (static_cast<int>(queue_.size() + active_) >= options_.workers) break;
      }
      auto numbers = store_.ListDueExports(c.store, options_.batch);
      if (!numbers.ok()) {
        spdlog::warn("export queue of store {} unreadable: {}", c.store.value,
                     base::EscapeForLog(numbers.error().message));
        continue;
      }
      if (numbers->empty()) continue;  // taken meanwhile
      base::MutexLock lock(mu_);
      busy_.insert(c.lane);
      last_served_[c.lane] = ++served_counter_;
      queue_.push_back(Turn{c.lane, c.store, std::move(*numbers)});
      cv_.SignalAll();
    }
  }

  void DispatchLoop() {
    base::MutexLock lock(mu_);
    while (running_) {
      lock.Unlock();
      Dispatch();
      KeepAlive();
      lock.Lock();
      const auto deadline = std::chrono::steady_clock::now() + options_.poll;
      while (running_ && !woken_ && cv_.WaitUntil(mu_, deadline)) {
      }
      woken_ = false;
    }
  }

  // A quiet store must not lose its connection: refresh every connected store whose refresh
  // token is older than refresh_keepalive (TokenManager's lease: one process refreshes).
  void KeepAlive() {
    if (options_.refresh_keepalive <= base::Duration::zero() || clock_.Now() < next_keepalive_)
      return;
    next_keepalive_ = clock_.Now() + options_.keepalive_every;
    auto stores = store_.ListStores();
    if (!stores.ok()) {
      spdlog::warn("keep-alive: stores unreadable: {}", base::EscapeForLog(stores.error().message));
      return;
    }
    for (const store::StoreInfo& s : *stores) {
      auto refreshed = connections_.KeepAlive(s.id, options_.refresh_keepalive);
      if (!refreshed.ok())
        spdlog::warn("keep-alive: store {}: {}", base::EscapeForLog(s.slug),
                     base::EscapeForLog(refreshed.error().message));
      else if (*refreshed)
        spdlog::info("keep-alive: store {}: Lightspeed tokens refreshed",
                     base::EscapeForLog(s.slug));
    }
  }

  void WorkLoop() {
    base::MutexLock lock(mu_);
    while (true) {
      while (running_ && queue_.empty()) cv_.Wait(mu_);
      if (!running_) return;
      Turn turn = std::move(queue_.front());
      queue_.pop_front();
      ++active_;
      lock.Unlock();
      Work(turn);
      lock.Lock();
      --active_;
      busy_.erase(turn.lane);
      woken_ = true;  // the lane may have more; look again now
      cv_.SignalAll();
    }
  }

  void Work(const Turn& turn) {
    std::vector<std::pair<std::string, store::ExportClaim>> claimed;
    for (const std::string& n : turn.numbers) {
      auto claim = store_.ClaimExport(turn.store, n, holder_, options_.lease);
      if (claim.ok()) claimed.push_back({n, *claim});
    }
    if (claimed.empty()) return;
    auto client = connections_.ClientFor(turn.store);
    if (!client.ok()) {
      // Not connected (R3): each order is stopped with the reason, through the usual path.
      for (auto& [n, claim] : claimed) NotConnected(turn.store, n, claim, client.error());
      return;
    }
    Prefetch prefetch = Lookups(turn.store, **client, claimed);
    OrderExport exporter(store_, clock_, cache_, policy_, holder_);
    for (size_t i = 0; i < claimed.size(); ++i) {
      if (Stopping()) {
        // The rest of the turn goes back to the queue at once, for this node after a restart
        // or another node, instead of waiting for the engine (or for their leases to run out).
        for (size_t j = i; j < claimed.size(); ++j) Release(turn.store, claimed[j]);
        return;
      }
      exporter.Run(turn.store, claimed[i].first, claimed[i].second, **client, prefetch);
    }
  }

  bool Stopping() {
    base::MutexLock lock(mu_);
    return !running_;
  }

  // Nothing was sent for this order in this turn: queued again, its "maybe sent" mark kept.
  void Release(store::StoreId s, const std::pair<std::string, store::ExportClaim>& claimed) {
    const auto& [n, claim] = claimed;
    if (auto st = store_.RetryExportLater(s, n, claim.fence, base::Duration::zero(),
                                          "The export worker stopped before this order's turn",
                                          claim.maybe_sent);
        !st.ok())
      spdlog::warn("order {}: not released ({}); its lease will run out", base::EscapeForLog(n),
                   base::EscapeForLog(st.error().message));
  }

  void NotConnected(store::StoreId s, const std::string& n, const store::ExportClaim& claim,
                    const base::Error& e) {
    store::ExportAttempt rec{
        claim.attempt, clock_.Now(), clock_.Now(), store::AttemptOutcome::kFailed, 0, e.message, 0};
    // Nothing was sent: if these writes fail, the claim expires and the order is tried again.
    if (auto st = store_.RecordAttempt(s, n, rec); !st.ok())
      spdlog::warn("order {}: attempt not recorded: {}", base::EscapeForLog(n),
                   base::EscapeForLog(st.error().message));
    if (auto st = store_.StopExport(s, n, claim.fence, e.message, {}); !st.ok())
      spdlog::warn("order {}: not stopped ({}); it will be tried again", base::EscapeForLog(n),
                   base::EscapeForLog(st.error().message));
  }

  // R27, frugal: one request for all references that may already be in Lightspeed, one for all
  // customer e-mails without a link.
  Prefetch Lookups(store::StoreId s, lightspeed::Client& client,
                   const std::vector<std::pair<std::string, store::ExportClaim>>& claimed) {
    Prefetch p;
    if (claimed.size() < 2) return p;
    auto settings = store_.GetLightspeedSettings(s);
    if (!settings.ok()) return p;
    std::vector<std::string> refs;
    for (auto& [n, claim] : claimed)
      if (claim.maybe_sent) refs.push_back(n);
    if (refs.size() > 1) {
      auto sales = client.FindSalesByReferences(refs, settings->reference_source);
      if (sales.ok()) {
        for (const auto& sale : *sales) p.sales_by_reference[sale.reference_number].push_back(sale);
        p.references_searched.insert(refs.begin(), refs.end());
      }
    }
    auto links = store_.GetLinks(s, settings->account_id, "customer");
    if (!links.ok()) return p;
    std::set<std::string> emails;
    for (auto& [n, claim] : claimed) {
      auto order = store_.GetOrder(s, n);
      if (!order.ok()) continue;
      const std::string email = NormalizeKey(order->order.customer.email);
      if (!links->count(email)) emails.insert(email);
    }
    if (emails.size() > 1) {
      auto customers = client.FindCustomersByEmails({emails.begin(), emails.end()});
      if (customers.ok()) {
        std::map<std::string, std::string> best;
        for (const auto& c : *customers) {
          cache_.NoteCustomerTax(settings->account_id, c.id, c.tax_category_id);
          if (c.archived) continue;
          for (const auto& e : c.emails) {
            auto& id = best[NormalizeKey(e)];
            if (id.empty() || IdLess(c.id, id)) id = c.id;
          }
        }
        for (const auto& [email, id] : best) {
          if (!emails.count(email)) continue;
          // A link not stored is only a lookup lost: the e-mail is searched again, not trusted.
          if (auto st = store_.PutLink(s, settings->account_id, "customer", email, id); !st.ok())
            emails.erase(email);
        }
        p.emails_searched = std::move(emails);
      }
    }
    return p;
  }

  store::Store& store_;
  Connections& connections_;
  EngineOptions options_;
  base::Clock& clock_;
  std::string holder_;
  AttemptPolicy policy_;
  AccountCache cache_;

  base::Mutex mu_;
  base::CondVar cv_;
  bool running_ GUARDED_BY(mu_) = false, woken_ GUARDED_BY(mu_) = false;
  std::deque<Turn> queue_ GUARDED_BY(mu_);
  int active_ GUARDED_BY(mu_) = 0;
  std::set<std::string> busy_ GUARDED_BY(mu_);
  std::map<std::string, uint64_t> last_served_ GUARDED_BY(mu_);
  uint64_t served_counter_ GUARDED_BY(mu_) = 0;
  base::TimePoint next_keepalive_;  // dispatcher thread only
  // Written by Start under mu_, joined by Stop: both from the engine's owner.
  std::vector<std::thread> workers_;
  std::thread dispatcher_;
};

Engine::Engine(store::Store& store, Connections& connections, EngineOptions options)
    : impl_(std::make_unique<Impl>(store, connections, options)) {}
Engine::~Engine() { impl_->Stop(); }
void Engine::Start() { impl_->Start(); }
void Engine::Stop() { impl_->Stop(); }
void Engine::Wake() { impl_->Wake(); }

}  // namespace exporter
