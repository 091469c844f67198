// OAuth 2.0 authorization code flow with rotating refresh tokens (the 2026 behaviour: the old
// refresh token dies when the new access token is first used, together with its siblings).
#include <algorithm>
#include <optional>

#include "base/secrets.h"
#include "sim/engine.h"
#include "sim/model.h"
#include "sim/query.h"

namespace sim {
namespace {

constexpr int64_t kCodeTtlUs = 60LL * 1000000;
constexpr int64_t kMinuteUs = 60LL * 1000000;
// Where authorize sends the merchant when the app registered no redirect URI and named none.
constexpr char kUnregisteredRedirect[] = "http://localhost:8080/callback";

HttpResponse OAuthError(int status, const std::string& error, const std::string& description) {
  Json j = Json::object();
  j["error"] = error;
  j["error_description"] = description;
  j["message"] = description;
  return JsonAnswer(status, j);
}

// The first account of the OAuth app `client_id`, or the one named by `account_id` (an
// emulator extension for apps serving several merchants: it stands for the merchant who signs in).
Account* FindClient(State& state, const std::string& client_id,
                    const std::string& account_id = "") {
  for (auto& [id, acct] : state.accounts)
    if (!client_id.empty() && acct.client_id == client_id &&
        (account_id.empty() || std::to_string(id) == account_id))
      return &acct;
  return nullptr;
}

// "localhost", "127.0.0.1" or "[::1]" with an optional port, from "scheme://HOST[:port]/...".
std::string HostOf(const std::string& uri) {
  const size_t start = uri.find("://");
  if (start == std::string::npos) return "";
  const size_t end = uri.find_first_of("/?#", start + 3);
  std::string host = uri.substr(start + 3, end == std::string::npos ? end : end - start - 3);
  if (host.find('@') != std::string::npos) return "";  // no user info
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

bool IsLoopbackUri(const std::string& uri) {
  const std::string host = HostOf(uri);
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

// The URI without its port when its host is loopback (RFC 8252 7.3: a loopback redirect may
// use any port), else unchanged.
std::string WithoutLoopbackPort(const std::string& uri) {
  if (!IsLoopbackUri(uri)) return uri;
  const size_t start = uri.find("://") + 3;
  const std::string host = HostOf(uri);
  const size_t after_host = start + host.size();
  if (after_host >= uri.size() || uri[after_host] != ':') return uri;
  const size_t end = uri.find_first_of("/?#", after_host);
  return uri.substr(0, after_host) + (end == std::string::npos ? "" : uri.substr(end));
}

// Whether `given` is the app's registered redirect URI (any loopback one when none is).
bool RedirectMatches(const Account& acct, const std::string& given) {
  if (!RedirectUriProblem(given).empty()) return false;
  if (acct.redirect_uri.empty()) return IsLoopbackUri(given);
  return WithoutLoopbackPort(given) == WithoutLoopbackPort(acct.redirect_uri);
}

std::string Base64Decode(const std::string& in) {
  static const std::string chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    const size_t pos = chars.find(c);
    if (pos == std::string::npos) break;
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

Json IssuePair(State& state, Account& acct, int64_t now_us, const std::string& parent) {
  for (auto it = state.access.begin(); it != state.access.end();)
    it = it->second.expires_us <= now_us ? state.access.erase(it) : std::next(it);
  const std::string access = base::RandomHex(20), refresh = base::RandomHex(20);
  state.access[access] = {acct.id, now_us + acct.access_ttl_s * 1000000, parent, refresh, false};
  state.refresh[refresh] = {acct.id, parent, now_us};
  Json j = Json::object();
  j["access_token"] = access;
  j["expires_in"] = acct.access_ttl_s;
  j["token_type"] = "Bearer";
  j["scope"] = "employee:all";
  j["refresh_token"] = refresh;
  return j;
}

// The token endpoint's own limit: at most refresh_limit_per_minute refresh grants per account
// in any 60 s. Answers the 429 when the account is over it, else counts this grant.
std::optional<HttpResponse> RefreshLimited(Account& acct, int64_t now_us) {
  auto& times = acct.refresh_grants_us;
  times.erase(std::remove_if(times.begin(), times.end(),
                             [now_us](int64_t t) { return t <= now_us - kMinuteUs; }),
              times.end());
  if (acct.refresh_limit_per_minute > 0 &&
      static_cast<int64_t>(times.size()) >= acct.refresh_limit_per_minute) {
    const int64_t wait_us = times.front() + kMinuteUs - now_us;
    const int64_t retry_s = std::max<int64_t>(1, (wait_us + 999999) / 1000000);
    ++acct.stats.rate_limited;
    HttpResponse r = OAuthError(429, "rate_limit_exceeded",
                                "Too many token requests for this account; retry in " +
                                    std::to_string(retry_s) + " seconds");
    r.headers.emplace_back("Retry-After", std::to_string(retry_s));
    return r;
  }
  times.push_back(now_us);
  return std::nullopt;
}

}  // namespace

std::string RedirectUriProblem(const std::string& uri) {
  const bool https = uri.rfind("https://", 0) == 0, http = uri.rfind("http://", 0) == 0;
  if (!https && !http) return "redirect_uri must be an absolute https:// URI";
  if (HostOf(uri).empty()) return "redirect_uri has no host";
  if (uri.find('#') != std::string::npos) return "redirect_uri must not have a fragment";
  if (http && !IsLoopbackUri(uri))
    return "redirect_uri must use https (plain http only for localhost or 127.0.0.1)";
  return "";
}

HttpResponse OAuthAuthorize(State& state, int64_t now_us, const HttpRequest& req) {
  std::map<std::string, std::string> p;
  for (auto& [k, v] : ParseQueryString(req.query)) p[k] = v;
  if (p["response_type"] != "code")
    return OAuthError(400, "unsupported_response_type", "response_type must be code");
  Account* acct = FindClient(state, p["client_id"], p["account_id"]);
  if (!acct) return OAuthError(400, "invalid_client", "Unknown client_id");
  const bool given = p.count("redirect_uri") > 0;
  // Never redirect to an address the app did not register: answer here instead (RFC 6749
  // 4.1.2.1).
  if (given && !RedirectMatches(*acct, p["redirect_uri"]))
    return OAuthError(400, "invalid_request",
                      "The redirect_uri does not match the redirect URI registered for this "
                      "client" +
                          (RedirectUriProblem(p["redirect_uri"]).empty()
                               ? std::string()
                               : " (" + RedirectUriProblem(p["redirect_uri"]) + ")"));
  const std::string redirect = given                        ? p["redirect_uri"]
                               : acct->redirect_uri.empty() ? kUnregisteredRedirect
                                                            : acct->redirect_uri;
  const std::string code = base::RandomHex(20);
  state.codes[code] = {acct->id, now_us + kCodeTtlUs, redirect, given};
  std::string location =
      redirect + (redirect.find('?') == std::string::npos ? "?" : "&") + "code=" + UrlEncode(code);
  if (p.count("state")) location += "&state=" + UrlEncode(p["state"]);
  HttpResponse r;
  r.status = 302;
  r.content_type = "text/html";
  r.headers.emplace_back("Location", location);
  return r;
}

HttpResponse OAuthToken(State& state, int64_t now_us, const HttpRequest& req) {
  std::map<std::string, std::string> p;
  if (req.Header("content-type").find("json") != std::string::npos) {
    Json j = Json::parse(req.body, nullptr, false);
    if (!j.is_object()) return OAuthError(400, "invalid_request", "The body is not a JSON object");
    for (auto it = j.begin(); it != j.end(); ++it)
      if (auto t = ScalarText(*it)) p[it.key()] = *t;
  } else {
    for (auto& [k, v] : ParseQueryString(req.body)) p[k] = v;
  }
  const std::string auth = req.Header("authorization");
  if (auth.rfind("Basic ", 0) == 0) {
    const std::string pair = Base64Decode(auth.substr(6));
    const size_t colon = pair.find(':');
    if (colon != std::string::npos) {
      p.emplace("client_id", pair.substr(0, colon));
      p.emplace("client_secret", pair.substr(colon + 1));
    }
  }
  Account* acct = FindClient(state, p["client_id"]);
  if (!acct || !base::SecretEquals(acct->client_secret, p["client_secret"]))
    return OAuthError(401, "invalid_client", "Client authentication failed");
  const std::string grant = p["grant_type"];
  if (grant == "authorization_code") {
    auto it = state.codes.find(p["code"]);
    if (it != state.codes.end() && state.accounts.count(it->second.account_id) &&
        state.accounts[it->second.account_id].client_id == acct->client_id)
      acct = &state.accounts[it->second.account_id];
    if (it == state.codes.end() || it->second.account_id != acct->id ||
        it->second.expires_us <= now_us) {
      if (it != state.codes.end() && it->second.expires_us <= now_us) state.codes.erase(it);
      return OAuthError(400, "invalid_grant",
                        "The authorization code is invalid, expired or already used");
    }
    // The exchange names the redirect URI the authorize request named (RFC 6749 4.1.3).
    const bool named = p.count("redirect_uri") > 0;
    if ((it->second.redirect_given || named) &&
        (!named || p["redirect_uri"] != it->second.redirect_uri))
      return OAuthError(400, "invalid_grant",
                        "The redirect_uri does not match the one of the authorization request");
    state.codes.erase(it);
    return JsonAnswer(200, IssuePair(state, *acct, now_us, ""));
  }
  if (grant == "refresh_token") {
    const std::string old = p["refresh_token"];
    auto it = state.refresh.find(old);
    // The refresh token names the merchant account; the app must be the one it was issued to.
    if (it != state.refresh.end() && state.accounts.count(it->second.account_id) &&
        state.accounts[it->second.account_id].client_id == acct->client_id)
      acct = &state.accounts[it->second.account_id];
    if (auto limited = RefreshLimited(*acct, now_us)) return *limited;
    if (it == state.refresh.end() || it->second.account_id != acct->id)
      return OAuthError(400, "invalid_grant", "The refresh token is invalid");
    if (it->second.issued_us > 0 &&
        it->second.issued_us + acct->refresh_ttl_s * 1000000 <= now_us) {
      state.refresh.erase(it);
      return OAuthError(400, "invalid_grant",
                        "The refresh token is invalid: it has expired (unused for " +
                            (acct->refresh_ttl_s % 86400 == 0
                                 ? std::to_string(acct->refresh_ttl_s / 86400) + " days)"
                                 : std::to_string(acct->refresh_ttl_s) + " seconds)"));
    }
    if (EmployeeLockedOut(*acct))
      return OAuthError(400, "invalid_grant",
                        "The employee who authorized this application is locked out");
    ++acct->stats.refreshes;
    return JsonAnswer(200, IssuePair(state, *acct, now_us, old));
  }
  return OAuthError(400, "unsupported_grant_type",
                    "grant_type must be authorization_code or refresh_token");
}

base::Result<int64_t> VerifyAccess(State& state, int64_t now_us, const std::string& bearer) {
  auto it = state.access.find(bearer);
  if (bearer.empty() || it == state.access.end())
    return base::Unauthenticated("The access token is unknown", "");
  if (it->second.expires_us <= now_us)
    return base::Unauthenticated("The access token has expired", "");
  AccessToken& tok = it->second;
  if (!tok.used) {
    tok.used = true;
    if (!tok.parent_refresh.empty()) {
      // Retire the spent refresh token and every other token minted from it.
      for (auto r = state.refresh.begin(); r != state.refresh.end();) {
        const bool dies = r->first == tok.parent_refresh ||
                          (r->second.parent == tok.parent_refresh && r->first != tok.refresh);
        r = dies ? state.refresh.erase(r) : std::next(r);
      }
    }
  }
  return tok.account_id;
}

}  // namespace sim
