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
  Answer Exchange(const std::string& code) {
    return Call("POST", "/auth/oauth/token",
                Json{{"grant_type", "authorization_code"},
                     {"code", code},
                     {"client_id", info_["client_id"]},
                     {"client_secret", info_["client_secret"]}}
                    .dump());
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
  const std::string given = Authorize("&redirect_uri=http%3A%2F%2Fshop.test%2Fcb");
  EXPECT_EQ(given.rfind("http://shop.test/cb?code=", 0), 0u) << given;
  EXPECT_EQ(Param(given, "state"), "xyz");
  const std::string registered = Authorize("");
  EXPECT_EQ(registered.rfind("http://localhost:8080/callback?code=", 0), 0u) << registered;

  Answer t = Exchange(Param(given, "code"));
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json["token_type"], "Bearer");
  EXPECT_EQ(t.json["expires_in"], 3600);
  EXPECT_EQ(ApiWith(t.json["access_token"]).status, 200);
  EXPECT_EQ(Exchange(Param(given, "code")).json["error"], "invalid_grant");  // single use
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

}  // namespace
}  // namespace sim::testing
