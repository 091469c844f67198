#include "exporter/engine.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "base/mutex.h"
#include "base/secrets.h"
#include "base/task.h"
#include "base/text.h"
#include "base/thread_name.h"
#include "exporter/account_cache.h"
#include "exporter/item_lookup.h"
#include "exporter/order_export.h"
#include "exporter/plan.h"
#include "exporter/refund_export.h"

namespace exporter {
namespace {

// E-mails a wide customer search asks for at once: one request's worth
// (Client::FindCustomersByEmails).
constexpr size_t kEmailsPerSearch = 50;
// About what a completed sale with its lines costs in the 2026 model: the room a lane's bucket
// needs before its next sale.
constexpr double kSaleUnits = 8.0;
constexpr std::chrono::milliseconds kDispatchRest{5};

using Steady = std::chrono::steady_clock;

std::string DefaultNodeName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, 5, "host");
  return std::string(host) + "-" + std::to_string(getpid()) + "-" + base::RandomHex(2);
}

// How long this node counts as alive after each heartbeat; renewed every third of it.
base::Duration HeartbeatTtl(base::Duration poll) {
  return std::max<base::Duration>(3 * poll, std::chrono::seconds(5));
}

}  // namespace

class Engine::Impl {
 public:
  Impl(store::Store& store, Connections& connections, EngineOptions options)
      : store_(store),
        connections_(connections),
        options_(options),
        clock_(options.clock ? *options.clock : base::SystemClock()),
        holder_(std::to_string(getpid()) + "-" + base::RandomHex(4)),
        // A configured name gets a suffix of its own: two processes started with the same name
        // (one config deployed twice) must not share every lease as if they were one node.
        node_(options.node.empty() ? DefaultNodeName() : options.node + "#" + base::RandomHex(2)) {
    options_.lane_lease = std::max<base::Duration>(options_.lane_lease, std::chrono::seconds(3));
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
    dispatching_ = true;
    pool_ = std::make_unique<base::ThreadPool>(std::clamp(options_.threads, 1, 64), "export-turns");
    auto watch = store_.WatchQueue();
    if (!watch.ok())
      spdlog::warn("not told of new exports ({}); looking every {} ms",
                   base::EscapeForLog(watch.error().message),
                   std::chrono::duration_cast<std::chrono::milliseconds>(options_.poll).count());
    else if (*watch)
      watcher_ = std::thread([this, w = std::shared_ptr<store::QueueWatch>(std::move(*watch))] {
        base::NameThisThread("queue-watch");
        WatchLoop(*w);
      });
    poll_ = watcher_.joinable() ? std::max(options_.poll, options_.watched_poll) : options_.poll;
    dispatcher_ = std::thread([this] {
      base::NameThisThread("dispatcher");
      DispatchLoop();
    });
    keepalive_ = std::thread([this] {
      base::NameThisThread("keep-alive");
      KeepAliveLoop();
    });
  }

  void Stop() {
    {
      base::MutexLock lock(mu_);
      if (!running_) return;
      running_ = false;
    }
    cv_.SignalAll();
    quiet_cv_.SignalAll();
    // The turns first: a sale in flight may outlast a lane lease, so the dispatcher goes on
    // renewing the leases (and starts no turn) until the last turn is done.
    {
      base::MutexLock lock(mu_);
      while (active_ > 0) cv_.Wait(mu_);
    }
    pool_.reset();
    {
      base::MutexLock lock(mu_);
      dispatching_ = false;
    }
    cv_.SignalAll();
    quiet_cv_.SignalAll();
    if (dispatcher_.joinable()) dispatcher_.join();
    if (watcher_.joinable()) watcher_.join();
    if (keepalive_.joinable()) keepalive_.join();
    // Every lane goes back at once, and this node stops counting in the others' fair shares.
    std::map<std::string, Held> held;
    {
      base::MutexLock lock(mu_);
      held.swap(held_);
    }
    for (const auto& [lane, h] : held) ReleaseLane(lane);
    if (auto st = store_.Heartbeat(node_, -std::chrono::seconds(1)); !st.ok())
      spdlog::warn("node {}: leaving not recorded: {}", base::EscapeForLog(node_),
                   base::EscapeForLog(st.error().message));
    next_heartbeat_ = {};
  }

