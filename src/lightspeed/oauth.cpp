#include "lightspeed/oauth.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/crash_points.h"
#include "base/secrets.h"
#include "lightspeed/wire.h"

namespace lightspeed {
namespace {

std::string Escape(const std::string& s) { return UrlEscape(s); }

// Refresh this long before the stated expiry, so a token never dies in flight.
constexpr auto kExpiryMargin = std::chrono::seconds(60);
constexpr auto kLeaseTtl = std::chrono::seconds(30);
constexpr auto kLeasePoll = std::chrono::milliseconds(50);
constexpr auto kMaxExpiresIn = std::chrono::seconds(86400);
constexpr auto kRememberFor = std::chrono::seconds(30);

// An access token that is there and not within kExpiryMargin of its end at `now`.
bool Usable(const StoredTokens& t, base::TimePoint now) {
  return !t.access_token.empty() && t.access_expires_at - kExpiryMargin > now;
}

}  // namespace

std::string OAuthClient::AuthorizeUrl(const std::string& redirect_uri, const std::string& state,
                                      const std::string& scope) const {
  return options_.auth_base +
         "/auth/oauth/authorize?response_type=code&client_id=" + Escape(options_.client_id) +
         "&scope=" + Escape(scope) + "&state=" + Escape(state) +
         "&redirect_uri=" + Escape(redirect_uri);
}

base::Result<TokenPair> OAuthClient::ExchangeCode(const std::string& code,
                                                  const std::string& redirect_uri) {
  return TokenRequest("grant_type=authorization_code&code=" + Escape(code) +
                      "&redirect_uri=" + Escape(redirect_uri));
}

base::Result<TokenPair> OAuthClient::Refresh(const std::string& refresh_token) {
  return TokenRequest("grant_type=refresh_token&refresh_token=" + Escape(refresh_token));
}

base::Result<TokenPair> OAuthClient::TokenRequest(const std::string& form) {
  HttpRequest req;
  req.method = "POST";
  req.url = options_.auth_base + "/auth/oauth/token";
  req.headers["Content-Type"] = "application/x-www-form-urlencoded";
  req.headers["Accept"] = "application/json";
  req.body = form + "&client_id=" + Escape(options_.client_id) +
             "&client_secret=" + Escape(options_.client_secret);
  HttpResponse res = transport_.Send(req);
  if (res.delivery != Delivery::kAnswered)
    return base::Unavailable(
        "Lightspeed's sign-in service could not be reached: " +
            wire::Utf8Text(res.transport_error, 200),
        res.delivery == Delivery::kNotSent ? "transport_not_sent" : "transport_uncertain");
  const wire::json body = wire::json::parse(res.body, nullptr, false);
  if (res.status >= 400) {
    const std::string error = body.is_object() ? wire::Str(body, "error") : "";
    if (error == "invalid_grant" || error == "invalid_client")
      return base::Unauthenticated(
          "Reconnect to Lightspeed: Lightspeed no longer accepts this store's authorization (" +
              wire::ErrorMessage(res.body, res.status) + ")",
          "invalid_grant");
    // The token endpoint has its own limit (about five refreshes a minute) and its own outages:
    // both pass, so the export waits instead of stopping.
    if (res.status == 429) {
      const std::string retry = res.Header("retry-after");
      return base::RateLimited("Lightspeed's sign-in service asked us to slow down",
                               retry.empty() ? 15.0 : std::max(1.0, std::atof(retry.c_str())),
                               "oauth_rate_limited");
    }
    const std::string message =
        "Lightspeed refused the token request: " + wire::ErrorMessage(res.body, res.status);
    if (res.status >= 500) return base::Unavailable(message, "oauth_error");
    return base::Invalid("", message, "oauth_error");
  }
  TokenPair pair{wire::Str(body, "access_token"), wire::Str(body, "refresh_token")};
  const std::string expires = wire::Str(body, "expires_in");
  // Lightspeed says 3600. More than a day would overflow the clock's nanoseconds (UB) when
  // added to it, or stop spoke refreshing before the token dies: take at most a day.
  if (!expires.empty())
    pair.expires_in_s =
        std::clamp<int64_t>(std::strtoll(expires.c_str(), nullptr, 10), 0, kMaxExpiresIn.count());
  if (pair.access_token.empty() || pair.refresh_token.empty())
    return base::Unavailable("Lightspeed's token answer had no tokens", "oauth_error");
  return pair;
}

TokenManager::TokenManager(TokenVault& vault, OAuthClient& oauth, base::Clock& clock)
    : vault_(vault), oauth_(oauth), clock_(clock) {
  holder_ = std::to_string(getpid()) + "-" + base::RandomHex(6);
}

void TokenManager::Remember(const StoredTokens& tokens) {
  base::MutexLock lock(remembered_mu_);
  remembered_ = tokens;
  remembered_at_ = clock_.Now();
}

base::Result<std::string> TokenManager::AccessToken() {
  const base::TimePoint now = clock_.Now();
  {
    base::MutexLock lock(remembered_mu_);
    if (Usable(remembered_, now) && now >= remembered_at_ && now - remembered_at_ < kRememberFor)
      return remembered_.access_token;
  }
  auto tokens = vault_.Load();
  if (!tokens.ok()) return tokens.error();
  if (Usable(*tokens, now)) {
    Remember(*tokens);
    return tokens->access_token;
  }
  return RefreshUnless(tokens->access_token);
}

base::Result<std::string> TokenManager::Refreshed(const std::string& rejected) {
  {
    base::MutexLock lock(remembered_mu_);
    if (remembered_.access_token == rejected) remembered_ = {};
  }
  return RefreshUnless(rejected);
}

// Refreshes unless someone already replaced `stale`. Only the lease holder calls Lightspeed, and
// it re-reads the tokens after taking the lease, so one expiry causes exactly one refresh.
base::Result<std::string> TokenManager::RefreshUnless(const std::string& stale) {
  base::MutexLock one_at_a_time(refresh_mu_);
  const base::TimePoint give_up = clock_.Now() + kLeaseTtl + std::chrono::seconds(5);
  for (;;) {
    auto tokens = vault_.Load();
    if (!tokens.ok()) return tokens.error();
    if (tokens->access_token != stale && Usable(*tokens, clock_.Now())) {
      Remember(*tokens);
      return tokens->access_token;
    }
    auto leased = vault_.TryLease(holder_, kLeaseTtl);
    if (!leased.ok()) return leased.error();
    if (*leased) {
      auto again = vault_.Load();
      if (!again.ok()) {
        (void)vault_.Release(holder_);
        return again.error();
      }
      if (again->access_token != stale && Usable(*again, clock_.Now())) {
        (void)vault_.Release(holder_);
        Remember(*again);
        return again->access_token;
      }
      auto next = RefreshHoldingLease(*again);
      if (!next.ok()) return next.error();
      return next->access_token;
    }
    if (clock_.Now() > give_up)
      return base::Unavailable(
          "another process has been refreshing the Lightspeed token for "
          "too long");
    clock_.SleepFor(kLeasePoll);
  }
}

base::Result<StoredTokens> TokenManager::RefreshHoldingLease(const StoredTokens& current) {
  auto pair = oauth_.Refresh(current.refresh_token);
  if (!pair.ok()) {
    if (pair.error().reason == "invalid_grant") (void)vault_.MarkReconnect(pair.error().message);
    (void)vault_.Release(holder_);
    return pair.error();
  }
  base::CrashPoint("after_token_rotated");
  const base::TimePoint now = clock_.Now();
  StoredTokens next{pair->access_token, pair->refresh_token,
                    now + std::chrono::seconds(pair->expires_in_s), now};
  // Durable before use: the old refresh token dies once the new access token is used.
  if (auto saved = vault_.Save(next, holder_); !saved.ok()) return saved.error();
  Remember(next);
  return next;
}

base::Result<bool> TokenManager::RefreshIfIssuedBefore(base::TimePoint issued_before) {
  base::MutexLock one_at_a_time(refresh_mu_);
  auto due = [issued_before](const StoredTokens& t) {
    return t.refresh_issued_at == base::TimePoint{} || t.refresh_issued_at < issued_before;
  };
  auto tokens = vault_.Load();
  if (!tokens.ok()) return tokens.error();
  if (!due(*tokens)) return false;
  auto leased = vault_.TryLease(holder_, kLeaseTtl);
  if (!leased.ok()) return leased.error();
  if (!*leased) return false;  // another process is refreshing right now: that will do
  auto again = vault_.Load();  // the lease holder before us may have refreshed already
  if (!again.ok() || !due(*again)) {
    (void)vault_.Release(holder_);
    if (!again.ok()) return again.error();
    return false;
  }
  auto next = RefreshHoldingLease(*again);
  if (!next.ok()) return next.error();
  return true;
}

}  // namespace lightspeed
