// The token endpoint's own limits and outages are waited out, not turned into a lost connection.
#include "lightspeed/oauth.h"

#include <gtest/gtest.h>

#include "lightspeed/memory_vault_test_util.h"

namespace lightspeed {
namespace {

// The token endpoint, answering from a script.
class ScriptedTokenEndpoint : public Transport {
 public:
  explicit ScriptedTokenEndpoint(std::vector<HttpResponse> answers) : answers_(answers) {}
  HttpResponse Send(const HttpRequest& request) override {
    ++calls;
    if (answers_.empty()) return HttpResponse{Delivery::kNotSent, "script ended"};
    HttpResponse r = answers_.front();
    answers_.erase(answers_.begin());
    return r;
  }
  int calls = 0;

 private:
  std::vector<HttpResponse> answers_;
};

HttpResponse Answer(int status, const std::string& body,
                    std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = body;
  r.headers = std::move(headers);
  return r;
}

TEST(OAuth, A429FromTheTokenEndpointIsRateLimitedWithItsRetryAfter) {
  ScriptedTokenEndpoint endpoint(
      {Answer(429, R"({"error":"too_many_requests"})", {{"retry-after", "12"}})});
  OAuthClient oauth({"https://cloud.example", "id", "secret"}, endpoint);
  auto pair = oauth.Refresh("r1");
  ASSERT_FALSE(pair.ok());
  EXPECT_EQ(pair.error().code, base::ErrorCode::kRateLimited);
  EXPECT_TRUE(pair.error().Retryable()) << "the export waits; the order is not stopped";
  EXPECT_EQ(pair.error().retry_after_s, 12.0);
}

TEST(OAuth, A5xxFromTheTokenEndpointIsRetryable) {
  ScriptedTokenEndpoint endpoint({Answer(503, "<html>busy</html>")});
  OAuthClient oauth({"https://cloud.example", "id", "secret"}, endpoint);
  auto pair = oauth.Refresh("r1");
  ASSERT_FALSE(pair.ok());
  EXPECT_TRUE(pair.error().Retryable());
}

TEST(OAuth, ALimitedRefreshKeepsTheConnectionAndSucceedsLater) {
  ScriptedTokenEndpoint endpoint(
      {Answer(429, "{}", {{"retry-after", "1"}}),
       Answer(200, R"({"access_token":"a2","refresh_token":"r2","expires_in":3600})")});
  OAuthClient oauth({"https://cloud.example", "id", "secret"}, endpoint);
  MemoryVault vault("r1");
  base::ManualClock clock(base::TimePoint(std::chrono::hours(1000)));
  TokenManager tokens(vault, oauth, clock);
  auto first = tokens.AccessToken();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, base::ErrorCode::kRateLimited);
  EXPECT_EQ(vault.Load()->refresh_token, "r1") << "nothing lost: the store is still connected";
  auto second = tokens.AccessToken();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, "a2");
  EXPECT_EQ(vault.Load()->refresh_token, "r2");
}

// A vault that counts its reads: each is a database read and a decryption in spoke.
class CountingVault : public MemoryVault {
 public:
  using MemoryVault::MemoryVault;
  base::Result<StoredTokens> Load() override {
    ++loads;
    return MemoryVault::Load();
  }
  int loads = 0;
};

TEST(OAuth, AFreshAccessTokenIsRememberedRatherThanReadForEveryRequest) {
  ScriptedTokenEndpoint endpoint(
      {Answer(200, R"({"access_token":"a2","refresh_token":"r2","expires_in":3600})")});
  OAuthClient oauth({"https://cloud.example", "id", "secret"}, endpoint);
  CountingVault vault("r1");
  base::ManualClock clock(base::TimePoint(std::chrono::hours(1000)));
  TokenManager tokens(vault, oauth, clock);
  ASSERT_EQ(*tokens.AccessToken(), "a2");
  const int after_refresh = vault.loads;
  for (int i = 0; i < 100; ++i) ASSERT_EQ(*tokens.AccessToken(), "a2");
  EXPECT_EQ(vault.loads, after_refresh) << "100 requests, no vault read";
  clock.Advance(std::chrono::seconds(31));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(*tokens.AccessToken(), "a2");
  EXPECT_EQ(vault.loads, after_refresh + 1) << "read again once it was remembered 30 s";
  EXPECT_EQ(endpoint.calls, 1);
}

