// The create gate: one create per Lightspeed record in flight; search first once one was tried.
#include "store/rules.h"
#include "store/sqlite/sqlite_store.h"

namespace store::sqlite {

Result<bool> SqliteStore::BeginCreate(const std::string& account, const std::string& kind,
                                      const std::string& key, const std::string& holder,
                                      base::Duration lease) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  const int64_t now = NowSeconds();
  bool existed = false;
  {
    Stmt s(*conn,
           "SELECT holder, lease_until FROM lightspeed_creates WHERE account_id = ? AND kind = ? "
           "AND key = ?");
    s.Bind(1, account).Bind(2, kind).Bind(3, key);
    if (s.Step()) {
      existed = true;
      if (s.Text(0) != holder && s.Int(1) >= now) return rules::CreateInFlight(kind, key);
    }
    if (!s.status().ok()) return s.status().error();
  }
  Stmt put(*conn,
           "INSERT INTO lightspeed_creates (account_id, kind, key, holder, lease_until, "
           "started_at) VALUES (?,?,?,?,?,?) ON CONFLICT (account_id, kind, key) DO UPDATE SET "
           "holder = excluded.holder, lease_until = excluded.lease_until, "
           "started_at = excluded.started_at");
  put.Bind(1, account).Bind(2, kind).Bind(3, key).Bind(4, holder);
  put.Bind(5, Until(lease));
  put.Bind(6, now);
  put.Step();
  if (!put.status().ok()) return put.status().error();
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  // The mark must outlive a power cut: a create sent after it may land.
  if (auto d = conn->SyncWal(); !d.ok()) return d.error();
  return existed;
}

namespace {

// Opens the gate at `until` (whole seconds: open once lease_until < now) if `holder` still holds
// it.
Status Release(Conn& conn, const std::string& account, const std::string& kind,
               const std::string& key, const std::string& holder, int64_t until) {
  Stmt s(conn,
         "UPDATE lightspeed_creates SET lease_until = ? WHERE account_id = ? AND kind = ? AND "
         "key = ? AND holder = ?");
  s.Bind(1, until - 1).Bind(2, account).Bind(3, kind).Bind(4, key).Bind(5, holder);
  s.Step();
  return s.status();
}

}  // namespace

Status SqliteStore::EndCreate(const std::string& account, const std::string& kind,
                              const std::string& key, const std::string& holder,
                              base::Duration reopen_after) {
  auto conn = pool_->Take();
  // Whole seconds, rounded up: the gate must not open before `reopen_after` has passed (and
  // opens at once for zero).
  const int64_t until = reopen_after <= base::Duration::zero()
                            ? NowSeconds()
                            : std::chrono::ceil<std::chrono::seconds>(
                                  (clock_->Now() + reopen_after).time_since_epoch())
                                  .count();
  return Release(*conn, account, kind, key, holder, until);
}

Status SqliteStore::EndCreateLinked(StoreId store, const std::string& account,
                                    const std::string& kind, const std::string& key,
                                    const std::string& holder, const std::string& lightspeed_id) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  if (auto st = PutLinkOn(*conn, store, account, kind, key, lightspeed_id); !st.ok()) return st;
  if (auto st = Release(*conn, account, kind, key, holder, NowSeconds()); !st.ok()) return st;
  return txn.Commit();
}

}  // namespace store::sqlite
