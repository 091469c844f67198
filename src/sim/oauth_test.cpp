// OAuth: authorize redirect, code exchange, rotation (2026: the old refresh token dies on the new
// access token's first use), expiry, 401 body, invalid_grant, refresh counting.
#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

class OAuth : public SimTest {
 protected:
  std::string Param(const std::string& url, const std::string& name) {
    const size_t at = url.find(name + "=");
    if (at == std::string::npos) return "";
    const size_t end = url.find('&', at);
    return url.substr(at + name.size() + 1,
                      end == std::string::npos ? end : end - at - name.size() - 1);
  }
  Answer Exchange(const std::string& code, const std::string& redirect_uri = "") {
    Json body{{"grant_type", "authorization_code"},
              {"code", code},
              {"client_id", info_["client_id"]},
              {"client_secret", info_["client_secret"]}};
    if (!redirect_uri.empty()) body["redirect_uri"] = redirect_uri;
    return Call("POST", "/auth/oauth/token", body.dump());
  }
  Answer ApiWith(const std::string& token) {
    return Call("GET", "/API/V3/Account.json", "", {{"Authorization", "Bearer " + token}});
  }
  std::string Authorize(const std::string& extra) {
    Answer a = Call("GET", "/auth/oauth/authorize?response_type=code&client_id=" +
                               info_["client_id"].get<std::string>() +
                               "&scope=employee:all&state=xyz" + extra);
    EXPECT_EQ(a.status, 302);
    return a.Header("Location");
  }
};

TEST_F(OAuth, AuthorizeRedirectsWithCodeAndState) {
  const std::string given = Authorize("&redirect_uri=http%3A%2F%2F127.0.0.1%3A8123%2Fcb");
  EXPECT_EQ(given.rfind("http://127.0.0.1:8123/cb?code=", 0), 0u) << given;
  EXPECT_EQ(Param(given, "state"), "xyz");
  const std::string registered = Authorize("");
  EXPECT_EQ(registered.rfind("http://localhost:8080/callback?code=", 0), 0u) << registered;

  Answer t = Exchange(Param(given, "code"), "http://127.0.0.1:8123/cb");
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json["token_type"], "Bearer");
  EXPECT_EQ(t.json["expires_in"], 3600);
  EXPECT_EQ(ApiWith(t.json["access_token"]).status, 200);
  EXPECT_EQ(Exchange(Param(given, "code"), "http://127.0.0.1:8123/cb").json["error"],
            "invalid_grant");  // single use
}

TEST_F(OAuth, CodesLiveSixtySeconds) {
  const std::string code = Param(Authorize(""), "code");
  clock_.Advance(std::chrono::seconds(61));
  Answer t = Exchange(code);
  EXPECT_EQ(t.status, 400);
  EXPECT_EQ(t.json["error"], "invalid_grant");
  const std::string fresh = Param(Authorize(""), "code");
  clock_.Advance(std::chrono::seconds(59));
  EXPECT_EQ(Exchange(fresh).status, 200);
}

TEST_F(OAuth, RefreshRotatesAndTheOldTokenDiesOnFirstUseOfTheNew) {
  // Six token requests in this instant: the endpoint's own limit is another test's subject.
  ASSERT_EQ(Control("PUT", "tokens", {{"refresh_limit_per_minute", 0}}).status, 200);
  const std::string old_refresh = refresh_;
  Answer r1 = Refresh(old_refresh);
  ASSERT_EQ(r1.status, 200);
  EXPECT_NE(r1.json["refresh_token"], old_refresh);
  // Until the new access token is used, the old refresh token still works (2026 behaviour).
  Answer r2 = Refresh(old_refresh);
  ASSERT_EQ(r2.status, 200);
  EXPECT_EQ(ApiWith(r2.json["access_token"]).status, 200);
  Answer dead = Refresh(old_refresh);
  EXPECT_EQ(dead.status, 400);
  EXPECT_EQ(dead.json["error"], "invalid_grant");
  // The sibling minted from the same old token dies too: two refreshers lock the store out.
  EXPECT_EQ(Refresh(r1.json["refresh_token"]).json["error"], "invalid_grant");
  EXPECT_EQ(Refresh(r2.json["refresh_token"]).status, 200);
  EXPECT_EQ(Control("GET", "stats").json["refreshes"], 4);  // SetUp's refresh + three here
}

