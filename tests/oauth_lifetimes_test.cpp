// Issue 10, items 1 and 3, against lsr-sim over HTTP: the OAuth redirect URI is the registered
// https address (server.public_url), and a quiet store keeps its Lightspeed connection (the
// keep-alive) inside the token endpoint's own limit.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>

#include "base/secrets.h"
#include "base/time_zone.h"
#include "tests/support/service.h"

namespace {

using testing_support::CookiePair;
using testing_support::Field;
using testing_support::json;
using testing_support::Reply;
using testing_support::ServiceOptions;
using testing_support::TestService;

constexpr char kPublic[] = "https://spoke.example.com";
constexpr char kRegistered[] = "https://spoke.example.com/settings/lightspeed/callback";

// spoke at its public https address, registered with Lightspeed, with the site's Connect button.
ServiceOptions BehindItsPublicAddress() {
  ServiceOptions o;
  o.public_url = kPublic;
  o.registered_redirect_uri = kRegistered;
  o.site_connections = true;
  return o;
}

// A clerk signed in to the site manager; `host` is the Host header the browser sends.
class Clerk {
 public:
  Clerk(TestService& svc, std::string host) : http_("127.0.0.1", svc.port()), host_(host) {
    auto hash = base::HashPassword("correct horse battery");
    if (!svc.db().FindUser("clerk@example.com").ok())
      EXPECT_TRUE(hash.ok() && svc.db().AddUser(svc.store_id(), "clerk@example.com", *hash).ok());
    auto form = http_.Get("/login");
    auto r = http_.Post("/login", {{"Cookie", CookiePair(form, "spoke_login")}},
                        httplib::Params{{"csrf", Field(form->body, "csrf")},
                                        {"email", "clerk@example.com"},
                                        {"password", "correct horse battery"}});
    cookie_ = CookiePair(r, "spoke_session");
    EXPECT_FALSE(cookie_.empty());
  }
  httplib::Result Get(const std::string& path) { return http_.Get(path.c_str(), Headers()); }
  // Presses Connect on Settings → Lightspeed; answers spoke's redirect.
  httplib::Result PressConnect() {
    auto page = Get("/settings/lightspeed");
    return http_.Post("/settings/lightspeed/connect", Headers(),
                      httplib::Params{{"csrf", Field(page->body, "csrf")}});
  }

