// The create gate: one create per Lightspeed record in flight; search first once one was tried.
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store.h"
#include "store/rules.h"

namespace store::postgres {
namespace {
const std::string kNow = kNowSql;
}  // namespace

Result<bool> PostgresStore::BeginCreate(const std::string& account, const std::string& kind,
                                        const std::string& key, const std::string& holder,
                                        base::Duration lease) {
  // One statement, so two writers racing for a new key cannot both take it: the second waits
  // for the first's row, then finds it held. `taken` > 1: a create of this key was tried before.
  return pool_->Get<bool>([&](pqxx::work& w) -> Result<bool> {
    auto r = w.exec_prepared(
        Prepare(w,
                "INSERT INTO lightspeed_creates AS c (account_id, kind, key, holder, lease_until, "
                "started_at) VALUES ($2, $3, $4, $5, " +
                    UntilSql(6, 7) + ", " + kNow +
                    ") ON CONFLICT (account_id, kind, key) DO UPDATE SET holder = excluded.holder, "
                    "lease_until = excluded.lease_until, started_at = excluded.started_at, "
                    "taken = c.taken + 1 WHERE c.holder = excluded.holder OR c.lease_until < " +
                    kNow + " RETURNING taken"),
        ClockSeconds(), account, kind, key, holder, ClockUntil(lease), Micros(lease));
    if (r.empty()) return rules::CreateInFlight(kind, key);
    return r[0][0].as<int64_t>() > 1;
  });
}

Status PostgresStore::EndCreate(const std::string& account, const std::string& kind,
                                const std::string& key, const std::string& holder,
                                base::Duration reopen_after) {
  // The gate opens once lease_until < now. Whole seconds, rounded up: it must not open before
  // `reopen_after` has passed, and opens at once for zero or less.
  std::optional<int64_t> until;
  std::optional<int64_t> micros;
  if (reopen_after > base::Duration::zero()) micros = Micros(reopen_after);
  if (clock_) {
    until = reopen_after <= base::Duration::zero()
                ? rules::Seconds(clock_->Now())
                : std::chrono::ceil<std::chrono::seconds>(
                      (clock_->Now() + reopen_after).time_since_epoch())
                      .count();
  }
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_prepared0(
        Prepare(
            w,
            "UPDATE lightspeed_creates SET lease_until = CASE WHEN $2::bigint IS NOT NULL THEN "
            "$2::bigint WHEN $3::bigint IS NULL THEN " +
                kNow +
                " ELSE CEIL(EXTRACT(EPOCH FROM now()) + $3::bigint / 1000000.0)::bigint END - 1 "
                "WHERE account_id = $4 AND kind = $5 AND key = $6 AND holder = $7"),
        ClockSeconds(), until, micros, account, kind, key, holder);
    return {};
  });
}

Status PostgresStore::EndCreateLinked(StoreId store, const std::string& account,
                                      const std::string& kind, const std::string& key,
                                      const std::string& holder, const std::string& lightspeed_id) {
  // One statement: the link is kept whoever holds the gate now; the gate opens if still ours.
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_prepared0(
        Prepare(w, "WITH released AS (UPDATE lightspeed_creates SET lease_until = " + kNow +
                       " - 1 WHERE account_id = $3 AND kind = $4 AND key = $5 AND holder = $6) "
                       "INSERT INTO lightspeed_links (store_id, account_id, kind, key, "
                       "lightspeed_id, created_at) VALUES ($2, $3, $4, $5, $7, " +
                       kNow +
                       ") ON CONFLICT (store_id, account_id, kind, key) "
                       "DO UPDATE SET lightspeed_id = excluded.lightspeed_id"),
        ClockSeconds(), store.value, account, kind, key, holder, lightspeed_id);
    return {};
  });
}

}  // namespace store::postgres
