// The site's shared state in SQLite: flash messages per session and the login throttle's
// attempts. Every method is one transaction; BEGIN IMMEDIATE makes a reservation atomic across
// the processes (and nodes) that share the file.
#include <algorithm>

#include "store/sqlite/sqlite_store.h"

namespace store::sqlite {
namespace {

constexpr const char* kEmail = "email";
constexpr const char* kAddress = "address";

int64_t Millis(base::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Forgets every attempt of `kind` whose window has passed: this keeps the table bounded, not
// only the keys being tried now.
Status TrimAttempts(Conn& conn, const char* kind, int64_t now_ms, const LoginLimit& limit) {
  Stmt s(conn, "DELETE FROM login_attempts WHERE kind = ? AND attempted_ms <= ?");
  s.Bind(1, kind).Bind(2, now_ms - Millis(limit.window));
  s.Step();
  return s.status();
}

// How long `key` must wait before it is under its limit again, or nullopt if it is now.
Result<std::optional<base::Duration>> WaitFor(Conn& conn, const char* kind, const std::string& key,
                                              int64_t now_ms, const LoginLimit& limit) {
  Stmt s(conn,
         "SELECT attempted_ms FROM login_attempts WHERE kind = ? AND key = ? "
         "ORDER BY attempted_ms, id");
  s.Bind(1, kind).Bind(2, key);
  std::vector<int64_t> times;
  while (s.Step()) times.push_back(s.Int(0));
  if (!s.status().ok()) return s.status().error();
  const int64_t over = static_cast<int64_t>(times.size()) - std::max(limit.max_attempts, 0);
  if (over < 0) return std::optional<base::Duration>();
  // Under the limit again once the oldest `over + 1` attempts have left the window.
  const int64_t free_at = times[static_cast<size_t>(over)] + Millis(limit.window);
  return std::optional<base::Duration>(std::chrono::milliseconds(free_at - now_ms));
}

Status Record(Conn& conn, const char* kind, const std::string& key, int64_t now_ms) {
  Stmt s(conn, "INSERT INTO login_attempts (kind, key, attempted_ms) VALUES (?, ?, ?)");
  s.Bind(1, kind).Bind(2, key).Bind(3, now_ms);
  s.Step();
  return s.status();
}

}  // namespace

Status SqliteStore::AddFlash(const std::string& session_hash, const SessionFlash& flash) {
  auto conn = pool_->Take();
  // A session that is gone (logged out meanwhile) or already full gets nothing.
  Stmt s(*conn,
         "INSERT INTO session_flashes (session_hash, error, text) SELECT ?, ?, ? "
         "WHERE EXISTS (SELECT 1 FROM sessions WHERE id_hash = ?) "
         "AND (SELECT COUNT(*) FROM session_flashes WHERE session_hash = ?) < ?");
  s.Bind(1, session_hash)
      .Bind(2, static_cast<int64_t>(flash.error))
      .Bind(3, flash.text)
      .Bind(4, session_hash)
      .Bind(5, session_hash)
      .Bind(6, static_cast<int64_t>(kMaxSessionFlashes));
  s.Step();
  return s.status();
}

Result<std::vector<SessionFlash>> SqliteStore::TakeFlashes(const std::string& session_hash) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  std::vector<SessionFlash> out;
  {
    Stmt s(*conn, "SELECT error, text FROM session_flashes WHERE session_hash = ? ORDER BY id");
    s.Bind(1, session_hash);
    while (s.Step()) out.push_back({s.Int(0) != 0, s.Text(1)});
    if (!s.status().ok()) return s.status().error();
  }
  if (out.empty()) return out;
  Stmt del(*conn, "DELETE FROM session_flashes WHERE session_hash = ?");
  del.Bind(1, session_hash);
  del.Step();
  if (!del.status().ok()) return del.status().error();
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return out;
}

Result<std::optional<base::Duration>> SqliteStore::ReserveLoginAttempt(
    const std::string& email_key, const std::string& address_key, const LoginLimits& limits) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  const int64_t now_ms = Millis(clock_->Now().time_since_epoch());
  if (auto s = TrimAttempts(*conn, kEmail, now_ms, limits.per_email); !s.ok()) return s.error();
  if (auto s = TrimAttempts(*conn, kAddress, now_ms, limits.per_address); !s.ok()) return s.error();
  auto by_email = WaitFor(*conn, kEmail, email_key, now_ms, limits.per_email);
  if (!by_email.ok()) return by_email.error();
  auto by_address = WaitFor(*conn, kAddress, address_key, now_ms, limits.per_address);
  if (!by_address.ok()) return by_address.error();
  if (*by_email || *by_address) {
    // Refused: nothing is counted (the trim is kept).
    if (auto c = txn.Commit(); !c.ok()) return c.error();
    return std::optional<base::Duration>(std::max(by_email->value_or(base::Duration::zero()),
                                                  by_address->value_or(base::Duration::zero())));
  }
  if (auto s = Record(*conn, kEmail, email_key, now_ms); !s.ok()) return s.error();
  if (auto s = Record(*conn, kAddress, address_key, now_ms); !s.ok()) return s.error();
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return std::optional<base::Duration>();
}

Status SqliteStore::LoginSucceeded(const std::string& email_key, const std::string& address_key) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun();
  {
    Stmt s(*conn, "DELETE FROM login_attempts WHERE kind = ? AND key = ?");
    s.Bind(1, kEmail).Bind(2, email_key);
    s.Step();
    if (!s.status().ok()) return s.status();
  }
  // Only this attempt is given back: a right password for one account must not wipe the
  // address's failures against others.
  Stmt s(*conn,
         "DELETE FROM login_attempts WHERE id = (SELECT id FROM login_attempts WHERE kind = ? "
         "AND key = ? ORDER BY attempted_ms DESC, id DESC LIMIT 1)");
  s.Bind(1, kAddress).Bind(2, address_key);
  s.Step();
  if (!s.status().ok()) return s.status();
  return txn.Commit();
}

}  // namespace store::sqlite
