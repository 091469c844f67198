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