  const std::string& node() const { return node_; }

  std::vector<std::string> HeldLanes() {
    base::MutexLock lock(mu_);
    std::vector<std::string> out;
    for (const auto& [lane, h] : held_)
      if (Steady::now() < h.valid_until) out.push_back(lane);
    return out;
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
    std::string lease_lane;  // the account's lane, as leased across nodes
    store::StoreId store;
    std::vector<std::string> numbers;
    std::vector<store::RefundExport> refunds;  // due refunds of the store (issue 15)
  };

  // One pass: every store with due orders is a lane candidate, however many orders other stores
  // hold (a store with 5 orders is not starved behind one with 100,000); the idle lanes are
  // ordered by when their bucket admits and when they were last served, and the first ones get
  // a turn with their oldest due orders.
  void Dispatch() {
    skipped_for_bucket_ = false;
    auto due = store_.ListDueStores();
    if (!due.ok()) {
      spdlog::warn("export queue unreadable: {}", base::EscapeForLog(due.error().message));
      // The held lanes' leases are still renewed (as if they had work): the queue will be back.
      std::set<std::string> held;
      for (const std::string& lane : HeldLanes()) held.insert(lane);
      SteerLanes(held);
      return;
    }
    struct Candidate {
      double score;
      std::string lane;
      std::string lease_lane;
      store::StoreId store;
      int sales;  // the turn's size: as many as the bucket admits without a long wait
      bool refunds;
    };
    std::set<std::string> due_lanes;
    for (const store::DueStore& d : *due) due_lanes.insert(store::LaneName(d.store, d.account_id));
    const Share share = SteerLanes(due_lanes);
    std::vector<Candidate> order;
    {
      base::MutexLock lock(mu_);
      for (const store::DueStore& d : *due) {
        // Stores without an account still get a lane of their own ("store-<id>"), so their
        // orders are stopped with a plain reason instead of waiting forever. The account's lane
        // is leased across nodes; each of its stores takes turns within it.
        const std::string lease_lane = store::LaneName(d.store, d.account_id);
        std::string lane = lease_lane + "|" + std::to_string(d.store.value);
        if (busy_.count(lane)) continue;
        // Soonest admission first; never-served or least recently served first among equals.
        // A lane that must wait for its bucket gets no thread to wait on: it is looked at again.
        const double wait = connections_.SecondsUntilAdmits(d.store, kSaleUnits);
        if (wait > BucketWaitSeconds()) {
          skipped_for_bucket_ = true;
          continue;
        }
        // As many sales as the bucket admits soon: a whole batch at once when it has the room
        // (a bucket with room, or none at all), else counted up.
        int sales = options_.batch;
        if (connections_.SecondsUntilAdmits(d.store, kSaleUnits * sales) > BucketWaitSeconds()) {
          sales = 1;
          while (sales < options_.batch &&
                 connections_.SecondsUntilAdmits(d.store, kSaleUnits * (sales + 1)) <=
                     BucketWaitSeconds())
            ++sales;
        }
        order.push_back({wait * 1e6 + static_cast<double>(last_served_[lane]), lane, lease_lane,
                         d.store, sales, d.refunds});
      }
    }
    std::sort(order.begin(), order.end(),
              [](const Candidate& a, const Candidate& b) { return a.score < b.score; });
    for (const Candidate& c : order) {
      {
        base::MutexLock lock(mu_);
        if (!running_ || active_ >= options_.workers) break;
      }
      if (!HoldOrTake(c.lease_lane, share)) continue;
      auto numbers = store_.ListDueExports(c.store, c.sales);
      if (!numbers.ok()) {
        spdlog::warn("export queue of store {} unreadable: {}", c.store.value,
                     base::EscapeForLog(numbers.error().message));
        continue;
      }
      // Refunds after the orders: a sale waiting to be sent goes first.
      std::vector<store::RefundExport> refunds;
      if (c.refunds && static_cast<int>(numbers->size()) < c.sales) {
        auto due_refunds = store_.ListDueRefunds(c.store, c.sales);
        if (due_refunds.ok()) refunds = std::move(*due_refunds);
      }
      if (numbers->empty() && refunds.empty()) continue;  // taken meanwhile
      {
        base::MutexLock lock(mu_);
        if (!running_) break;  // Stop waits for the turns it counts; this one was never counted
        busy_.insert(c.lane);
        last_served_[c.lane] = ++served_counter_;
        ++driving_[c.lease_lane];
        ++active_;
      }
      base::Spawn(*pool_, RunTurn(Turn{c.lane, c.lease_lane, c.store, std::move(*numbers),
                                       std::move(refunds)}));
    }
  }

