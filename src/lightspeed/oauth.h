// OAuth for Lightspeed: the authorization-code exchange, refresh with rotating refresh tokens, and
// a TokenManager that lets at most one refresh per store happen at a time across threads and
// processes (through a lease in the TokenVault, i.e. a database row) and stores the new pair
// durably before anyone uses it.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/result.h"
#include "lightspeed/transport.h"

namespace lightspeed {

struct OAuthOptions {
  std::string auth_base;  // "https://cloud.lightspeedapp.com"
  std::string client_id, client_secret;
};

struct TokenPair {
  std::string access_token, refresh_token;
  int64_t expires_in_s = 3600;
};

class OAuthClient {
 public:
  OAuthClient(OAuthOptions options, Transport& transport)
      : options_(std::move(options)), transport_(transport) {}
  std::string AuthorizeUrl(const std::string& redirect_uri, const std::string& state,
                           const std::string& scope = "employee:all") const;
  base::Result<TokenPair> ExchangeCode(const std::string& code, const std::string& redirect_uri);
  // kUnauthenticated with reason "invalid_grant" when Lightspeed refuses the refresh token.
  base::Result<TokenPair> Refresh(const std::string& refresh_token);

 private:
  base::Result<TokenPair> TokenRequest(const std::string& form);
  OAuthOptions options_;
  Transport& transport_;
};

struct StoredTokens {
  std::string access_token, refresh_token;
  base::TimePoint access_expires_at;
  base::TimePoint refresh_issued_at;  // when the refresh token was issued (epoch: unknown)
};

// Where one store's tokens live (implemented over the database by the exporter).
class TokenVault {
 public:
  virtual ~TokenVault() = default;
  virtual base::Result<StoredTokens> Load() = 0;
  // Takes the refresh lease for `ttl` unless another holder has an unexpired one.
  virtual base::Result<bool> TryLease(const std::string& holder, base::Duration ttl) = 0;
  // Stores the new pair and releases the lease, in one transaction.
  virtual base::Status Save(const StoredTokens& tokens, const std::string& holder) = 0;
  virtual base::Status Release(const std::string& holder) = 0;
  // Lightspeed refused the refresh token: the merchant must reconnect.
  virtual base::Status MarkReconnect(const std::string& message) = 0;
};

// Hands out access tokens to API calls, refreshing when one has expired or was refused.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual base::Result<std::string> AccessToken() = 0;
  // `rejected` got a 401: returns a different, fresh token (refreshing once if nobody has yet).
  virtual base::Result<std::string> Refreshed(const std::string& rejected) = 0;
};

class TokenManager : public TokenSource {
 public:
  TokenManager(TokenVault& vault, OAuthClient& oauth, base::Clock& clock);
  base::Result<std::string> AccessToken() override;
  base::Result<std::string> Refreshed(const std::string& rejected) override;
  // The keep-alive of a quiet store: refreshes (under the same lease, so one process does it)
  // when the refresh token was issued before `issued_before` or when is unknown. True when this
  // call refreshed; false when nothing was due or another process holds the lease.
  base::Result<bool> RefreshIfIssuedBefore(base::TimePoint issued_before);

 private:
  // Trades `current`'s refresh token for a new pair and stores it; the lease is held.
  base::Result<StoredTokens> RefreshHoldingLease(const StoredTokens& current) REQUIRES(refresh_mu_);
  base::Result<std::string> RefreshUnless(const std::string& stale) EXCLUDES(refresh_mu_);
  // The access token last read or written, so a request does not read (and decrypt) the vault.
  // Used while fresh and for kRememberFor at most: a token another process refreshed since is
  // picked up then, or at once when Lightspeed refuses the old one (Refreshed reads the vault).
  void Remember(const StoredTokens& tokens) EXCLUDES(remembered_mu_);
  TokenVault& vault_;
  OAuthClient& oauth_;
  base::Clock& clock_;
  std::string holder_;  // unique per manager: process id + random
  // Threads of this process queue here; the vault's lease then orders processes.
  base::Mutex refresh_mu_;
  base::Mutex remembered_mu_;
  StoredTokens remembered_ GUARDED_BY(remembered_mu_);
  base::TimePoint remembered_at_ GUARDED_BY(remembered_mu_);
};

}  // namespace lightspeed