 private:
  httplib::Headers Headers() { return {{"Cookie", cookie_}, {"Host", host_}}; }
  httplib::Client http_;
  std::string host_, cookie_;
};

std::string Param(const std::string& url, const std::string& name) {
  std::smatch m;
  return std::regex_search(url, m, std::regex("[?&]" + name + "=([^&]*)")) ? m[1].str() : "";
}

// Item 1: Lightspeed sends the merchant back only to the app's registered https address. With
// server.public_url set, Connect names it, lsr-sim accepts it, and the code exchange connects.
TEST(OAuthRedirect, ConnectUsesThePublicHttpsAddressLightspeedHasRegistered) {
  TestService svc(BehindItsPublicAddress());
  Clerk clerk(svc, "127.0.0.1:" + std::to_string(svc.port()));
  auto go = clerk.PressConnect();
  ASSERT_EQ(go->status, 303) << go->body;
  const std::string authorize = go->get_header_value("Location");
  ASSERT_EQ(authorize.rfind(svc.simulator().BaseUrl() + "/auth/oauth/authorize?", 0), 0u);

  // The merchant approves on "Lightspeed", which redirects the browser back.
  httplib::Client lightspeed(svc.simulator().BaseUrl());
  auto back = lightspeed.Get(authorize.substr(svc.simulator().BaseUrl().size()).c_str());
  ASSERT_EQ(back->status, 302) << "Lightspeed refused the redirect URI: " << back->body;
  const std::string callback = back->get_header_value("Location");
  ASSERT_EQ(callback.rfind(std::string(kRegistered) + "?", 0), 0u) << callback;

  // spoke.example.com is this server behind its proxy: follow the redirect to it.
  auto done = clerk.Get(callback.substr(std::string(kPublic).size()));
  EXPECT_EQ(done->status, 303);
  Reply status = svc.Get("/api/v1/lightspeed/status");
  EXPECT_EQ(status.body["connected"], true) << status.raw;
  EXPECT_EQ(status.body["account_id"], svc.account().account_id);
  EXPECT_EQ(status.body["oauth_redirect_uri"], kRegistered);
}

// Item 1: without server.public_url, spoke reached at a public name refuses to start a Connect
// Lightspeed would refuse, and says what to set; from loopback (e.g. `spoke demo`) it works.
TEST(OAuthRedirect, WithoutAPublicUrlOnlyALoopbackConnectStarts) {
  ServiceOptions o;
  o.site_connections = true;
  TestService svc(o);
  Clerk remote(svc, "spoke.example.com");
  auto page = remote.Get("/settings/lightspeed");
  EXPECT_NE(page->body.find("id=\"connect-problem\""), std::string::npos);
  EXPECT_NE(page->body.find("server.public_url"), std::string::npos);
  auto refused = remote.PressConnect();
  EXPECT_EQ(refused->get_header_value("Location"), "/settings/lightspeed")
      << "never sent to Lightspeed with an address it refuses";
  EXPECT_NE(remote.Get("/settings/lightspeed")->body.find("Could not start connecting"),
            std::string::npos);
  Reply status = svc.Get("/api/v1/lightspeed/status");
  EXPECT_TRUE(status.body["oauth_redirect_uri"].is_null());
  EXPECT_NE(status.body["oauth_redirect_problem"].get<std::string>().find("server.public_url"),
            std::string::npos);

  Clerk local(svc, "127.0.0.1:" + std::to_string(svc.port()));
  auto go = local.PressConnect();
  const std::string authorize = go->get_header_value("Location");
  httplib::Client lightspeed(svc.simulator().BaseUrl());
  auto back = lightspeed.Get(authorize.substr(svc.simulator().BaseUrl().size()).c_str());
  ASSERT_EQ(back->status, 302) << back->body;
  auto done = local.Get(back->get_header_value("Location")
                            .substr(("http://127.0.0.1:" + std::to_string(svc.port())).size()));
  EXPECT_EQ(svc.Get("/api/v1/lightspeed/status").body["connected"], true);
}

// Waits (polling, no timing asserted) until the status's lapses_at differs from `before`.
Reply WaitForLapseChange(TestService& svc, const json& before) {
  Reply r;
  for (int i = 0; i < 400; ++i) {
    r = svc.Get("/api/v1/lightspeed/status");
    if (r.body["lapses_at"] != before) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "the keep-alive did not refresh: " << r.raw;
  return r;
}

constexpr auto kDay = std::chrono::hours(24);

json Order(const std::string& number) {
  return testing_support::HelmetOrder(number, "ann.lee@example.com", "Cash");
}

// Item 3: a store with no orders for 33 days stays connected: the keep-alive refreshed its
// tokens on day 8, well inside Lightspeed's 30 days, and the status says when it would lapse.
TEST(TokenLifetimes, AQuietStoreStaysConnectedThroughTheKeepAlive) {
  TestService svc;  // keep-alive after 7 days
  svc.Connect();
  svc.StartEngine();
  const json first = svc.Get("/api/v1/lightspeed/status").body["lapses_at"];
  ASSERT_TRUE(first.is_string());
  Clerk clerk(svc, "127.0.0.1");
  // The page shows it in the store's time zone (UTC unless set).
  const auto lapses = base::ParseTime(first.get<std::string>(), "lapses_at");
  ASSERT_TRUE(lapses.ok());
  EXPECT_NE(clerk.Get("/settings/lightspeed")
                ->body.find("would lapse on " + base::FormatInZone(*lapses, "UTC")),
            std::string::npos);
  svc.AdvanceTime(std::chrono::duration_cast<std::chrono::seconds>(8 * kDay));
  Reply kept = WaitForLapseChange(svc, first);
  EXPECT_GT(kept.body["lapses_at"].get<std::string>(), first.get<std::string>());
  EXPECT_EQ(kept.body["connected"], true);

  svc.AdvanceTime(std::chrono::duration_cast<std::chrono::seconds>(25 * kDay));  // day 33
  ASSERT_EQ(svc.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 201);
  ASSERT_EQ(svc.Put("/api/v1/orders/10023", Order("10023")).status, 201);
  ASSERT_EQ(svc.Post("/api/v1/orders/10023/export").status, 202);
  Reply done = svc.WaitForExport("10023");
  EXPECT_EQ(done.body["export"]["state"], "exported") << done.raw;
  EXPECT_EQ(svc.Get("/api/v1/lightspeed/status").body["connected"], true);
}

// Item 3: without the keep-alive the same quiet month loses the connection, and spoke says so
// in plain words instead of failing orders one by one with Lightspeed's error.
TEST(TokenLifetimes, WithoutTheKeepAliveTheConnectionLapsesAndSaysReconnect) {
  ServiceOptions o;
  o.refresh_keepalive = std::chrono::hours(0);
  // The page only reads the lapse date here; with Lightspeed behind it, its pickers would find
  // the dead token first and the export below would be refused before it is tried.
  o.site_connections = false;
  TestService svc(o);
  svc.Connect();
  svc.StartEngine();
  svc.AdvanceTime(std::chrono::duration_cast<std::chrono::seconds>(31 * kDay));
  Reply status = svc.Get("/api/v1/lightspeed/status");
  EXPECT_EQ(status.body["connected"], false) << status.raw;
  EXPECT_EQ(status.body["connection"], "reconnect");
  EXPECT_NE(status.body["message"].get<std::string>().find("Reconnect to Lightspeed"),
            std::string::npos);
  Clerk clerk(svc, "127.0.0.1");
  const std::string page = clerk.Get("/settings/lightspeed")->body;
  EXPECT_NE(page.find("Reconnect to Lightspeed: the connection lapsed on"), std::string::npos)
      << page;
  // Lightspeed agrees: the refresh token is dead.
  ASSERT_EQ(svc.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 201);
  ASSERT_EQ(svc.Put("/api/v1/orders/10023", Order("10023")).status, 201);
  svc.SimControl("PUT", "/tokens", {{"expire_access_tokens", true}});
  ASSERT_EQ(svc.Post("/api/v1/orders/10023/export").status, 202);
  EXPECT_NE(svc.WaitForExport("10023").body["export"]["state"], "exported");
  EXPECT_EQ(svc.SimControl("GET", "/stats")["refreshes"], 1) << "no refresh since connecting";
}

// Item 3: the token endpoint allows five refreshes a minute per account. The sixth gets a 429;
// spoke waits for Retry-After and exports the order instead of stopping it.
TEST(TokenLifetimes, TheSixthRefreshInAMinuteWaitsInsteadOfFailingTheOrder) {
  TestService svc;
  svc.Connect();  // refresh 1
  svc.StartEngine();
  ASSERT_EQ(svc.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 201);
  for (int i = 0; i < 4; ++i) {  // refreshes 2..5: each export finds its access token expired
    const std::string n = "1003" + std::to_string(i);
    ASSERT_EQ(svc.Put("/api/v1/orders/" + n, Order(n)).status, 201);
    svc.SimControl("PUT", "/tokens", {{"expire_access_tokens", true}});
    ASSERT_EQ(svc.Post("/api/v1/orders/" + n + "/export").status, 202);
    ASSERT_EQ(svc.WaitForExport(n).body["export"]["state"], "exported");
  }
  ASSERT_EQ(svc.SimControl("GET", "/stats")["refreshes"], 5);
  ASSERT_EQ(svc.Put("/api/v1/orders/10039", Order("10039")).status, 201);
  svc.SimControl("PUT", "/tokens", {{"expire_access_tokens", true}});
  ASSERT_EQ(svc.Post("/api/v1/orders/10039/export").status, 202);
  Reply waiting;
  for (int i = 0; i < 400; ++i) {
    waiting = svc.Get("/api/v1/orders/10039");
    if (waiting.body["export"]["message"].is_string()) break;  // the attempt is recorded
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(svc.SimControl("GET", "/stats")["rate_limited"], 1);
  EXPECT_EQ(waiting.body["export"]["state"], "queued") << waiting.raw;
  EXPECT_NE(waiting.raw.find("slow down"), std::string::npos) << waiting.raw;
  svc.AdvanceTime(std::chrono::seconds(61));  // Retry-After has passed for both sides
  Reply done = svc.WaitForExport("10039");
  EXPECT_EQ(done.body["export"]["state"], "exported") << done.raw;
  EXPECT_EQ(svc.SimControl("GET", "/stats")["refreshes"], 6);
}

}  // namespace

namespace {

// Presses Connect as a clerk would and approves on "Lightspeed"; answers spoke's last answer.
httplib::Result ConnectThroughTheSite(TestService& svc, Clerk& clerk) {
  auto go = clerk.PressConnect();
  EXPECT_EQ(go->status, 303) << go->body;
  const std::string authorize = go->get_header_value("Location");
  httplib::Client lightspeed(svc.simulator().BaseUrl());
  auto back = lightspeed.Get(authorize.substr(svc.simulator().BaseUrl().size()).c_str());
  EXPECT_EQ(back->status, 302) << back->body;
  return clerk.Get(back->get_header_value("Location").substr(std::string(kPublic).size()));
}

// Issue 14, item 3: a revoked authorization stops every order with one message that blames the
// connection, not the sale; after the merchant connects again they go out by themselves, once.
TEST(Recovery, OrdersStoppedByALostConnectionResumeWhenTheStoreConnectsAgain) {
  TestService svc(BehindItsPublicAddress());
  svc.Connect();
  ASSERT_LT(svc.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 300);
  for (const char* n : {"R1", "R2", "R3"})
    ASSERT_LT(svc.Put(std::string("/api/v1/orders/") + n,
                      testing_support::HelmetOrder(n, std::string(n) + "@example.com"))
                  .status,
              300);
  svc.SimControl("PUT", "/tokens",
                 {{"expire_access_tokens", true}, {"revoke_refresh_tokens", true}});
  svc.StartEngine();
  ASSERT_LT(svc.Post("/api/v1/exports", {{"orders", {"R1", "R2", "R3"}}}).status, 300);
  std::set<std::string> messages;
  for (const char* n : {"R1", "R2", "R3"}) {
    Reply r = svc.WaitForExport(n);
    ASSERT_EQ(r.body["export"]["state"], "needs_attention") << r.raw;
    messages.insert(r.body["export"]["message"].get<std::string>());
  }
  ASSERT_EQ(messages.size(), 1u) << "one cause, one message: " << *messages.begin() << " / "
                                 << *messages.rbegin();
  const std::string message = *messages.begin();
  EXPECT_EQ(message.rfind("Waiting for the Lightspeed connection", 0), 0u) << message;
  EXPECT_EQ(message.find("refused the sale"), std::string::npos) << message;
  EXPECT_EQ(svc.SimControl("GET", "/stats")["requests"].value("POST Sale", 0), 0);

  Clerk clerk(svc, "127.0.0.1:" + std::to_string(svc.port()));
  auto exports = clerk.Get("/exports");
  EXPECT_NE(exports->body.find("Retry all 3 orders"), std::string::npos);
  EXPECT_NE(exports->body.find("aria-label=\"Retry order R2\""), std::string::npos);
  auto done = ConnectThroughTheSite(svc, clerk);
  EXPECT_EQ(done->status, 303);
  auto settings = clerk.Get("/settings/lightspeed");
  EXPECT_NE(settings->body.find("3 orders that were waiting for the connection are being sent"),
            std::string::npos);
  for (const char* n : {"R1", "R2", "R3"})
    EXPECT_EQ(svc.WaitForExport(n).body["export"]["state"], "exported") << n;
  EXPECT_EQ(svc.SimControl("GET", "/stats")["requests"].value("POST Sale", 0), 3);
}

// Issue 15: a refund the lost connection stopped is sent by itself once the store connects again.
TEST(Recovery, ARefundStoppedByALostConnectionIsSentAfterReconnecting) {
  TestService svc(BehindItsPublicAddress());
  svc.Connect();
  ASSERT_LT(svc.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 300);
  ASSERT_EQ(svc.Put("/api/v1/settings/lightspeed", {{"refunds", "send"}}).status, 200);
  ASSERT_LT(
      svc.Put("/api/v1/orders/R9", testing_support::HelmetOrder("R9", "r9@example.com")).status,
      300);
  svc.StartEngine();
  ASSERT_EQ(svc.Post("/api/v1/orders/R9/export").status, 202);
  ASSERT_EQ(svc.WaitForExport("R9").body["export"]["state"], "exported");
  svc.SimControl("PUT", "/tokens",
                 {{"expire_access_tokens", true}, {"revoke_refresh_tokens", true}});
  ASSERT_EQ(svc.Post("/api/v1/orders/R9/refunds",
                     {{"id", "rf_1"}, {"method", "Online Payments (Stripe)"}, {"amount", "5.00"}})
                .status,
            201);
  json stopped = svc.WaitForRefund("R9", "rf_1");
  ASSERT_EQ(stopped["state"], "needs_attention") << stopped.dump();
  EXPECT_EQ(stopped["message"].get<std::string>().rfind("Waiting for the Lightspeed connection", 0),
            0u)
      << stopped.dump();
  Clerk clerk(svc, "127.0.0.1:" + std::to_string(svc.port()));
  EXPECT_EQ(ConnectThroughTheSite(svc, clerk)->status, 303);
  json sent = svc.WaitForRefund("R9", "rf_1");
  EXPECT_EQ(sent["state"], "sent") << sent.dump();
  auto sales = base::SyncWait(svc.Lightspeed()->FindSales("R9-Rrf_1", "web"));
  ASSERT_TRUE(sales.ok());
  EXPECT_EQ(sales->size(), 1u);
}

}  // namespace
