// Who may see a store: site manager users and their sessions, and the JSON API's tokens. One of
// the four concerns store::Store joins (store.h). Sessions live in the database, so a user's
// requests may land on any `spoke serve` node.
#pragma once

#include <string>

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
};

}  // namespace store
