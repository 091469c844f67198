// Site manager sessions in SQLite.
#include "store/sqlite/sqlite_store.h"

namespace store::sqlite {
namespace {

int64_t Seconds(base::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

base::TimePoint FromSeconds(int64_t s) { return base::TimePoint(std::chrono::seconds(s)); }

}  // namespace

Status SqliteStore::CreateSession(const Session& session) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "INSERT INTO sessions (id_hash, user_id, csrf_token, oauth_state, created_at, "
         "last_seen_at) VALUES (?, ?, ?, ?, ?, ?)");
  s.Bind(1, session.id_hash)
      .Bind(2, session.user_id)
      .Bind(3, session.csrf_token)
      .Bind(4, session.oauth_state)
      .Bind(5, Seconds(session.created_at))
      .Bind(6, Seconds(session.last_seen_at));
  s.Step();
  return s.status();
}

Result<Session> SqliteStore::FindSession(const std::string& id_hash) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "SELECT s.user_id, u.store_id, u.email, s.csrf_token, s.oauth_state, s.created_at, "
         "s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?");
  s.Bind(1, id_hash);
  if (s.Step()) {
    Session out;
    out.id_hash = id_hash;
    out.user_id = s.Int(0);
    out.store_id = StoreId{s.Int(1)};
    out.email = s.Text(2);
    out.csrf_token = s.Text(3);
    out.oauth_state = s.Text(4);
    out.created_at = FromSeconds(s.Int(5));
    out.last_seen_at = FromSeconds(s.Int(6));
    return out;
  }
  if (!s.status().ok()) return s.status().error();
  return base::NotFound("no such session");
}

Status SqliteStore::TouchSession(const std::string& id_hash, base::TimePoint at) {
  auto conn = pool_->Take();
  Stmt s(*conn, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?");
  s.Bind(1, Seconds(at)).Bind(2, id_hash);
  s.Step();
  return s.status();
}

Status SqliteStore::SetSessionOAuthState(const std::string& id_hash, const std::string& state) {
  auto conn = pool_->Take();
  Stmt s(*conn, "UPDATE sessions SET oauth_state = ? WHERE id_hash = ?");
  s.Bind(1, state).Bind(2, id_hash);
  s.Step();
  if (!s.status().ok()) return s.status();
  if (conn->Changes() == 0) return base::NotFound("no such session");
  return base::Status();
}

Status SqliteStore::DeleteSession(const std::string& id_hash) {
  auto conn = pool_->Take();
  Stmt s(*conn, "DELETE FROM sessions WHERE id_hash = ?");
  s.Bind(1, id_hash);
  s.Step();
  return s.status();
}

Result<int64_t> SqliteStore::DeleteIdleSessions(base::TimePoint before) {
  auto conn = pool_->Take();
  Stmt s(*conn, "DELETE FROM sessions WHERE last_seen_at < ?");
  s.Bind(1, Seconds(before));
  s.Step();
  if (!s.status().ok()) return s.status().error();
  return static_cast<int64_t>(conn->Changes());
}

}  // namespace store::sqlite
