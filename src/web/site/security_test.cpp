#include "web/site/security.h"

#include <gtest/gtest.h>

namespace web::site {
namespace {

using namespace std::chrono_literals;

TEST(Sessions, ExpireAfterIdleTimeNotBefore) {
  SessionPolicy p;
  p.idle = 2h;
  const base::TimePoint t0{std::chrono::seconds(1'800'000'000)};
  EXPECT_FALSE(IsIdleExpired(t0, t0 + 119min, p));
  EXPECT_TRUE(IsIdleExpired(t0, t0 + 2h, p));
  EXPECT_TRUE(IsIdleExpired(t0, t0 + 3h, p));
  EXPECT_FALSE(NeedsTouch(t0, t0 + 30s, p));
  EXPECT_TRUE(NeedsTouch(t0, t0 + 61s, p));
}

TEST(Csrf, OnlyTheSessionsOwnTokenPasses) {
  EXPECT_TRUE(CsrfMatches("abc123", "abc123"));
  EXPECT_FALSE(CsrfMatches("abc123", "abc124"));
  EXPECT_FALSE(CsrfMatches("abc123", ""));
  EXPECT_FALSE(CsrfMatches("", ""));  // a session without a token accepts nothing
  EXPECT_FALSE(CsrfMatches("abc123", "abc1234"));
}

TEST(Cookies, ParseAndSetWithHttpOnlyAndSameSiteLax) {
  EXPECT_EQ(CookieValue("a=1; spoke_session=xyz; b=2", "spoke_session"), "xyz");
  EXPECT_EQ(CookieValue("spoke_session_old=1", "spoke_session"), "");
  EXPECT_EQ(CookieValue("", "spoke_session"), "");
  const std::string c = SetCookie("spoke_session", "v");
  EXPECT_NE(c.find("HttpOnly"), std::string::npos);
  EXPECT_NE(c.find("SameSite=Lax"), std::string::npos);
  EXPECT_EQ(c.find("Max-Age"), std::string::npos);
  EXPECT_NE(SetCookie("spoke_session", "", 0).find("Max-Age=0"), std::string::npos);
}

TEST(Headers, CspAllowsNoScriptAndFramingIsDenied) {
  std::map<std::string, std::string> h(SecurityHeaders().begin(), SecurityHeaders().end());
  EXPECT_NE(h["Content-Security-Policy"].find("script-src 'none'"), std::string::npos);
  EXPECT_EQ(h["Content-Security-Policy"].find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(h["X-Frame-Options"], "DENY");
  EXPECT_EQ(h["X-Content-Type-Options"], "nosniff");
  EXPECT_FALSE(h["Referrer-Policy"].empty());
}

TEST(Redirects, OnlyLocalPaths) {
  EXPECT_TRUE(IsLocalPath("/orders?status=all"));
  EXPECT_FALSE(IsLocalPath("//evil.example/"));
  EXPECT_FALSE(IsLocalPath("/\\evil.example"));
  EXPECT_FALSE(IsLocalPath("https://evil.example/"));
  EXPECT_FALSE(IsLocalPath("/orders\r\nSet-Cookie: x"));
}

TEST(LoginThrottle, BlocksAfterFiveFailuresUntilTheWindowPasses) {
  base::ManualClock clock(base::TimePoint{std::chrono::seconds(1'800'000'000)});
  LoginThrottle t(clock, 5, 5min);
  for (int i = 0; i < 4; ++i) t.Failed("e:ann@example.com");
  EXPECT_FALSE(t.Blocked("e:ann@example.com"));
  t.Failed("e:ann@example.com");
  auto wait = t.Blocked("e:ann@example.com");
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, base::Duration(5min));
  EXPECT_FALSE(t.Blocked("e:ben@example.com"));  // others are not affected
  clock.Advance(5min);
  EXPECT_FALSE(t.Blocked("e:ann@example.com"));
  t.Failed("e:ann@example.com");
  t.Succeeded("e:ann@example.com");
  EXPECT_FALSE(t.Blocked("e:ann@example.com"));
}

}  // namespace
}  // namespace web::site
