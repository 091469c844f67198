// Lanes across nodes: one node drives each Lightspeed account's exports at a time (exports.h).
// Their tables are migration 4 (migrations.cpp). A released lane keeps its row, so fences only
// grow.
#include <chrono>
#include <string>

#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store.h"
#include "store/rules.h"

namespace store::postgres {
namespace {

// A lease's length in whole seconds, as the SQLite backend counts it (rounded toward zero).
int64_t TtlSeconds(base::Duration ttl) {
  return std::chrono::duration_cast<std::chrono::seconds>(ttl).count();
}

}  // namespace

Result<std::map<std::string, int64_t>> PostgresStore::LeaseLanes(
    const std::vector<std::string>& lanes, const std::string& node, base::Duration ttl) {
  for (const std::string& lane : lanes)
    if (auto st = rules::CheckLaneNames(lane, node); !st.ok()) return st.error();
  std::map<std::string, int64_t> held;
  if (lanes.empty()) return held;
  const std::string now = kNowSql;
  // One statement for every lane: the row locks of ON CONFLICT serialize two nodes racing for a
  // lane. The holder whose lease still runs renews (same fence); anyone takes a lapsed lease
  // (fence + 1). DISTINCT: one row may not be upserted twice in one statement.
  const std::string sql =
      "INSERT INTO export_lanes AS l (lane, node, fence, lease_until) "
      "SELECT DISTINCT x, $3::text, 1, " +
      now +
      " + $4::bigint FROM unnest($2::text[]) AS x "
      "ON CONFLICT (lane) DO UPDATE SET "
      "fence = CASE WHEN l.node = EXCLUDED.node AND l.lease_until >= " +
      now +
      " THEN l.fence ELSE l.fence + 1 END, node = EXCLUDED.node, "
      "lease_until = EXCLUDED.lease_until "
      "WHERE l.node = EXCLUDED.node OR l.lease_until < " +
      now + " RETURNING lane, fence";
  const std::optional<int64_t> clock = ClockSeconds();
  const int64_t seconds = TtlSeconds(ttl);
  return pool_->Get<std::map<std::string, int64_t>>(
      [&](pqxx::work& w) -> Result<std::map<std::string, int64_t>> {
        const pqxx::result r =
            w.exec_prepared(Prepare(w, sql), clock, TextArray(lanes), node, seconds);
        std::map<std::string, int64_t> out;
        for (const auto& row : r) out[row[0].as<std::string>()] = row[1].as<int64_t>();
        return out;
      });
}

Status PostgresStore::ReleaseLane(const std::string& lane, const std::string& node) {
  if (auto st = rules::CheckLaneNames(lane, node); !st.ok()) return st;
  const std::string now = kNowSql;
  const std::string sql = "UPDATE export_lanes SET lease_until = " + now +
                          " - 1 WHERE lane = $2 AND node = $3 AND lease_until >= " + now;
  const std::optional<int64_t> clock = ClockSeconds();
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_prepared(Prepare(w, sql), clock, lane, node);
    return {};
  });
}

Result<std::vector<LaneLease>> PostgresStore::ListLanes() {
  const std::string sql = std::string("SELECT lane, node, fence, lease_until FROM export_lanes ") +
                          "WHERE lease_until >= " + kNowSql + " ORDER BY lane";
  const std::optional<int64_t> clock = ClockSeconds();
  return pool_->Get<std::vector<LaneLease>>([&](pqxx::work& w) -> Result<std::vector<LaneLease>> {
    std::vector<LaneLease> out;
    for (const pqxx::row& row : w.exec_prepared(Prepare(w, sql), clock))
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<int64_t>(),
                     rules::FromSeconds(row[3].as<int64_t>())});
    return out;
  });
}

Status PostgresStore::Heartbeat(const std::string& node, base::Duration ttl) {
  if (auto st = rules::CheckLaneNames("-", node); !st.ok()) return st;
  const std::string sql = std::string("INSERT INTO export_nodes (node, alive_until) VALUES ($2, ") +
                          kNowSql +
                          " + $3) ON CONFLICT (node) DO UPDATE SET alive_until = "
                          "EXCLUDED.alive_until";
  const std::optional<int64_t> clock = ClockSeconds();
  const int64_t seconds = TtlSeconds(ttl);
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_prepared(Prepare(w, sql), clock, node, seconds);
    return {};
  });
}

Result<std::vector<std::string>> PostgresStore::ListLiveNodes() {
  const std::string sql = std::string("SELECT node FROM export_nodes WHERE alive_until >= ") +
                          kNowSql + " ORDER BY node";
  const std::optional<int64_t> clock = ClockSeconds();
  return pool_->Get<std::vector<std::string>>(
      [&](pqxx::work& w) -> Result<std::vector<std::string>> {
        std::vector<std::string> out;
        for (const pqxx::row& row : w.exec_prepared(Prepare(w, sql), clock))
          out.push_back(row[0].as<std::string>());
        return out;
      });
}

}  // namespace store::postgres