TEST_F(OAuth, AccessTokensExpire) {
  EXPECT_EQ(ApiWith(token_).status, 200);
  clock_.Advance(std::chrono::seconds(3600));
  Answer a = ApiWith(token_);
  ASSERT_EQ(a.status, 401);
  EXPECT_EQ(a.json["error"], "access_denied");
  EXPECT_EQ(a.json["hint"], "Access token could not be verified");
  EXPECT_TRUE(a.json["error_description"].is_string());
}

TEST_F(OAuth, ControlPlaneSetsTtlAndExpiresTokensNow) {
  EXPECT_EQ(Control("PUT", "tokens", {{"access_ttl_s", int64_t{1} << 60}}).status, 400)
      << "a TTL the clock cannot hold is refused";
  ASSERT_EQ(Control("PUT", "tokens", {{"access_ttl_s", 30}}).status, 200);
  Answer r = Refresh(refresh_);
  EXPECT_EQ(r.json["expires_in"], 30);
  const std::string short_lived = r.json["access_token"];
  clock_.Advance(std::chrono::seconds(29));
  EXPECT_EQ(ApiWith(short_lived).status, 200);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(ApiWith(short_lived).status, 401);

  Answer fresh = Refresh(r.json["refresh_token"]);
  EXPECT_EQ(ApiWith(fresh.json["access_token"]).status, 200);
  Answer exp = Control("PUT", "tokens", {{"expire_access_tokens", true}});
  EXPECT_EQ(exp.json["expired_access_tokens"], 2);  // SetUp's token and this one
  EXPECT_EQ(ApiWith(fresh.json["access_token"]).status, 401);
  // One refresh per expiry is enough to carry on.
  Answer again = Refresh(fresh.json["refresh_token"]);
  EXPECT_EQ(ApiWith(again.json["access_token"]).status, 200);
  Control("PUT", "tokens", {{"revoke_refresh_tokens", true}});
  EXPECT_EQ(Refresh(again.json["refresh_token"]).json["error"], "invalid_grant");
}

TEST_F(OAuth, BadClientsAndGrants) {
  Answer wrong =
      Call("POST", "/auth/oauth/token",
           "grant_type=refresh_token&client_id=" + info_["client_id"].get<std::string>() +
               "&client_secret=nope&refresh_token=" + refresh_,
           {}, "application/x-www-form-urlencoded");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json["error"], "invalid_client");
  EXPECT_EQ(Refresh("unknown").json["error"], "invalid_grant");
  EXPECT_EQ(ApiWith("unknown").status, 401);
  EXPECT_EQ(Call("GET", "/API/V3/Account.json").status, 401);
  // Another account's path with this token.
  EXPECT_EQ(
      Call("GET", "/API/V3/Account/99999/Shop.json", "", {{"Authorization", "Bearer " + token_}})
          .status,
      403);
}

