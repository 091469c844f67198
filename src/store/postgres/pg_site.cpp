// The site's shared state in PostgreSQL: flash messages per session and the login throttle's
// attempts (AccessStore in access.h); their tables are migration 3 (migrations.cpp).
//
// Attempts are instants in epoch milliseconds (a refused login says how long to wait), on the
// database's clock unless a test clock is bound.
#include <algorithm>

#include "store/postgres/pg_store.h"

namespace store::postgres {
namespace {

constexpr const char* kEmail = "email";
constexpr const char* kAddress = "address";

// Advisory lock classes (the two-int form): one per kind, so an e-mail's lock and an address's
// can never be the same lock whatever their hashes.
constexpr int kEmailLockClass = 1301;
constexpr int kAddressLockClass = 1302;

// clock_timestamp(), not now(): the instant after the locks were taken, not when the
// transaction began.
constexpr const char* kNowMsSql =
    "SELECT COALESCE($1::BIGINT, FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT)";

int64_t Millis(base::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::optional<int64_t> ClockMillis(base::Clock* clock) {
  if (!clock) return std::nullopt;
  return Millis(clock->Now().time_since_epoch());
}

// Serializes every reservation and success of one e-mail and of one address across all
// connections and nodes until the transaction ends: under READ COMMITTED two transactions could
// otherwise both count four attempts and both record a fifth. Always the e-mail's lock first,
// then the address's, so two transactions never wait for each other in a circle.
void LockKeys(pqxx::work& w, const std::string& email_key, const std::string& address_key) {
  w.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", kEmailLockClass, email_key);
  w.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", kAddressLockClass, address_key);
}

// Deletes attempts of `kind` whose window has passed, keeping the table bounded. Rows another
// transaction is deleting are skipped (SKIP LOCKED), so trims never wait for or deadlock with
// each other; what is left is deleted by a later call, and counts ignore it meanwhile.
void TrimAttempts(pqxx::work& w, const char* kind, int64_t now_ms, const LoginLimit& limit) {
  w.exec_params(
      "DELETE FROM login_attempts WHERE id IN (SELECT id FROM login_attempts WHERE kind = $1 "
      "AND attempted_ms <= $2 LIMIT 1000 FOR UPDATE SKIP LOCKED)",
      kind, now_ms - Millis(limit.window));
}

// How long `key` must wait before it is under its limit again, or nullopt if it is now.
std::optional<base::Duration> WaitFor(pqxx::work& w, const char* kind, const std::string& key,
                                      int64_t now_ms, const LoginLimit& limit) {
  const pqxx::result r = w.exec_params(
      "SELECT attempted_ms FROM login_attempts WHERE kind = $1 AND key = $2 AND attempted_ms > "
      "$3 ORDER BY attempted_ms, id",
      kind, key, now_ms - Millis(limit.window));
  const int64_t over = static_cast<int64_t>(r.size()) - std::max(limit.max_attempts, 0);
  if (over < 0) return std::nullopt;
  const int64_t free_at =
      r[static_cast<pqxx::result::size_type>(over)][0].as<int64_t>() + Millis(limit.window);
  return std::chrono::milliseconds(free_at - now_ms);
}

}  // namespace

Status PostgresStore::AddFlash(const std::string& session_hash, const SessionFlash& flash) {
  // A session that is gone or already full gets nothing. The session row is locked (FOR KEY
  // SHARE), so a logout at the same moment either waits for this add or is seen as gone: never a
  // foreign-key error. The cap is soft across nodes (two adds at once may both see 49); it only
  // keeps a session's flashes from growing without bound.
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_params(
        "INSERT INTO session_flashes (session_hash, error, text) SELECT $1, $2, $3 "
        "WHERE EXISTS (SELECT 1 FROM sessions WHERE id_hash = $1 FOR KEY SHARE) "
        "AND (SELECT COUNT(*) FROM session_flashes WHERE session_hash = $1) < $4",
        session_hash, flash.error, flash.text, kMaxSessionFlashes);
    return Status();
  });
}

Result<std::vector<SessionFlash>> PostgresStore::TakeFlashes(const std::string& session_hash) {
  // DELETE … RETURNING takes each row once: a concurrent take on another node waits for the
  // row locks and then finds the rows gone.
  return pool_->Get<std::vector<SessionFlash>>(
      [&](pqxx::work& w) -> Result<std::vector<SessionFlash>> {
        const pqxx::result r = w.exec_params(
            "DELETE FROM session_flashes WHERE session_hash = $1 RETURNING id, error, text",
            session_hash);
        std::vector<std::pair<int64_t, SessionFlash>> rows;
        rows.reserve(r.size());
        for (const auto& row : r)
          rows.push_back({row[0].as<int64_t>(), {row[1].as<bool>(), row[2].as<std::string>()}});
        std::sort(rows.begin(), rows.end(),
                  [](const auto& x, const auto& y) { return x.first < y.first; });
        std::vector<SessionFlash> out;
        out.reserve(rows.size());
        for (auto& [id, f] : rows) out.push_back(std::move(f));
        return out;
      });
}

Result<std::optional<base::Duration>> PostgresStore::ReserveLoginAttempt(
    const std::string& email_key, const std::string& address_key, const LoginLimits& limits) {
  const std::optional<int64_t> clock_ms = ClockMillis(clock_);
  return pool_->Get<std::optional<base::Duration>>(
      [&](pqxx::work& w) -> Result<std::optional<base::Duration>> {
        LockKeys(w, email_key, address_key);
        const int64_t now_ms = w.exec_params(kNowMsSql, clock_ms)[0][0].as<int64_t>();
        TrimAttempts(w, kEmail, now_ms, limits.per_email);
        TrimAttempts(w, kAddress, now_ms, limits.per_address);
        const auto by_email = WaitFor(w, kEmail, email_key, now_ms, limits.per_email);
        const auto by_address = WaitFor(w, kAddress, address_key, now_ms, limits.per_address);
        if (by_email || by_address)  // refused: nothing is counted
          return std::optional<base::Duration>(
              std::max(by_email.value_or(base::Duration::zero()),
                       by_address.value_or(base::Duration::zero())));
        w.exec_params(
            "INSERT INTO login_attempts (kind, key, attempted_ms) VALUES ($1, $2, $5), "
            "($3, $4, $5)",
            kEmail, email_key, kAddress, address_key, now_ms);
        return std::optional<base::Duration>();
      });
}

Status PostgresStore::LoginSucceeded(const std::string& email_key, const std::string& address_key) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    LockKeys(w, email_key, address_key);
    w.exec_params("DELETE FROM login_attempts WHERE kind = $1 AND key = $2", kEmail, email_key);
    // Only this attempt is given back: a right password for one account must not wipe the
    // address's failures against others.
    w.exec_params(
        "DELETE FROM login_attempts WHERE id = (SELECT id FROM login_attempts WHERE kind = $1 "
        "AND key = $2 ORDER BY attempted_ms DESC, id DESC LIMIT 1)",
        kAddress, address_key);
    return Status();
  });
}

}  // namespace store::postgres
