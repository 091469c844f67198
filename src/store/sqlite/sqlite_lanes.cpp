// Lanes across nodes: one node drives each Lightspeed account's exports at a time.
#include "store/rules.h"
#include "store/sqlite/sqlite_store.h"

namespace store::sqlite {

Result<std::map<std::string, int64_t>> SqliteStore::LeaseLanes(
    const std::vector<std::string>& lanes, const std::string& node, base::Duration ttl) {
  for (const std::string& lane : lanes)
    if (auto st = rules::CheckLaneNames(lane, node); !st.ok()) return st.error();
  std::map<std::string, int64_t> held;
  if (lanes.empty()) return held;
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  const int64_t until = Until(ttl), now = NowSeconds();
  for (const std::string& lane : lanes) {
    // In the upsert's SET and WHERE, bare columns are the stored row's: the holder whose lease
    // still runs renews (same fence); anyone takes a lapsed lease (fence + 1).
    Stmt s(*conn,
           "INSERT INTO export_lanes (lane, node, fence, lease_until) VALUES (?1, ?2, 1, ?3) "
           "ON CONFLICT (lane) DO UPDATE SET "
           "fence = CASE WHEN node = excluded.node AND lease_until >= ?4 THEN fence "
           "ELSE fence + 1 END, node = excluded.node, lease_until = excluded.lease_until "
           "WHERE node = excluded.node OR lease_until < ?4 RETURNING fence");
    s.Bind(1, lane).Bind(2, node).Bind(3, until).Bind(4, now);
    if (s.Step()) {
      held[lane] = s.Int(0);
      s.Step();  // finish the statement before the next
    }
    if (!s.status().ok()) return s.status().error();
  }
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return held;
}

Status SqliteStore::ReleaseLane(const std::string& lane, const std::string& node) {
  if (auto st = rules::CheckLaneNames(lane, node); !st.ok()) return st;
  auto conn = pool_->Take();
  Stmt s(*conn,
         "UPDATE export_lanes SET lease_until = ?1 WHERE lane = ?2 AND node = ?3 AND "
         "lease_until > ?1");
  s.Bind(1, NowSeconds() - 1).Bind(2, lane).Bind(3, node);
  s.Step();
  return s.status();
}

Result<std::vector<LaneLease>> SqliteStore::ListLanes() {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "SELECT lane, node, fence, lease_until FROM export_lanes WHERE lease_until >= ? "
         "ORDER BY lane");
  s.Bind(1, NowSeconds());
  std::vector<LaneLease> out;
  while (s.Step()) out.push_back({s.Text(0), s.Text(1), s.Int(2), rules::FromSeconds(s.Int(3))});
  if (!s.status().ok()) return s.status().error();
  return out;
}

Status SqliteStore::Heartbeat(const std::string& node, base::Duration ttl) {
  if (auto st = rules::CheckLaneNames("-", node); !st.ok()) return st;
  auto conn = pool_->Take();
  Stmt s(*conn,
         "INSERT INTO export_nodes (node, alive_until) VALUES (?, ?) ON CONFLICT (node) "
         "DO UPDATE SET alive_until = excluded.alive_until");
  s.Bind(1, node).Bind(2, Until(ttl));
  s.Step();
  return s.status();
}

Result<std::vector<std::string>> SqliteStore::ListLiveNodes() {
  auto conn = pool_->Take();
  Stmt s(*conn, "SELECT node FROM export_nodes WHERE alive_until >= ? ORDER BY node");
  s.Bind(1, NowSeconds());
  std::vector<std::string> out;
  while (s.Step()) out.push_back(s.Text(0));
  if (!s.status().ok()) return s.status().error();
  return out;
}

}  // namespace store::sqlite
