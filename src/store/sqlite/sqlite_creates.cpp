// The create gate: one create per Lightspeed record in flight, search first once one may exist.
#include "store/sqlite/sqlite_store.h"

namespace store::sqlite {

Result<bool> SqliteStore::BeginCreate(const std::string& account, const std::string& kind,
                                      const std::string& key, const std::string& holder,
                                      base::TimePoint until) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  const int64_t now = NowSeconds();
  bool existed = false;
  {
    Stmt s(conn->get(),
           "SELECT holder, lease_until FROM lightspeed_creates WHERE account_id = ? AND kind = ? "
           "AND key = ?");
    s.Bind(1, account).Bind(2, kind).Bind(3, key);
    if (s.Step()) {
      existed = true;
      if (s.Text(0) != holder && s.Int(1) >= now)
        return base::Conflict("create_in_flight", "another export is creating the Lightspeed " +
                                                      kind + " \"" + key + "\" right now");
    }
    if (!s.status().ok()) return s.status().error();
  }
  Stmt put(conn->get(),
           "INSERT INTO lightspeed_creates (account_id, kind, key, holder, lease_until, "
           "started_at) VALUES (?,?,?,?,?,?) ON CONFLICT (account_id, kind, key) DO UPDATE SET "
           "holder = excluded.holder, lease_until = excluded.lease_until, "
           "started_at = excluded.started_at");
  put.Bind(1, account).Bind(2, kind).Bind(3, key).Bind(4, holder);
  put.Bind(5, std::chrono::duration_cast<std::chrono::seconds>(until.time_since_epoch()).count());
  put.Bind(6, now);
  put.Step();
  if (!put.status().ok()) return put.status().error();
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return existed;
}

Status SqliteStore::FinishCreate(const std::string& account, const std::string& kind,
                                 const std::string& key, const std::string& holder) {
  auto conn = pool_->Take();
  Stmt s(conn->get(),
         "DELETE FROM lightspeed_creates WHERE account_id = ? AND kind = ? AND key = ? AND "
         "holder = ?");
  s.Bind(1, account).Bind(2, kind).Bind(3, key).Bind(4, holder);
  s.Step();
  return s.status();
}

Status SqliteStore::AbandonCreate(const std::string& account, const std::string& kind,
                                  const std::string& key, const std::string& holder) {
  auto conn = pool_->Take();
  Stmt s(conn->get(),
         "UPDATE lightspeed_creates SET lease_until = 0 WHERE account_id = ? AND kind = ? AND "
         "key = ? AND holder = ?");
  s.Bind(1, account).Bind(2, kind).Bind(3, key).Bind(4, holder);
  s.Step();
  return s.status();
}

}  // namespace store::sqlite