  // --- Lanes across nodes. Leases are renewed and timed on the steady clock: only intervals
  // matter here, and the database measures the lease itself. ---

  struct Held {
    Steady::time_point renew_at, valid_until, last_work;
  };
  // How many lanes this node may hold this pass, and who holds the others.
  struct Share {
    size_t lanes = 0;
    std::map<std::string, std::string> holders;  // lane → node, for lanes held by other nodes
    bool known = false;                          // false: the leases were unreadable; take none
  };

  void Heartbeat(Steady::time_point now) {
    if (now < next_heartbeat_) return;
    const base::Duration ttl = HeartbeatTtl(options_.poll);
    if (auto st = store_.Heartbeat(node_, ttl); !st.ok()) {
      spdlog::warn("node {}: heartbeat not recorded: {}", base::EscapeForLog(node_),
                   base::EscapeForLog(st.error().message));
      return;
    }
    next_heartbeat_ = now + std::chrono::duration_cast<Steady::duration>(ttl / 3);
  }

  // Renews the lanes this node holds, forgets lost ones, releases idle ones and those beyond its
  // fair share, and answers the share for taking more.
  Share SteerLanes(const std::set<std::string>& due_lanes) {
    const Steady::time_point now = Steady::now();
    Heartbeat(now);
    std::map<std::string, Held> held;
    std::map<std::string, int> driving;
    {
      base::MutexLock lock(mu_);
      held = held_;
      driving = driving_;
    }
    std::vector<std::string> renew;
    for (auto& [lane, h] : held) {
      if (due_lanes.count(lane) || driving.count(lane)) h.last_work = now;
      if (now >= h.renew_at) renew.push_back(lane);
    }
    Renew(renew, held, now);
    std::erase_if(held, [&](const auto& kv) { return now >= kv.second.valid_until; });

    Share share;
    auto leases = store_.ListLanes();
    auto live = store_.ListLiveNodes();
    if (!leases.ok() || !live.ok()) {
      spdlog::warn(
          "lane leases unreadable: {}",
          base::EscapeForLog(!leases.ok() ? leases.error().message : live.error().message));
    } else {
      share.known = true;
      std::set<std::string> lanes = due_lanes;
      for (const store::LaneLease& l : *leases) {
        lanes.insert(l.lane);
        if (l.node != node_) share.holders[l.lane] = l.node;
      }
      size_t nodes = live->size();
      if (std::find(live->begin(), live->end(), node_) == live->end()) ++nodes;
      share.lanes = (lanes.size() + nodes - 1) / nodes;
    }

    // Idle lanes go back; then, when more nodes joined, the lanes beyond this node's share that
    // are between turns (those without due work first).
    std::vector<std::string> release;
    for (const auto& [lane, h] : held)
      if (!driving.count(lane) && now - h.last_work >= options_.lane_idle) release.push_back(lane);
    if (share.known && held.size() - release.size() > share.lanes) {
      size_t excess = held.size() - release.size() - share.lanes;
      for (bool with_work : {false, true})
        for (const auto& [lane, h] : held) {
          if (excess == 0) break;
          if (driving.count(lane) || due_lanes.count(lane) != with_work) continue;
          if (std::find(release.begin(), release.end(), lane) != release.end()) continue;
          release.push_back(lane);
          --excess;
        }
    }
    for (const std::string& lane : release) held.erase(lane);
    {
      base::MutexLock lock(mu_);
      // Lanes taken meanwhile are none (only this thread takes); keep what was computed.
      held_ = held;
    }
    for (const std::string& lane : release) ReleaseLane(lane);
    return share;
  }

