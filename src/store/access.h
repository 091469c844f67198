// Who may see a store: site manager users and their sessions, and the JSON API's tokens. One of
// the four concerns store::Store joins (store.h). Sessions live in the database, so a user's
// requests may land on any `spoke serve` node.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/orders.h"

namespace store {

struct User {
  int64_t id = 0;
  StoreId store_id;
  std::string email, password_hash;
};

// A logged-in site manager user. The user's store is the only store the session sees.
struct Session {
  std::string id_hash;  // SHA-256 of the cookie value
  int64_t user_id = 0;
  StoreId store_id;   // filled by FindSession
  std::string email;  // filled by FindSession
  std::string csrf_token;
  std::string oauth_state;  // the pending Connect round trip's state, empty when none
  base::TimePoint created_at, last_seen_at;
};

// A message shown once on a session's next page ("Settings saved.").
struct SessionFlash {
  bool error = false;
  std::string text;
};
// A session holds at most this many unshown flashes; later ones are dropped.
inline constexpr int kMaxSessionFlashes = 50;

// How many login attempts a key (an e-mail, a client address) may make within a window.
struct LoginLimit {
  int max_attempts = 5;                             // within `window`, then the key waits
  base::Duration window = std::chrono::minutes(5);  // how long an attempt counts; the longest wait
};
struct LoginLimits {
  LoginLimit per_email;
  LoginLimit per_address;
};

class AccessStore {
 public:
  virtual ~AccessStore() = default;

  virtual Result<User> AddUser(StoreId store, const std::string& email,
                               const std::string& password_hash) = 0;
  virtual Result<User> FindUser(const std::string& email) = 0;
  // Tokens are stored as hashes; FindTokenStore answers kUnauthenticated for unknown ones.
  virtual Status AddApiToken(StoreId store, const std::string& token_hash,
                             const std::string& label) = 0;
  virtual Result<StoreId> FindTokenStore(const std::string& token_hash) = 0;

  // Site manager sessions. The cookie's id is never stored, only its SHA-256.
  virtual Status CreateSession(const Session& session) = 0;
  // kNotFound when there is no such session (logged out, expired and swept, or never existed).
  virtual Result<Session> FindSession(const std::string& id_hash) = 0;
  virtual Status TouchSession(const std::string& id_hash, base::TimePoint at) = 0;
  virtual Status SetSessionOAuthState(const std::string& id_hash, const std::string& state) = 0;
  virtual Status DeleteSession(const std::string& id_hash) = 0;
  // Removes sessions not seen since `before`; answers how many.
  virtual Result<int64_t> DeleteIdleSessions(base::TimePoint before) = 0;

  // Flash messages, kept per session in the database so the next page may be served by any
  // node. AddFlash drops the message when the session already holds kMaxSessionFlashes.
  // TakeFlashes answers them in the order they were added and deletes them in the same
  // transaction, so each is shown once; deleting a session deletes its flashes.
  virtual Status AddFlash(const std::string& session_hash, const SessionFlash& flash) = 0;
  virtual Result<std::vector<SessionFlash>> TakeFlashes(const std::string& session_hash) = 0;

  // The login throttle's attempts, shared by every node. In one transaction, on the database's
  // clock: forgets attempts older than their key's window, checks both keys against their
  // limits and, only when both are under them, records this attempt for both. nullopt: go ahead
  // (the attempt is counted before the password is checked, so parallel guesses on any nodes
  // cannot slip past the limit); otherwise how long until the longer-waiting key may try again,
  // and nothing was recorded. Storage stays bounded: a key holds at most its limit of attempts,
  // and attempts are deleted once their window has passed.
  virtual Result<std::optional<base::Duration>> ReserveLoginAttempt(const std::string& email_key,
                                                                    const std::string& address_key,
                                                                    const LoginLimits& limits) = 0;
  // The password was right: forgets the e-mail's attempts and the address's newest one (this
  // attempt); the address's other attempts still count.
  virtual Status LoginSucceeded(const std::string& email_key, const std::string& address_key) = 0;
};

}  // namespace store