// Issue 10: an app's redirect URI is registered; authorize and the code exchange refuse any
// other, and plain http is only for loopback.
TEST_F(OAuth, RedirectUriMustBeTheRegisteredOne) {
  Answer plain = Call("POST", "/_sim/accounts",
                      Json{{"name", "Shop"}, {"redirect_uri", "http://shop.example/cb"}}.dump());
  EXPECT_EQ(plain.status, 400);
  EXPECT_NE(plain.body.find("https"), std::string::npos) << plain.body;
  Answer a = Call("POST", "/_sim/accounts",
                  Json{{"name", "Shop"}, {"redirect_uri", "https://shop.example/cb"}}.dump());
  ASSERT_EQ(a.status, 200) << a.body;
  info_ = a.json;

  Answer other = Call("GET", "/auth/oauth/authorize?response_type=code&client_id=" +
                                 info_["client_id"].get<std::string>() +
                                 "&state=s&redirect_uri=https%3A%2F%2Fevil.example%2Fcb");
  EXPECT_EQ(other.status, 400) << "never redirected to an unregistered address";
  EXPECT_EQ(other.Header("Location"), "");
  EXPECT_EQ(other.json["error"], "invalid_request");
  EXPECT_EQ(Authorize("").rfind("https://shop.example/cb?code=", 0), 0u);
  const std::string code =
      Param(Authorize("&redirect_uri=https%3A%2F%2Fshop.example%2Fcb"), "code");
  EXPECT_EQ(Exchange(code).json["error"], "invalid_grant") << "the exchange must name it too";
  Answer t = Exchange(code, "https://shop.example/cb");
  EXPECT_EQ(t.status, 200) << t.body;

  // An app with none registered (a developer's) takes loopback addresses only, any port.
  info_ = Call("POST", "/_sim/accounts", Json{{"name", "Dev"}}.dump()).json;
  EXPECT_EQ(
      Authorize("&redirect_uri=http%3A%2F%2Flocalhost%3A9%2Fcb").rfind("http://localhost:9/", 0),
      0u);
  Answer remote = Call("GET", "/auth/oauth/authorize?response_type=code&client_id=" +
                                  info_["client_id"].get<std::string>() +
                                  "&redirect_uri=http%3A%2F%2Fshop.test%2Fcb");
  EXPECT_EQ(remote.status, 400);
}

// Issue 10: a refresh token unused for refresh_ttl_s (30 days) is dead; POST /_sim/clock moves
// the emulator's time.
TEST_F(OAuth, RefreshTokensDieWhenUnusedForThirtyDays) {
  EXPECT_EQ(Control("PUT", "tokens", {}).json["refresh_ttl_s"], 30 * 86400);
  Answer moved = Call("POST", "/_sim/clock", Json{{"advance_s", 30 * 86400 - 1}}.dump());
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.json["offset_s"], 30 * 86400 - 1);
  Answer kept = Refresh(refresh_);  // used just in time: a fresh 30 days
  ASSERT_EQ(kept.status, 200) << kept.body;
  Call("POST", "/_sim/clock", Json{{"advance_s", 30 * 86400}}.dump());
  Answer lapsed = Refresh(kept.json["refresh_token"]);
  EXPECT_EQ(lapsed.status, 400);
  EXPECT_EQ(lapsed.json["error"], "invalid_grant");
  EXPECT_NE(lapsed.body.find("expired"), std::string::npos) << lapsed.body;
  EXPECT_EQ(Call("POST", "/_sim/clock", Json{{"advance_s", -1}}.dump()).status, 400);
  EXPECT_EQ(Control("PUT", "tokens", {{"refresh_ttl_s", 0}}).status, 400);
}

// Issue 10: the token endpoint allows five refreshes a minute per account, then 429.
TEST_F(OAuth, FiveRefreshesAMinuteThenTooManyRequests) {
  std::string refresh = refresh_;  // SetUp refreshed once already
  for (int i = 0; i < 4; ++i) {
    Answer r = Refresh(refresh);
    ASSERT_EQ(r.status, 200) << i << r.body;
    refresh = r.json["refresh_token"];
  }
  Answer sixth = Refresh(refresh);
  EXPECT_EQ(sixth.status, 429);
  EXPECT_EQ(sixth.json["error"], "rate_limit_exceeded");
  EXPECT_EQ(sixth.Header("Retry-After"), "60");
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(Refresh(refresh).status, 200) << "the refused refresh did not spend the token";
  ASSERT_EQ(Control("PUT", "tokens", {{"refresh_limit_per_minute", 0}}).status, 200);
  for (int i = 0; i < 10; ++i) EXPECT_NE(Refresh(refresh).status, 429);
}

}  // namespace
}  // namespace sim::testing
