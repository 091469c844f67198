// The export engine: lane turns that turn queued orders into Lightspeed sales, exactly once
// (R20), sorting failures into retries and needs-attention (R21), inside every account's bucket
// and fair between accounts (R22, R27).
//
// Scheduling: orders are grouped into one lane per Lightspeed account. A lane has one turn at a
// time, so one sale is in flight per account. Turns are coroutines on a few threads: a turn
// waiting for Lightspeed holds none, so hundreds of accounts have a sale in flight at once. Among
// lanes with work, the one whose bucket admits a request soonest goes next; ties go round-robin, so
// one store's backlog never starves another. A turn takes a small batch of its lane's orders and
// looks them up together
// (`or=` on referenceNumber, on Contact.email — reaching to the next due orders' e-mails while the
// backlog allows — and on each item code key) before exporting them one by one.
//
// Several nodes (`spoke worker` processes) may share one database (issue 13). A node drives a lane
// only while it holds the lane's lease (store::ExportStore::LeaseLane), so each account's bucket
// is paced by one node's limiter. A node takes no more than its fair share of lanes — the lanes
// with work (due or leased), divided by the live nodes (heartbeats), rounded up — keeps those it
// holds, sheds the rest when more nodes join, renews its leases every third of their lifetime,
// releases a lane that has had no work for `lane_idle`, and all its lanes on Stop. A lane whose
// lease was lost gets no further turns from this node. Orders are still claimed one by one with
// their own fences, so exactly-once never depends on lane leases.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "exporter/connections.h"
#include "store/store.h"

namespace exporter {

struct EngineOptions {
  // How many lane turns (each one sale in flight for its account) may run at once, 1..10,000. A
  // turn waiting for Lightspeed's answer or for its bucket holds no thread (see bucket_wait).
  int workers = 4;
  // The threads the turns run on, 1..64: they plan, read and write the database, and pick up
  // Lightspeed's answers.
  int threads = 4;
  int batch = 10;  // orders per lane turn
  // Customer lookups reach past the turn while the backlog allows: the e-mails of up to this many
  // due orders of the store are searched at once (R27; at most 50 e-mails, one request's worth;
  // default 50, a value no larger than `batch` keeps to the turn's own orders).
  int lookahead = 50;
  // How long such a search's "no customer has this e-mail" is trusted by later turns; a create
  // still searches first once a create of that e-mail was tried (default 5 min).
  base::Duration lookahead_ttl = std::chrono::minutes(5);
  base::Duration poll = std::chrono::milliseconds(250);  // how often to look for work
  // How often to look when the store tells the engine of new work from any node (PostgreSQL's
  // LISTEN/NOTIFY: store::ExportStore::WatchQueue); only retries falling due wait for it.
  base::Duration watched_poll = std::chrono::seconds(1);
  base::Duration lease = std::chrono::seconds(120);        // a claim's lifetime
  int max_attempts = 12;                                   // retryable failures before attention
  base::Duration first_backoff = std::chrono::seconds(2);  // doubles per attempt, jittered
  base::Duration max_backoff = std::chrono::minutes(5);
  // How long a write without a certain answer may still land: at least the Lightspeed timeout.
  base::Duration settle = std::chrono::seconds(30);
  base::Clock* clock = nullptr;  // default: the system clock
  // Keep-alive: refresh a connected store's tokens once its refresh token is this old, so a
  // quiet store never reaches Lightspeed's 30 days unused (0: never). Checked every
  // keepalive_every.
  base::Duration refresh_keepalive = std::chrono::hours(24 * 7);
  base::Duration keepalive_every = std::chrono::hours(1);
  // This node's name in lane leases, the status page and /metrics (default: hostname-pid-random).
  std::string node;
  // A lane lease's lifetime, renewed every third of it while the lane is held (at least 3 s).
  base::Duration lane_lease = std::chrono::seconds(15);
  // A held lane with no due orders and no turn for this long is released to other nodes.
  base::Duration lane_idle = std::chrono::seconds(30);
  // A lane whose bucket admits its next sale only later than this gets no turn (the dispatcher
  // looks again at the next poll), and a turn ends early when its next sale would wait longer:
  // its remaining orders go back to the queue, due at once. So a turn waits on a bucket for at
  // most about this long, and a full bucket never holds one of the `workers` turns for long.
  base::Duration bucket_wait = std::chrono::seconds(1);
};

class Engine {
 public:
  Engine(store::Store& store, Connections& connections, EngineOptions options);
  ~Engine();
  void Start();
  void Stop();
  // New work was queued: look now rather than at the next poll.
  void Wake();
  // This node's name (EngineOptions::node or the default made from the host and process).
  const std::string& node() const;
  // The lanes this node holds now, by name.
  std::vector<std::string> HeldLanes() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace exporter
