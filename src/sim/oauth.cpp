// OAuth 2.0 authorization code flow with rotating refresh tokens (the 2026 behaviour: the old
// refresh token dies when the new access token is first used, together with its siblings).
#include "base/secrets.h"
#include "sim/engine.h"
#include "sim/model.h"
#include "sim/query.h"

namespace sim {
namespace {

constexpr int64_t kCodeTtlUs = 60LL * 1000000;

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
  state.refresh[refresh] = {acct.id, parent};
  Json j = Json::object();
  j["access_token"] = access;
  j["expires_in"] = acct.access_ttl_s;
  j["token_type"] = "Bearer";
  j["scope"] = "employee:all";
  j["refresh_token"] = refresh;
  return j;
}

}  // namespace

HttpResponse OAuthAuthorize(State& state, int64_t now_us, const HttpRequest& req) {
  std::map<std::string, std::string> p;
  for (auto& [k, v] : ParseQueryString(req.query)) p[k] = v;
  if (p["response_type"] != "code")
    return OAuthError(400, "unsupported_response_type", "response_type must be code");
  Account* acct = FindClient(state, p["client_id"], p["account_id"]);
  if (!acct) return OAuthError(400, "invalid_client", "Unknown client_id");
  const std::string redirect = p.count("redirect_uri") ? p["redirect_uri"] : acct->redirect_uri;
  const std::string code = base::RandomHex(20);
  state.codes[code] = {acct->id, now_us + kCodeTtlUs, redirect};
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
    if (it == state.refresh.end() || it->second.account_id != acct->id)
      return OAuthError(400, "invalid_grant", "The refresh token is invalid");
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
    return base::Error{
        base::ErrorCode::kUnauthenticated, "The access token is unknown", "", "", {}};
  if (it->second.expires_us <= now_us)
    return base::Error{
        base::ErrorCode::kUnauthenticated, "The access token has expired", "", "", {}};
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
