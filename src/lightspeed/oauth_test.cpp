// The token endpoint's answer as OAuthClient reads it.
#include "lightspeed/oauth.h"

#include <gtest/gtest.h>

namespace lightspeed {
namespace {

// Answers every request with one canned token response.
class CannedTokenEndpoint : public Transport {
 public:
  explicit CannedTokenEndpoint(std::string body) : body_(std::move(body)) {}
  HttpResponse Send(const HttpRequest&) override {
    HttpResponse r;
    r.status = 200;
    r.body = body_;
    return r;
  }

 private:
  std::string body_;
};

int64_t ExpiresIn(const std::string& expires_in) {
  CannedTokenEndpoint endpoint(R"({"access_token":"a","refresh_token":"r","expires_in":)" +
                               expires_in + "}");
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
