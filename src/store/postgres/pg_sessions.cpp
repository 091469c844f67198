// Site manager sessions.
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store.h"
#include "store/rules.h"

namespace store::postgres {

using rules::FromSeconds;
using rules::Seconds;

Status PostgresStore::CreateSession(const Session& session) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_params0(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, oauth_state, created_at, "
        "last_seen_at) VALUES ($1, $2, $3, $4, $5, $6)",
        session.id_hash, session.user_id, session.csrf_token, session.oauth_state,
        Seconds(session.created_at), Seconds(session.last_seen_at));
    return {};
  });
}

Result<Session> PostgresStore::FindSession(const std::string& id_hash) {
  if (rules::HasNul(id_hash)) return base::NotFound("no such session");
  return pool_->Get<Session>([&](pqxx::work& w) -> Result<Session> {
    auto r = w.exec_params(
        "SELECT s.user_id, u.store_id, u.email, s.csrf_token, s.oauth_state, s.created_at, "
        "s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
        id_hash);
    if (r.empty()) return base::NotFound("no such session");
    Session out;
    out.id_hash = id_hash;
    out.user_id = r[0][0].as<int64_t>();
    out.store_id = StoreId{r[0][1].as<int64_t>()};
    out.email = r[0][2].as<std::string>();
    out.csrf_token = r[0][3].as<std::string>();
    out.oauth_state = r[0][4].as<std::string>();
    out.created_at = FromSeconds(r[0][5].as<int64_t>());
    out.last_seen_at = FromSeconds(r[0][6].as<int64_t>());
    return out;
  });
}

Status PostgresStore::TouchSession(const std::string& id_hash, base::TimePoint at) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_params0("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2", Seconds(at),
                   id_hash);
    return {};
  });
}

Status PostgresStore::SetSessionOAuthState(const std::string& id_hash, const std::string& state) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    auto r =
        w.exec_params0("UPDATE sessions SET oauth_state = $1 WHERE id_hash = $2", state, id_hash);
    if (r.affected_rows() == 0) return base::NotFound("no such session");
    return {};
  });
}

Status PostgresStore::DeleteSession(const std::string& id_hash) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_params0("DELETE FROM sessions WHERE id_hash = $1", id_hash);
    return {};
  });
}

Result<int64_t> PostgresStore::DeleteIdleSessions(base::TimePoint before) {
  return pool_->Get<int64_t>([&](pqxx::work& w) -> Result<int64_t> {
    auto r = w.exec_params0("DELETE FROM sessions WHERE last_seen_at < $1", Seconds(before));
    return static_cast<int64_t>(r.affected_rows());
  });
}

}  // namespace store::postgres