  // All of them in one commit: with thousands of lanes, one commit per lane was most of a node's
  // writes between sales.
  void Renew(const std::vector<std::string>& lanes, std::map<std::string, Held>& held,
             Steady::time_point now) {
    if (lanes.empty()) return;
    auto renewed = store_.LeaseLanes(lanes, node_, options_.lane_lease);
    if (!renewed.ok()) {
      spdlog::warn("{} lane leases not renewed: {}", lanes.size(),
                   base::EscapeForLog(renewed.error().message));
      return;  // kept until valid_until; tried again next pass
    }
    for (const std::string& lane : lanes) {
      Held& h = held[lane];
      if (renewed->count(lane)) {
        Stamp(&h, now);
        continue;
      }
      spdlog::warn("lane {}: lease lost to another node", base::EscapeForLog(lane));
      h.valid_until = now;
    }
  }

  void Stamp(Held* h, Steady::time_point at) {
    const auto lease = std::chrono::duration_cast<Steady::duration>(options_.lane_lease);
    h->renew_at = at + lease / 3;
    // The database counts whole seconds: the lease may end up to a second before at + lease.
    h->valid_until = at + lease - std::chrono::seconds(1);
  }

  // Whether this node may give `lane` a turn now: it holds the lane, or takes it within its share.
  bool HoldOrTake(const std::string& lane, const Share& share) {
    if (Holds(lane)) return true;
    if (!share.known || share.holders.count(lane)) return false;
    {
      base::MutexLock lock(mu_);
      if (held_.size() >= share.lanes) return false;
    }
    const Steady::time_point now = Steady::now();
    auto taken = store_.LeaseLane(lane, node_, options_.lane_lease);
    if (!taken.ok()) {
      spdlog::warn("lane {}: lease not taken: {}", base::EscapeForLog(lane),
                   base::EscapeForLog(taken.error().message));
      return false;
    }
    if (!taken->has_value()) return false;
    Held h;
    Stamp(&h, now);
    h.last_work = now;
    spdlog::info("node {}: drives lane {} (fence {})", base::EscapeForLog(node_),
                 base::EscapeForLog(lane), **taken);
    base::MutexLock lock(mu_);
    held_[lane] = h;
    return true;
  }

  bool Holds(const std::string& lane) {
    base::MutexLock lock(mu_);
    auto it = held_.find(lane);
    return it != held_.end() && Steady::now() < it->second.valid_until;
  }

  void ReleaseLane(const std::string& lane) {
    if (auto st = store_.ReleaseLane(lane, node_); !st.ok())
      spdlog::warn("lane {}: not released ({}); its lease will run out", base::EscapeForLog(lane),
                   base::EscapeForLog(st.error().message));
  }

  // New work queued by any node wakes the dispatcher at once (the watch's own thread).
  void WatchLoop(store::QueueWatch& watch) {
    while (!Stopping())
      if (watch.Wait(std::chrono::milliseconds(500))) Wake();
  }

