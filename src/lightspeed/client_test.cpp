// Client behaviour that needs a hostile answer, with an in-memory Transport.
#include "lightspeed/client.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/text.h"

namespace lightspeed {
namespace {

class ScriptedTransport : public Transport {
 public:
  explicit ScriptedTransport(std::vector<std::string> bodies) : bodies_(std::move(bodies)) {}
  HttpResponse Send(const HttpRequest& request) override {
    requests.push_back(request);
    const std::string body =
        requests.size() <= bodies_.size() ? bodies_[requests.size() - 1] : "{}";
    return HttpResponse{Delivery::kAnswered, "", 200, {}, body};
  }
  std::vector<HttpRequest> requests;

 private:
  std::vector<std::string> bodies_;
};

class FixedToken : public TokenSource {
 public:
  base::Result<std::string> AccessToken() override { return std::string("secret-token"); }
  base::Result<std::string> Refreshed(const std::string&) override {
    return std::string("secret-token");
  }
};

// Found by fuzzing (fuzz/regressions/lightspeed_client): a list followed any `next` link, so an
// answer could send the next request, bearer token and all, to another host.
TEST(Client, FollowsNextPagesOnlyIntoItsOwnApiBase) {
  base::ManualClock clock(base::TimePoint(std::chrono::seconds(1795000000)));
  FixedToken tokens;
  auto list = [&](const std::string& next) {
    ScriptedTransport transport(
        {R"({"@attributes":{"next":")" + next + R"("},"Shop":{"shopID":"1"}})",
         R"({"Shop":{"shopID":"2"}})"});
    ClientOptions o;
    o.api_base = "https://api.ls.test";
    o.account_id = "1001";
    o.transport = &transport;
    o.tokens = &tokens;
    o.clock = &clock;
    Client client(o);
    auto shops = base::SyncWait(client.ListShops());
    std::vector<std::string> urls;
    for (const HttpRequest& r : transport.requests) urls.push_back(r.url);
    return std::make_pair(shops.ok() ? shops->size() : 0, urls);
  };
  auto [own, own_urls] = list("https://api.ls.test/API/V3/Account/1001/Shop.json?after=c31");
  EXPECT_EQ(own, 2u);
  ASSERT_EQ(own_urls.size(), 2u);
  for (const char* elsewhere :
       {"https://api.ls.test@evil.test/API/V3/Account/1001/Shop.json", "https://evil.test/",
        "http://api.ls.test/API/V3/Account/1001/Shop.json"}) {
    auto [count, urls] = list(elsewhere);
    EXPECT_EQ(count, 0u) << elsewhere;
    EXPECT_EQ(urls.size(), 1u) << elsewhere << " was requested";
  }
}

// M2: a transport's error text (which may quote what came over the wire) reaches our messages
// as valid UTF-8, cut between characters.
TEST(HostileInput, M2TransportErrorTextIsValidUtf8) {
  class Failing : public Transport {
   public:
    HttpResponse Send(const HttpRequest&) override {
      return HttpResponse{Delivery::kNotSent, std::string(199, 'x') + "\xC3\xA9 \xFF", 0, {}, ""};
    }
  } transport;
  base::ManualClock clock(base::TimePoint(std::chrono::seconds(1795000000)));
  FixedToken tokens;
  ClientOptions o;
  o.api_base = "https://api.ls.test";
  o.account_id = "1001";
  o.transport = &transport;
  o.tokens = &tokens;
  o.clock = &clock;
  std::string seen;
  o.on_call = [&](const CallRecord& rec) { seen = rec.message; };
  Client client(o);
  auto shops = base::SyncWait(client.ListShops());
  ASSERT_FALSE(shops.ok());
  EXPECT_EQ(seen, std::string(199, 'x'));
  EXPECT_TRUE(base::IsValidUtf8(shops.error().message)) << shops.error().message;
}

}  // namespace
}  // namespace lightspeed
