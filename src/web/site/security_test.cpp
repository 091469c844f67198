#include "web/site/security.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

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

// Issue 11, item 8: over https the session cookie must never travel in clear.
TEST(Cookies, HostileInputSecureFlagWhenAsked) {
  EXPECT_EQ(SetCookie("spoke_session", "v").find("Secure"), std::string::npos);
  const std::string c = SetCookie("spoke_session", "v", -1, true);
  EXPECT_NE(c.find("; Secure"), std::string::npos) << c;
  EXPECT_NE(c.find("HttpOnly"), std::string::npos);
  EXPECT_NE(SetCookie("spoke_session", "", 0, true).find("Max-Age=0; Secure"), std::string::npos);
}

TEST(Headers, CspAllowsOnlyOurOwnScriptFileAndFramingIsDenied) {
  std::map<std::string, std::string> h(SecurityHeaders().begin(), SecurityHeaders().end());
  EXPECT_NE(h["Content-Security-Policy"].find("script-src 'self';"), std::string::npos);
  EXPECT_EQ(h["Content-Security-Policy"].find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(h["Content-Security-Policy"].find("unsafe-eval"), std::string::npos);
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

// Issue 14: login returns to the page that was asked for, and only to a page of this site.
TEST(Redirects, AfterLoginReturnsToTheAskedPageOfThisSiteOnly) {
  EXPECT_EQ(AfterLogin("/orders/10023"), "/orders/10023");
  EXPECT_EQ(AfterLogin("/orders?status=all&export=queued"), "/orders?status=all&export=queued");
  EXPECT_EQ(AfterLogin(""), "/orders");
  EXPECT_EQ(AfterLogin("//evil.example/"), "/orders");
  EXPECT_EQ(AfterLogin("https://evil.example/"), "/orders");
  EXPECT_EQ(AfterLogin("/\t/evil.example"), "/orders");
  EXPECT_EQ(AfterLogin("/x\\evil"), "/orders");
  EXPECT_EQ(AfterLogin("/login?next=/orders"), "/orders");
  EXPECT_EQ(AfterLogin("/logout"), "/orders");
  EXPECT_EQ(AfterLogin("/orders/caf\xc3\xa9"), "/orders") << "a request target is ASCII";
  EXPECT_EQ(AfterLogin("/" + std::string(3000, 'a')), "/orders");
}

const base::TimePoint kStart{std::chrono::seconds(1'800'000'000)};

// The throttle keeps its attempts in the database: a fresh SQLite file on a hand-moved clock.
class LoginThrottleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("spoke-throttle-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = store::Open("sqlite://" + (dir_ / "t.db").string(), {.clock = &clock});
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  base::ManualClock clock{kStart};
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> db_;
};

// The throttle's answer, with a database error failing the test.
std::optional<base::Duration> Try(LoginThrottle& t, const std::string& email,
                                  const std::string& address) {
  auto r = t.Reserve(email, address);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : std::optional<base::Duration>(base::Duration::zero());
}

TEST_F(LoginThrottleTest, BlocksAfterFiveFailuresUntilTheWindowPasses) {
  LoginThrottle t(*db_, {5, 5min}, {100, 1min});
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Try(t, "ann@example.com", "10.0.0.1")) << i;
  auto wait = Try(t, "Ann@Example.com", "10.0.0.2");  // the e-mail, whatever its case
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, base::Duration(5min));
  EXPECT_FALSE(Try(t, "ben@example.com", "10.0.0.1"));  // others are not affected
  clock.Advance(5min);
  EXPECT_FALSE(Try(t, "ann@example.com", "10.0.0.1"));
  (void)t.Succeeded("ann@example.com", "10.0.0.1");
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Try(t, "ann@example.com", "10.0.0.1")) << i;
}

// Issue 11, item 5a: 50 parallel wrong passwords let 12 through, because the limit was checked,
// then the slow hash ran, and only then was the failure counted.
TEST_F(LoginThrottleTest, HostileInputParallelAttemptsCannotPassTheLimit) {
  LoginThrottle t(*db_, {5, 5min}, {20, 1min});
  std::atomic<int> allowed_same_email{0}, allowed_same_address{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&, i] {
      if (!Try(t, "ann@example.com", "10.0.0." + std::to_string(i))) ++allowed_same_email;
      // The slow password check would run here; the attempt is already counted.
      std::this_thread::sleep_for(1ms);
      if (!Try(t, "user" + std::to_string(i) + "@example.com", "10.9.9.9")) ++allowed_same_address;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed_same_email.load(), 5);
  EXPECT_EQ(allowed_same_address.load(), 20);
}

// Item 5c: a locked address waits a short, bounded time, and a right password from it gives back
// its own attempt only.
TEST_F(LoginThrottleTest, HostileInputAnAddressLockIsShortAndBounded) {
  LoginThrottle t(*db_);  // the site's limits: 5 per e-mail in 5 min, 20 per address in 1 min
  for (int i = 0; i < 20; ++i)
    EXPECT_FALSE(Try(t, "guess" + std::to_string(i) + "@example.com", "10.0.0.1"));
  // An attacker keeps trying: refused attempts are not counted, so the lock never grows.
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(Try(t, "x@example.com", "10.0.0.1"));
  auto wait = Try(t, "colleague@example.com", "10.0.0.1");
  ASSERT_TRUE(wait) << "a locked address is refused before any password is checked";
  EXPECT_LE(*wait, base::Duration(1min));
  EXPECT_FALSE(Try(t, "colleague@example.com", "10.0.0.2")) << "other addresses go on";
  clock.Advance(1min);
  for (int i = 0; i < 10; ++i)
    ASSERT_FALSE(Try(t, "g" + std::to_string(i) + "@example.com", "10.0.0.1")) << i;
  ASSERT_FALSE(Try(t, "colleague@example.com", "10.0.0.1")) << "within a minute";
  (void)t.Succeeded("colleague@example.com", "10.0.0.1");
  // The right password gave back its own attempt, not the address's ten failures.
  for (int i = 0; i < 10; ++i)
    EXPECT_FALSE(Try(t, "a" + std::to_string(i) + "@example.com", "10.0.0.1")) << i;
  EXPECT_TRUE(Try(t, "another@example.com", "10.0.0.1"));
}

TEST_F(LoginThrottleTest, HostileInputASprayOfKeysStaysBounded) {
  // No key cap any more: the database forgets attempts as their window passes (store contract).
  LoginThrottle t(*db_, {5, 5min}, {20, 1min});
  for (int i = 0; i < 2000; ++i) {
    clock.Advance(1ms);
    (void)Try(t, "spray" + std::to_string(i) + "@example.com", "10.0." + std::to_string(i));
  }
  // The most recent keys are still remembered.
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(Try(t, "spray1999@example.com", "10.1.1.1"));
  EXPECT_TRUE(Try(t, "spray1999@example.com", "10.1.1.1"));
}

// Item 5b: an unknown e-mail costs one password check, against a dummy hash, like a wrong
// password does, so timing does not tell which e-mails have accounts.
TEST(LoginPassword, HostileInputAnUnknownEmailCostsOneVerifyLikeAWrongPassword) {
  static std::vector<std::string> hashes;
  hashes.clear();
  auto counting = [](std::string_view hash, std::string_view) {
    hashes.emplace_back(hash);
    return hash == "right";
  };
  EXPECT_FALSE(CheckLoginPassword(std::nullopt, "guess", counting));
  ASSERT_EQ(hashes.size(), 1u);
  EXPECT_EQ(hashes[0], DummyPasswordHash());
  EXPECT_FALSE(CheckLoginPassword(std::string("wrong"), "guess", counting));
  EXPECT_TRUE(CheckLoginPassword(std::string("right"), "guess", counting));
  EXPECT_EQ(hashes.size(), 3u);
  // The dummy is a real Argon2id hash (the same cost), made once, that nothing matches.
  EXPECT_EQ(DummyPasswordHash().rfind("$argon2id$", 0), 0u) << DummyPasswordHash();
  EXPECT_EQ(&DummyPasswordHash(), &DummyPasswordHash());
  EXPECT_FALSE(CheckLoginPassword(std::nullopt, ""));
}

}  // namespace
}  // namespace web::site