TEST(OAuth, ATokenAnotherProcessStoredIsUsedOnceTheRememberedOneIsRefusedOrOld) {
  ScriptedTokenEndpoint endpoint(
      {Answer(200, R"({"access_token":"a2","refresh_token":"r2","expires_in":3600})")});
  OAuthClient oauth({"https://cloud.example", "id", "secret"}, endpoint);
  MemoryVault vault("r1");
  base::ManualClock clock(base::TimePoint(std::chrono::hours(1000)));
  TokenManager tokens(vault, oauth, clock);
  ASSERT_EQ(*tokens.AccessToken(), "a2");
  // Another process refreshed: its pair is in the vault, ours is still remembered.
  const base::TimePoint later = clock.Now() + std::chrono::hours(1);
  ASSERT_TRUE(vault.Save({"a3", "r3", later, clock.Now()}, "").ok());
  EXPECT_EQ(*tokens.AccessToken(), "a2") << "still valid at Lightspeed until it expires";
  auto refused = tokens.Refreshed("a2");
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(*refused, "a3") << "the vault's, without refreshing again";
  EXPECT_EQ(*tokens.AccessToken(), "a3");
  EXPECT_EQ(endpoint.calls, 1);

  ASSERT_TRUE(vault.Save({"a4", "r4", later, clock.Now()}, "").ok());
  clock.Advance(std::chrono::seconds(31));
  EXPECT_EQ(*tokens.AccessToken(), "a4") << "remembered for 30 s at most";
}

TEST(OAuth, ARememberedTokenIsNotUsedPastItsExpiryMargin) {
  ScriptedTokenEndpoint endpoint(
      {Answer(200, R"({"access_token":"a2","refresh_token":"r2","expires_in":70})"),
       Answer(200, R"({"access_token":"a3","refresh_token":"r3","expires_in":3600})")});
  OAuthClient oauth({"https://cloud.example", "id", "secret"}, endpoint);
  MemoryVault vault("r1");
  base::ManualClock clock(base::TimePoint(std::chrono::hours(1000)));
  TokenManager tokens(vault, oauth, clock);
  ASSERT_EQ(*tokens.AccessToken(), "a2");
  clock.Advance(std::chrono::seconds(11));  // 59 s left: inside the 60 s margin
  EXPECT_EQ(*tokens.AccessToken(), "a3");
  EXPECT_EQ(endpoint.calls, 2);
}

int64_t ExpiresIn(const std::string& expires_in) {
  ScriptedTokenEndpoint endpoint(
      {Answer(200, R"({"access_token":"a","refresh_token":"r","expires_in":)" + expires_in + "}")});
  OAuthClient oauth({"http://127.0.0.1:9", "id", "secret"}, endpoint);
  auto pair = oauth.Refresh("old");
  EXPECT_TRUE(pair.ok()) << expires_in;
  return pair.ok() ? pair->expires_in_s : -1;
}

TEST(OAuth, AnExpiryNoClockCanHoldIsTakenAsADay) {
  EXPECT_EQ(ExpiresIn("3600"), 3600);
  EXPECT_EQ(ExpiresIn("\"1800\""), 1800) << "a string is read like a number";
  // Added to the clock's nanoseconds, 1e11 s overflows (undefined behaviour), and an expiry
  // years away would stop spoke refreshing before a token dies.
  EXPECT_EQ(ExpiresIn("99999999999"), 86400);
  EXPECT_EQ(ExpiresIn("\"99999999999999999999999\""), 86400);
  EXPECT_EQ(ExpiresIn("-5"), 0) << "already expired: refreshed at the next call";
}

}  // namespace
}  // namespace lightspeed