  void DispatchLoop() {
    base::MutexLock lock(mu_);
    while (dispatching_) {
      lock.Unlock();
      const auto began = std::chrono::steady_clock::now();
      Dispatch();
      // Between passes the dispatcher rests at least as long as the last one took (and 5 ms), so
      // with hundreds of turns ending every second it takes at most about half a core and each
      // pass hands out many turns, instead of one pass per turn.
      const auto rested = std::chrono::steady_clock::now() +
                          std::max<std::chrono::steady_clock::duration>(
                              std::chrono::steady_clock::now() - began, kDispatchRest);
      lock.Lock();
      while (dispatching_ && quiet_cv_.WaitUntil(mu_, rested)) {
      }
      // A lane left waiting for its bucket is looked at again within bucket_wait, so its next
      // turn starts while its sale still waits in the limiter, not after a gap.
      const auto deadline =
          std::chrono::steady_clock::now() +
          (skipped_for_bucket_ ? std::min<base::Duration>(poll_, options_.bucket_wait / 2) : poll_);
      while (dispatching_ && !woken_ && cv_.WaitUntil(mu_, deadline)) {
      }
      woken_ = false;
    }
  }

  // The keep-alive has a thread of its own: a slow token endpoint must not hold up the
  // dispatcher, which renews the lane leases.
  void KeepAliveLoop() {
    base::MutexLock lock(mu_);
    while (running_) {
      lock.Unlock();
      KeepAlive();
      lock.Lock();
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      while (running_ && quiet_cv_.WaitUntil(mu_, deadline)) {
      }
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

  // One lane turn, on the pool: its sales wait for Lightspeed without holding a thread.
  base::Task<> RunTurn(Turn turn) {
    const bool claimed = co_await Work(turn);
    base::MutexLock lock(mu_);
    --active_;
    busy_.erase(turn.lane);
    if (--driving_[turn.lease_lane] <= 0) driving_.erase(turn.lease_lane);
    // The lane may have more: look again now. Not after a turn that claimed nothing (its orders
    // were taken or locked by another node): that would only ask the same question at once.
    const bool wake = claimed && !woken_;  // already woken: it looks once for them all
    if (claimed) woken_ = true;
    if (wake || active_ == 0 || !running_) cv_.SignalAll();  // the dispatcher; Stop's last turn
  }

  // Answers whether it claimed anything.
  base::Task<bool> Work(const Turn& turn) {
    if (!Holds(turn.lease_lane)) co_return false;  // lost since queued: another node drives it
    // The turn's orders in one transaction; those another node took meanwhile are left out.
    store::Store::Claimed claimed;
    if (!turn.numbers.empty()) {
      auto claims = store_.ClaimExports(turn.store, turn.numbers, holder_, options_.lease);
      if (claims.ok())
        claimed = std::move(*claims);
      else
        spdlog::warn("store {}: orders not claimed: {}", turn.store.value,
                     base::EscapeForLog(claims.error().message));
    }
    if (claimed.empty()) co_return co_await SendRefunds(turn);
    auto client = connections_.ClientFor(turn.store);
    if (!client.ok()) {
      // Not connected (R3): each order is stopped with the reason, through the usual path.
      for (auto& [n, claim] : claimed) NotConnected(turn.store, n, claim, client.error());
      co_return true;
    }
    // Read once for the turn's lookups; each attempt reads its order again just before it
    // checks and sends, so a refund recorded meanwhile is seen (R1–R5).
    std::vector<shop::Order> orders;
    for (auto& [n, claim] : claimed)
      if (auto record = store_.GetOrder(turn.store, n); record.ok())
        orders.push_back(std::move(record->order));
    Prefetch prefetch = co_await Lookups(turn.store, **client, claimed, orders);
    OrderExport exporter(store_, clock_, cache_, policy_, holder_);
    for (size_t i = 0; i < claimed.size(); ++i) {
      // The rest of the turn goes back to the queue at once, for this node after a restart
      // or another node, instead of waiting for the engine (or for their leases to run out).
      // A lane whose lease was lost stops here too: its new holder paces the bucket now. So does
      // a lane whose bucket is full: the next turn comes when it has room, without holding this
      // thread meanwhile.
      const bool bucket_full =
          i > 0 && connections_.SecondsUntilAdmits(turn.store, kSaleUnits) > BucketWaitSeconds();
      if (Stopping() || !Holds(turn.lease_lane) || bucket_full) {
        const char* why = bucket_full ? "Waiting for room in Lightspeed's rate limit"
                                      : "The export worker stopped before this order's turn";
        for (size_t j = i; j < claimed.size(); ++j) Release(turn.store, claimed[j], why);
        co_return true;
      }
      co_await exporter.Run(turn.store, claimed[i].first, claimed[i].second, **client, prefetch);
    }
    co_await SendRefunds(turn);
    co_return true;
  }

  // The turn's due refunds, one at a time like its sales (issue 15). Answers whether it claimed
  // any.
  base::Task<bool> SendRefunds(const Turn& turn) {
    bool any = false;
    RefundSender sender(store_, clock_, cache_, policy_);
    for (const store::RefundExport& r : turn.refunds) {
      if (Stopping() || !Holds(turn.lease_lane)) break;  // still queued: claimed by nobody
      auto claim = store_.ClaimRefund(turn.store, r.number, r.refund_id, options_.lease);
      if (!claim.ok()) continue;
      any = true;
      auto client = connections_.ClientFor(turn.store);
      if (!client.ok()) {
        sender.NotConnected(turn.store, r, *claim, client.error());
        continue;
      }
      co_await sender.Run(turn.store, r, *claim, **client);
    }
    co_return any;
  }

  bool Stopping() {
    base::MutexLock lock(mu_);
    return !running_;
  }

  double BucketWaitSeconds() const {
    return std::chrono::duration<double>(options_.bucket_wait).count();
  }

  // Nothing was sent for this order in this turn: queued again, its "maybe sent" mark kept.
  void Release(store::StoreId s, const std::pair<std::string, store::ExportClaim>& claimed,
               const char* why) {
    const auto& [n, claim] = claimed;
    if (auto st = store_.ReleaseExport(s, n, claim.fence, why); !st.ok())
      spdlog::warn("order {}: not released ({}); its lease will run out", base::EscapeForLog(n),
                   base::EscapeForLog(st.error().message));
  }

  void NotConnected(store::StoreId s, const std::string& n, const store::ExportClaim& claim,
                    const base::Error& e) {
    // Not connected any more (a store that never was cannot queue): one wording, and the order
    // resumes by itself when the store connects again.
    const std::string message =
        e.code == base::ErrorCode::kUnauthenticated ? StoppedForConnection(e.message) : e.message;
    store::ExportAttempt rec{
        claim.attempt, clock_.Now(), clock_.Now(), store::AttemptOutcome::kFailed, 0, message, 0};
    // Nothing was sent: if this write fails, the claim expires and the order is tried again.
    if (auto st = store_.StopExport(s, n, claim.fence, message, {}, &rec); !st.ok())
      spdlog::warn("order {}: not stopped ({}); it will be tried again", base::EscapeForLog(n),
                   base::EscapeForLog(st.error().message));
  }

  // R27, frugal: one request for all references that may already be in Lightspeed, one for all
  // customer e-mails without a link, one per item code key for all items without a link.
  base::Task<Prefetch> Lookups(
      store::StoreId s, lightspeed::Client& client,
      const std::vector<std::pair<std::string, store::ExportClaim>>& claimed,
      const std::vector<shop::Order>& orders) {
    Prefetch p;
    p.turn_started = clock_.Now();
    auto settings = store_.GetLightspeedSettings(s);
    if (!settings.ok()) co_return p;
    co_await LookUpItems(s, client, *settings, orders, &p);
    std::vector<std::string> refs;
    for (auto& [n, claim] : claimed)
      if (claim.maybe_sent) refs.push_back(n);
    if (refs.size() > 1) {
      auto sales = co_await client.FindSalesByReferences(refs, settings->reference_source);
      if (sales.ok()) {
        for (const auto& sale : *sales) p.sales_by_reference[sale.reference_number].push_back(sale);
        p.references_searched.insert(refs.begin(), refs.end());
      }
    }
    // Only the links of the e-mails at hand are read, however many customers the store has.
    const auto unlinked = [&](const std::set<std::string>& emails) -> std::set<std::string> {
      auto links =
          store_.GetLinksFor(s, settings->account_id, "customer", {emails.begin(), emails.end()});
      if (!links.ok()) return {};
      std::set<std::string> out;
      for (const std::string& e : emails)
        if (!links->count(e)) out.insert(e);
      return out;
    };
    std::set<std::string> turn_emails;
    for (const shop::Order& order : orders) turn_emails.insert(NormalizeKey(order.customer.email));
    std::set<std::string> emails = unlinked(turn_emails);  // the turn's e-mails without a link
    if (emails.empty()) co_return p;
    const std::string& account = settings->account_id;
    const base::TimePoint now = clock_.Now();
    {
      // An earlier turn's wide search may have covered them all, recently enough.
      base::MutexLock lock(mu_);
      auto hint = emails_missing_.find(account);
      if (hint != emails_missing_.end() &&
          now - hint->second.searched_at < options_.lookahead_ttl &&
          std::includes(hint->second.emails.begin(), hint->second.emails.end(), emails.begin(),
                        emails.end())) {
        p.emails_searched = std::move(emails);
        co_return p;
      }
    }
    // Wider while the backlog allows: the next due orders' e-mails too, up to one request's worth.
    std::set<std::string> wide = emails;
    if (options_.lookahead > static_cast<int>(claimed.size())) {
      std::set<std::string> next_emails;
      auto next = store_.ListDueEmails(s, options_.lookahead);
      if (next.ok())
        for (const std::string& e : *next)
          if (std::string email = NormalizeKey(e); !turn_emails.count(email))
            next_emails.insert(email);
      for (const std::string& e : unlinked(next_emails)) {
        if (wide.size() >= kEmailsPerSearch) break;
        wide.insert(e);
      }
    }
    if (wide.size() < 2) co_return p;  // one e-mail: its own search costs no more
    std::vector<std::string> wide_list(wide.begin(), wide.end());
    auto customers = co_await client.FindCustomersByEmails(std::move(wide_list));
    if (!customers.ok()) co_return p;
    std::map<std::string, std::string> best;
    for (const auto& c : *customers) {
      cache_.NoteCustomerTax(account, c.id, c.tax_category_id);
      if (c.archived) continue;
      for (const auto& e : c.emails) {
        auto& id = best[NormalizeKey(e)];
        if (id.empty() || IdLess(c.id, id)) id = c.id;
      }
    }
    std::set<std::string> missing = wide;
    for (const auto& [email, id] : best) {
      if (!wide.count(email)) continue;
      // A link not stored is only a lookup lost: the e-mail is searched again, not trusted.
      if (auto st = store_.PutLink(s, account, "customer", email, id); !st.ok())
        emails.erase(email);
      missing.erase(email);
    }
    p.emails_searched = std::move(emails);
    base::MutexLock lock(mu_);
    emails_missing_[account] = {now, std::move(missing)};
    co_return p;
  }

  // The items the turn's orders still need (R17), searched together: a live find becomes a link,
  // a "found nowhere" a hint for the create gate.
  base::Task<> LookUpItems(store::StoreId s, lightspeed::Client& client,
                           const store::LightspeedSettings& settings,
                           const std::vector<shop::Order>& orders, Prefetch* p) {
    std::set<std::string> skus;
    for (const shop::Order& order : orders)
      for (const auto& l : order.lines) skus.insert(l.sku);
    // Only the links of the turn's items: a store's catalog may be large.
    Links links;
    auto item_links =
        store_.GetLinksFor(s, settings.account_id, "item", {skus.begin(), skus.end()});
    if (!item_links.ok()) co_return;
    links.item_by_sku = std::move(*item_links);
    auto catalog = store_.GetItems(s, {skus.begin(), skus.end()});  // the turn's items, once
    if (!catalog.ok()) co_return;
    std::map<std::string, ItemNeed> needs;
    for (const shop::Order& order : orders)
      for (ItemNeed& need : PlanExport(order, *catalog, settings, links).items)
        needs.emplace(need.sku, std::move(need));
    if (needs.size() < 2) co_return;  // one item: its own search costs no more
    std::vector<ItemNeed> list;
    for (auto& [sku, need] : needs) list.push_back(std::move(need));
    ItemLookup found = co_await exporter::LookUpItems(
        std::move(list), [&client](lightspeed::ItemKey key, std::vector<std::string> values) {
          return client.FindItemsByCodes(key, std::move(values));
        });
    // A link not stored is only a lookup lost: the item is searched again by its attempt.
    for (const auto& [sku, id] : found.found)
      (void)store_.PutLink(s, settings.account_id, "item", sku, id);
    p->items_missing = std::move(found.missing);
  }

  store::Store& store_;
  Connections& connections_;
  EngineOptions options_;
  base::Clock& clock_;
  std::string holder_;
  AttemptPolicy policy_;
  AccountCache cache_;

  base::Mutex mu_;
  base::CondVar cv_;  // the dispatcher (for work) and Stop (for the last turn) wait here
  // Signalled only by Stop: the dispatcher's rest between passes and the keep-alive's second
  // wait here, so the hundreds of turns ending every second do not wake them for nothing.
  base::CondVar quiet_cv_;
  // running_: turns start; dispatching_: leases are renewed (until the last turn is done).
  bool dispatching_ GUARDED_BY(mu_) = false;
  bool running_ GUARDED_BY(mu_) = false, woken_ GUARDED_BY(mu_) = false;
  int active_ GUARDED_BY(mu_) = 0;  // turns spawned and not yet done
  std::set<std::string> busy_ GUARDED_BY(mu_);
  std::map<std::string, uint64_t> last_served_ GUARDED_BY(mu_);
  uint64_t served_counter_ GUARDED_BY(mu_) = 0;
  std::string node_;
  std::map<std::string, Held> held_ GUARDED_BY(mu_);    // lanes this node holds
  std::map<std::string, int> driving_ GUARDED_BY(mu_);  // lane → its turns queued or running
  // Per account: the e-mails a lane turn's wide search found in no customer, and when (R27: only
  // a hint, trusted for lookahead_ttl; the create gate still searches once a create was tried).
  struct EmailsMissing {
    base::TimePoint searched_at;
    std::set<std::string> emails;
  };
  std::map<std::string, EmailsMissing> emails_missing_ GUARDED_BY(mu_);
  base::TimePoint next_keepalive_;     // keep-alive thread only
  bool skipped_for_bucket_ = false;    // dispatcher thread only: the last pass left a lane waiting
  Steady::time_point next_heartbeat_;  // dispatcher thread only (and Stop, after the join)
  // Written by Start under mu_, joined by Stop: both from the engine's owner.
  std::unique_ptr<base::ThreadPool> pool_;  // the turns run here
  std::thread dispatcher_;
  std::thread watcher_;
  std::thread keepalive_;
  base::Duration poll_;  // written by Start before the dispatcher runs
};

Engine::Engine(store::Store& store, Connections& connections, EngineOptions options)
    : impl_(std::make_unique<Impl>(store, connections, options)) {}
Engine::~Engine() { impl_->Stop(); }
void Engine::Start() { impl_->Start(); }
void Engine::Stop() { impl_->Stop(); }
void Engine::Wake() { impl_->Wake(); }
const std::string& Engine::node() const { return impl_->node(); }
std::vector<std::string> Engine::HeldLanes() const { return impl_->HeldLanes(); }

}  // namespace exporter
