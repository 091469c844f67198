// Alerts end to end (issue 15): a real spoke API and export engine against lsr-sim, an order
// stopped in needs-attention, the checker run by hand on spoke's clock, and what reached a local
// webhook receiver (signature checked here with HMAC-SHA256) and a local SMTP sink.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <thread>

#include "base/secrets.h"
#include "tests/support/service.h"
#include "tests/support/smtp_sink.h"

namespace {

using testing_support::CookiePair;
using testing_support::Field;
using testing_support::json;
using testing_support::Reply;
using testing_support::ServiceOptions;
using testing_support::SmtpSink;
using testing_support::TestService;

// The receiver's side of the signature, written from the README's description.
std::string Hmac(const std::string& secret, const std::string& body) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[2 * sizeof mac + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

// A webhook receiver on loopback: records every POST and answers the statuses it is told to,
// then 200.
class Receiver {
 public:
  struct Hit {
    std::string body, signature, timestamp, delivery;
    int answered = 0;
  };
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      int status = 200;
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.pop_front();
      }
      hits_.push_back({req.body, req.get_header_value("X-Spoke-Signature"),
                       req.get_header_value("X-Spoke-Timestamp"),
                       req.get_header_value("X-Spoke-Delivery"), status});
      res.status = status;
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void AnswerNext(int status) {
    std::lock_guard<std::mutex> lock(mu_);
    statuses_.push_back(status);
  }
  std::vector<Hit> hits() {
    std::lock_guard<std::mutex> lock(mu_);
    return hits_;
  }
  // The hits that were delivered (2xx) for `event`.
  std::vector<Hit> Delivered(const std::string& event) {
    std::vector<Hit> out;
    for (const Hit& h : hits())
      if (h.answered < 300 && json::parse(h.body)["event"] == event) out.push_back(h);
    return out;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::deque<int> statuses_;
  std::vector<Hit> hits_;
};

ServiceOptions Options() {
  ServiceOptions o;
  o.public_url = "https://spoke.example.com";
  o.alerts.first_retry = std::chrono::seconds(30);
  o.alerts.timeout_seconds = 5;
  return o;
}

class Alerts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sodium_init() < 0) FAIL() << "libsodium";
    svc_.Connect();
    ASSERT_LT(svc_.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 300);
    svc_.StartEngine();
  }
  // An order stopped in needs-attention: its payment method is named like Lightspeed's reserved
  // "Adjustment" type (R12), which the merchant fixes by mapping it, then Retry.
  void StopAnOrder(const std::string& number) {
    Reply put = svc_.Put("/api/v1/orders/" + number,
                         testing_support::HelmetOrder(number, "ann@example.com", "Adjustment"));
    ASSERT_LT(put.status, 300) << put.raw;
    ASSERT_EQ(svc_.Post("/api/v1/orders/" + number + "/export").status, 202);
    ASSERT_EQ(svc_.WaitForExport(number).body["export"]["state"], "needs_attention");
  }
  void FixAndRetry(const std::string& number) {
    ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"payment_types", {{"Adjustment", "Cash"}}}})
                  .status,
              200);
    ASSERT_EQ(svc_.Post("/api/v1/orders/" + number + "/export/retry").status, 202);
    ASSERT_EQ(svc_.WaitForExport(number).body["export"]["state"], "exported");
  }
  void Check() {
    auto st = svc_.alerts().CheckOnce();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  std::string Secret() { return svc_.Get("/api/v1/settings/alerts").body["webhook_secret"]; }

  TestService svc_{Options()};
};

TEST_F(Alerts, OffByDefaultNothingIsWatchedOrSent) {
  Receiver receiver;
  Reply s = svc_.Get("/api/v1/settings/alerts");
  ASSERT_EQ(s.status, 200) << s.raw;
  EXPECT_EQ(s.body["webhook_enabled"], false);
  EXPECT_EQ(s.body["email_enabled"], false);
  EXPECT_EQ(s.body["webhook_secret"].get<std::string>().size(), 64u);
  // A URL saved but the webhook left off: still nothing.
  ASSERT_EQ(svc_.Put("/api/v1/settings/alerts",
                     {{"webhook_url", receiver.url()}, {"attention_minutes", 0}})
                .status,
            200);
  StopAnOrder("OFF1");
  svc_.AdvanceTime(std::chrono::hours(2));
  Check();
  Check();
  EXPECT_TRUE(receiver.hits().empty());
  Reply alerts = svc_.Get("/api/v1/alerts");
  EXPECT_TRUE(alerts.body["incidents"].empty()) << alerts.raw;
  EXPECT_TRUE(alerts.body["deliveries"].empty()) << alerts.raw;
}

TEST_F(Alerts, OneSignedOpenedPerIncidentThroughA500AndOneResolvedWhenRetrySucceeds) {
  Receiver receiver;
  Reply put = svc_.Put(
      "/api/v1/settings/alerts",
      {{"webhook_enabled", true}, {"webhook_url", receiver.url()}, {"attention_minutes", 10}});
  ASSERT_EQ(put.status, 200) << put.raw;
  const std::string secret = Secret();
  StopAnOrder("W1");

  Check();  // stopped just now: under the 10 minutes
  EXPECT_TRUE(receiver.hits().empty());
  svc_.AdvanceTime(std::chrono::minutes(10));
  receiver.AnswerNext(500);
  Check();  // opened; the first attempt gets a 500
  ASSERT_EQ(receiver.hits().size(), 1u);
  EXPECT_EQ(receiver.hits()[0].answered, 500);
  Reply failing = svc_.Get("/api/v1/alerts");
  ASSERT_EQ(failing.body["deliveries"].size(), 1u) << failing.raw;
  EXPECT_EQ(failing.body["deliveries"][0]["state"], "pending");
  EXPECT_EQ(failing.body["deliveries"][0]["last_error"], "the receiver answered HTTP 500");

  Check();  // the retry is not due yet, and the incident is not opened again
  EXPECT_EQ(receiver.hits().size(), 1u);
  svc_.AdvanceTime(std::chrono::seconds(40));
  Check();  // retried after the backoff: delivered
  Check();
  svc_.AdvanceTime(std::chrono::minutes(30));
  Check();  // the incident lasts: nothing more
  ASSERT_EQ(receiver.hits().size(), 2u);
  auto opened = receiver.Delivered("opened");
  ASSERT_EQ(opened.size(), 1u) << "one alert per incident, not one per retry";
  EXPECT_EQ(receiver.hits()[0].delivery, receiver.hits()[1].delivery) << "the same notice";

  const Receiver::Hit& hit = opened[0];
  EXPECT_EQ(hit.signature, "sha256=" + Hmac(secret, hit.body));
  EXPECT_NE(hit.signature, "sha256=" + Hmac(secret + "x", hit.body));
  EXPECT_FALSE(hit.timestamp.empty());
  const json body = json::parse(hit.body);
  EXPECT_EQ(body["kind"], "order_attention");
  EXPECT_EQ(body["store"], "bikes");
  EXPECT_EQ(body["subject"], "W1");
  EXPECT_EQ(body["order"], "W1");
  EXPECT_EQ(body["link"], "https://spoke.example.com/orders/W1");
  EXPECT_TRUE(body["resolved_at"].is_null());
  EXPECT_NE(body["message"].get<std::string>().find("Order W1 has needed attention for"),
            std::string::npos)
      << body.dump();

  FixAndRetry("W1");
  Check();
  Check();
  auto resolved = receiver.Delivered("resolved");
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].signature, "sha256=" + Hmac(secret, resolved[0].body));
  EXPECT_FALSE(json::parse(resolved[0].body)["resolved_at"].is_null());
  EXPECT_EQ(receiver.hits().size(), 3u);
  Reply listed = svc_.Get("/api/v1/alerts");
  ASSERT_EQ(listed.body["incidents"].size(), 1u) << listed.raw;
  EXPECT_FALSE(listed.body["incidents"][0]["resolved_at"].is_null());
}

// Issue 15: a refund spoke could not send is one alert at once, and one "resolved" once Retry
// sent it.
TEST_F(Alerts, ARefundThatCouldNotBeSentIsOneAlertAndOneResolved) {
  Receiver receiver;
  ASSERT_EQ(svc_.Put("/api/v1/settings/alerts",
                     {{"webhook_enabled", true}, {"webhook_url", receiver.url()}})
                .status,
            200);
  ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"refunds", "send"}}).status, 200);
  ASSERT_LT(
      svc_.Put("/api/v1/orders/F1", testing_support::HelmetOrder("F1", "ann@example.com", "Cash"))
          .status,
      300);
  ASSERT_EQ(svc_.Post("/api/v1/orders/F1/export").status, 202);
  ASSERT_EQ(svc_.WaitForExport("F1").body["export"]["state"], "exported");
  ASSERT_EQ(svc_.Post("/api/v1/orders/F1/refunds",
                      {{"id", "rf_1"}, {"method", "Store credit"}, {"amount", "5.00"}})
                .status,
            201);
  ASSERT_EQ(svc_.WaitForRefund("F1", "rf_1")["state"], "needs_attention");
  Check();
  Check();
  auto opened = receiver.Delivered("opened");
  ASSERT_EQ(opened.size(), 1u);
  const json body = json::parse(opened[0].body);
  EXPECT_EQ(body["kind"], "refund_attention");
  EXPECT_EQ(body["subject"], "F1-Rrf_1");
  EXPECT_EQ(body["order"], "F1");
  ASSERT_EQ(svc_.Put("/api/v1/settings/lightspeed", {{"payment_types", {{"Store credit", "Cash"}}}})
                .status,
            200);
  ASSERT_EQ(svc_.Post("/api/v1/orders/F1/refunds/rf_1/retry").status, 202);
  ASSERT_EQ(svc_.WaitForRefund("F1", "rf_1")["state"], "sent");
  Check();
  Check();
  EXPECT_EQ(receiver.Delivered("opened").size(), 1u);
  EXPECT_EQ(receiver.Delivered("resolved").size(), 1u);
}

// Issue 13's several nodes on one PostgreSQL: four checkers (each its own connection pool, as
// `spoke serve` and `spoke worker` processes have) running at once send each notice once.
TEST(AlertsAcrossNodes, FourCheckersOnOnePostgresSendEachNoticeOnce) {
  ServiceOptions o = Options();
  o.postgres = true;
  TestService svc(o);
  svc.Connect();
  ASSERT_LT(svc.Put("/api/v1/items/HELMET", testing_support::HelmetItem()).status, 300);
  svc.StartEngine();
  Receiver receiver;
  ASSERT_EQ(svc.Put("/api/v1/settings/alerts", {{"webhook_enabled", true},
                                                {"webhook_url", receiver.url()},
                                                {"attention_minutes", 0}})
                .status,
            200);
  for (const char* n : {"N1", "N2", "N3"}) {
    ASSERT_LT(svc.Put(std::string("/api/v1/orders/") + n,
                      testing_support::HelmetOrder(n, "ann@example.com", "Adjustment"))
                  .status,
              300);
    ASSERT_EQ(svc.Post(std::string("/api/v1/orders/") + n + "/export").status, 202);
    ASSERT_EQ(svc.WaitForExport(n).body["export"]["state"], "needs_attention");
  }
  std::vector<std::unique_ptr<store::Store>> dbs;
  std::vector<std::unique_ptr<alerts::Alerts>> nodes;
  for (int i = 0; i < 4; ++i) {
    auto db = store::Open(svc.db_url());
    ASSERT_TRUE(db.ok()) << db.error().message;
    dbs.push_back(std::move(*db));
    alerts::Options a;
    a.node = "node-" + std::to_string(i);
    nodes.push_back(std::make_unique<alerts::Alerts>(*dbs.back(), base::SystemClock(), a));
  }
  auto run_all = [&] {
    std::vector<std::thread> threads;
    for (auto& n : nodes)
      threads.emplace_back([&n] {
        for (int pass = 0; pass < 3; ++pass) (void)n->CheckOnce();
      });
    for (auto& t : threads) t.join();
  };
  run_all();
  EXPECT_EQ(receiver.Delivered("opened").size(), 3u);
  EXPECT_EQ(receiver.hits().size(), 3u) << "no notice sent twice";
  ASSERT_EQ(
      svc.Put("/api/v1/settings/lightspeed", {{"payment_types", {{"Adjustment", "Cash"}}}}).status,
      200);
  for (const char* n : {"N1", "N2", "N3"}) {
    ASSERT_EQ(svc.Post(std::string("/api/v1/orders/") + n + "/export/retry").status, 202);
    ASSERT_EQ(svc.WaitForExport(n).body["export"]["state"], "exported");
  }
  run_all();
  EXPECT_EQ(receiver.Delivered("resolved").size(), 3u);
  EXPECT_EQ(receiver.hits().size(), 6u);
}

TEST_F(Alerts, TheSameIncidentByEmailReachesTheSinkOnceThenOneResolved) {
  SmtpSink sink;
  Reply put = svc_.Put("/api/v1/settings/alerts", {{"email_enabled", true},
                                                   {"smtp_host", "127.0.0.1"},
                                                   {"smtp_port", sink.port()},
                                                   {"smtp_security", "none"},
                                                   {"smtp_from", "spoke@bikes.example"},
                                                   {"smtp_to", {"ann@bikes.example"}},
                                                   {"attention_minutes", 0}});
  ASSERT_EQ(put.status, 200) << put.raw;
  StopAnOrder("M1");
  Check();
  Check();
  ASSERT_EQ(sink.messages().size(), 1u);
  const auto m = sink.messages()[0];
  EXPECT_EQ(m.from, "spoke@bikes.example");
  EXPECT_EQ(m.to, std::vector<std::string>{"ann@bikes.example"});
  EXPECT_NE(m.data.find("Subject: [spoke] bikes: Order M1 needs attention\r\n"), std::string::npos)
      << m.data;
  for (const char* header :
       {"Date: ", "From: spoke@bikes.example", "To: ann@bikes.example", "Message-ID: <"})
    EXPECT_NE(m.data.find(header), std::string::npos) << header;
  EXPECT_NE(m.data.find("https://spoke.example.com/orders/M1"), std::string::npos);

  FixAndRetry("M1");
  Check();
  Check();
  ASSERT_EQ(sink.messages().size(), 2u);
  EXPECT_NE(sink.messages()[1].data.find("Subject: [spoke] bikes: Resolved: Order M1"),
            std::string::npos)
      << sink.messages()[1].data;
}

TEST_F(Alerts, TheTestButtonSaysWhatHappenedOnEachChannel) {
  Reply none = svc_.Post("/api/v1/settings/alerts/test");
  EXPECT_EQ(none.status, 422);
  EXPECT_EQ(none.body["error"]["field"], "webhook_enabled");

  Receiver receiver;
  SmtpSink sink;
  ASSERT_EQ(svc_.Put("/api/v1/settings/alerts", {{"webhook_enabled", true},
                                                 {"webhook_url", receiver.url()},
                                                 {"email_enabled", true},
                                                 {"smtp_host", "localhost"},
                                                 {"smtp_port", sink.port()},
                                                 {"smtp_security", "none"},
                                                 {"smtp_from", "spoke@bikes.example"},
                                                 {"smtp_to", {"ann@bikes.example"}}})
                .status,
            200);
  Reply sent = svc_.Post("/api/v1/settings/alerts/test");
  ASSERT_EQ(sent.status, 200) << sent.raw;
  ASSERT_EQ(sent.body["results"].size(), 2u);
  EXPECT_EQ(sent.body["results"][0]["channel"], "webhook");
  EXPECT_EQ(sent.body["results"][0]["delivered"], true);
  EXPECT_EQ(sent.body["results"][0]["message"], "delivered (the receiver answered HTTP 200)");
  EXPECT_EQ(sent.body["results"][1]["channel"], "email");
  EXPECT_EQ(sent.body["results"][1]["delivered"], true) << sent.raw;
  ASSERT_EQ(receiver.hits().size(), 1u);
  EXPECT_EQ(json::parse(receiver.hits()[0].body)["event"], "test");
  EXPECT_EQ(receiver.hits()[0].signature, "sha256=" + Hmac(Secret(), receiver.hits()[0].body));
  EXPECT_EQ(sink.messages().size(), 1u);

  // A receiver that answers 503 and a mail server that is gone, in plain words.
  receiver.AnswerNext(503);
  // A port nothing listens on: bound but never listening, so a connection is refused.
  const int closed = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(closed, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(closed, reinterpret_cast<sockaddr*>(&addr), &len);
  ASSERT_EQ(svc_.Put("/api/v1/settings/alerts",
                     {{"smtp_host", "127.0.0.1"}, {"smtp_port", ntohs(addr.sin_port)}})
                .status,
            200);
  Reply failed = svc_.Post("/api/v1/settings/alerts/test");
  ASSERT_EQ(failed.status, 200) << failed.raw;
  EXPECT_EQ(failed.body["results"][0]["delivered"], false);
  EXPECT_EQ(failed.body["results"][0]["message"], "the receiver answered HTTP 503");
  EXPECT_EQ(failed.body["results"][1]["delivered"], false);
  EXPECT_NE(failed.body["results"][1]["message"].get<std::string>().find("connection refused"),
            std::string::npos)
      << failed.raw;
  ::close(closed);
  // A test alert is not an incident.
  EXPECT_TRUE(svc_.Get("/api/v1/alerts").body["incidents"].empty());
}

TEST_F(Alerts, SettingsAreStrictAndThePasswordIsNeverShown) {
  auto refused = [&](const json& body, const std::string& field) {
    Reply r = svc_.Put("/api/v1/settings/alerts", body);
    EXPECT_EQ(r.status, 422) << body.dump() << " → " << r.raw;
    EXPECT_EQ(r.body["error"]["field"], field) << r.raw;
  };
  refused({{"webhook_url", "http://hooks.example.com/x"}}, "webhook_url");
  refused({{"webhook_url", "https://user:pw@hooks.example.com/x"}}, "webhook_url");
  refused({{"webhook_enabled", true}}, "webhook_url");
  refused({{"webhook_enabled", "yes"}}, "webhook_enabled");
  refused({{"colour", "red"}}, "colour");
  refused({{"webhook_secret", "mine"}}, "webhook_secret");
  refused({{"attention_minutes", -1}}, "attention_minutes");
  refused({{"token_lapse_days", 30}}, "token_lapse_days");
  refused({{"smtp_port", 70000}}, "smtp_port");
  refused({{"smtp_host", "smtp.example.com"}, {"smtp_security", "none"}}, "smtp_security");
  refused({{"smtp_security", "ssl"}}, "smtp_security");
  refused({{"smtp_to", {"not an address"}}}, "smtp_to");
  refused({{"smtp_to", json::array({"a@x.example", "b@x.example", "c@x.example", "d@x.example",
                                    "e@x.example", "f@x.example", "g@x.example", "h@x.example",
                                    "i@x.example", "j@x.example", "k@x.example"})}},
          "smtp_to");
  refused({{"email_enabled", true}, {"smtp_host", "smtp.example.com"}}, "smtp_from");
  // A refused PUT stored nothing.
  EXPECT_EQ(svc_.Get("/api/v1/settings/alerts").body["smtp_host"], "");

  Reply ok = svc_.Put("/api/v1/settings/alerts", {{"smtp_host", "smtp.example.com"},
                                                  {"smtp_user", "alerts"},
                                                  {"smtp_password", "s3cret-pass"},
                                                  {"webhook_url", "http://localhost:9/x"}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["smtp_password_set"], true);
  EXPECT_EQ(ok.raw.find("s3cret-pass"), std::string::npos);
  Reply got = svc_.Get("/api/v1/settings/alerts");
  EXPECT_EQ(got.raw.find("s3cret-pass"), std::string::npos);
  EXPECT_EQ(got.body.count("smtp_password"), 0u);
  auto stored = svc_.db().GetAlertSettings(svc_.store_id());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->smtp_password_sealed.find("s3cret-pass"), std::string::npos) << "sealed";

  const std::string before = Secret();
  Reply renewed = svc_.Post("/api/v1/settings/alerts/secret");
  ASSERT_EQ(renewed.status, 200);
  EXPECT_NE(renewed.body["webhook_secret"], before);
  EXPECT_EQ(Secret(), renewed.body["webhook_secret"]);
}

}  // namespace

namespace {

// Settings → Alerts through the site, without a browser: the form, its refusals in plain words,
// the test button and what the page shows of incidents and deliveries.
class AlertsPage : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hash = base::HashPassword("correct horse battery");
    ASSERT_TRUE(hash.ok());
    ASSERT_TRUE(svc_.db().AddUser(svc_.store_id(), "clerk@example.com", *hash).ok());
    auto c = Client();
    auto form = c.Get("/login");
    ASSERT_TRUE(form);
    auto r = c.Post("/login", httplib::Headers{{"Cookie", CookiePair(form, "spoke_login")}},
                    httplib::Params{{"csrf", Field(form->body, "csrf")},
                                    {"email", "clerk@example.com"},
                                    {"password", "correct horse battery"}});
    ASSERT_TRUE(r);
    cookie_ = CookiePair(r, "spoke_session");
  }
  httplib::Client Client() { return httplib::Client("127.0.0.1", svc_.port()); }
  std::string Page() {
    auto c = Client();
    auto r = c.Get("/settings/alerts", httplib::Headers{{"Cookie", cookie_}});
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    return r ? r->body : "";
  }
  // Posts a form with the page's CSRF token; answers the page it leads to.
  std::string Submit(const std::string& path, httplib::Params params) {
    params.emplace("csrf", Field(Page(), "csrf"));
    auto c = Client();
    auto r = c.Post(path, httplib::Headers{{"Cookie", cookie_}}, params);
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 303) << r->body;
    EXPECT_EQ(r->get_header_value("Location"), "/settings/alerts");
    return Page();
  }

  TestService svc_{Options()};
  std::string cookie_;
};

TEST_F(AlertsPage, ShowsOffThenRefusesBadValuesNamingThemAndSaves) {
  std::string page = Page();
  EXPECT_NE(page.find("Alerts are <strong>off</strong>"), std::string::npos);
  EXPECT_NE(page.find("href=\"/settings/alerts\""), std::string::npos) << "in the navigation";
  const std::string secret = svc_.Get("/api/v1/settings/alerts").body["webhook_secret"];
  EXPECT_NE(page.find(secret), std::string::npos) << "the secret is shown to verify signatures";

  page = Submit("/settings/alerts", {{"webhook_enabled", "on"},
                                     {"webhook_url", "http://hooks.example.com/x"},
                                     {"attention_minutes", "30"}});
  EXPECT_NE(page.find("Alert settings were not saved: webhook_url must use https:// (plain "
                      "http:// only to a loopback host)"),
            std::string::npos)
      << page;
  page = Submit("/settings/alerts", {{"attention_minutes", "soon"}});
  EXPECT_NE(page.find("Needs-attention minutes must be a whole number"), std::string::npos);
  page = Submit("/settings/alerts", {{"email_enabled", "on"},
                                     {"smtp_host", "smtp.example.com"},
                                     {"smtp_from", "spoke@example.com"},
                                     {"smtp_to", "ann@example.com, not an address"}});
  EXPECT_NE(page.find("smtp_to must be an e-mail address"), std::string::npos) << page;
  EXPECT_EQ(svc_.Get("/api/v1/settings/alerts").body["email_enabled"], false) << "nothing saved";

  // A form without its CSRF token changes nothing.
  auto c = Client();
  auto forged =
      c.Post("/settings/alerts", httplib::Headers{{"Cookie", cookie_}},
             httplib::Params{{"webhook_enabled", "on"}, {"webhook_url", "https://x.example"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(svc_.Get("/api/v1/settings/alerts").body["webhook_url"], "");

  page = Submit("/settings/alerts", {{"email_enabled", "on"},
                                     {"smtp_host", "smtp.example.com"},
                                     {"smtp_port", "587"},
                                     {"smtp_security", "starttls"},
                                     {"smtp_user", "alerts"},
                                     {"smtp_password", "pa55word"},
                                     {"smtp_from", "spoke@example.com"},
                                     {"smtp_to", "ann@example.com\nbob@example.com"}});
  EXPECT_NE(page.find("Alert settings saved."), std::string::npos) << page;
  EXPECT_NE(page.find("Alerts are <strong>on</strong>: e-mail."), std::string::npos);
  EXPECT_EQ(page.find("pa55word"), std::string::npos) << "the password is never shown";
  EXPECT_NE(page.find("Password (saved; leave empty to keep it)"), std::string::npos);
  Reply api = svc_.Get("/api/v1/settings/alerts");
  EXPECT_EQ(api.body["smtp_to"], json::array({"ann@example.com", "bob@example.com"}));
  EXPECT_EQ(api.body["smtp_password_set"], true);
}

TEST_F(AlertsPage, TheTestButtonAndAFailingDeliveryAreShownInPlainWords) {
  Receiver receiver;
  std::string page = Submit("/settings/alerts", {{"webhook_enabled", "on"},
                                                 {"webhook_url", receiver.url()},
                                                 {"attention_minutes", "0"},
                                                 {"queue_minutes", "60"},
                                                 {"token_lapse_days", "7"}});
  ASSERT_NE(page.find("Alert settings saved."), std::string::npos) << page;
  receiver.AnswerNext(502);
  page = Submit("/settings/alerts/test", {});
  EXPECT_NE(page.find("Webhook test alert: not delivered — the receiver answered HTTP 502."),
            std::string::npos)
      << page;
  page = Submit("/settings/alerts/test", {});
  EXPECT_NE(page.find("Webhook test alert: delivered (the receiver answered HTTP 200)."),
            std::string::npos);

  // An incident whose delivery fails: the page says why and when it tries again.
  svc_.Connect();
  ASSERT_TRUE(svc_.db().MarkLightspeedReconnect(svc_.store_id(), "the token was revoked").ok());
  receiver.AnswerNext(500);
  ASSERT_TRUE(svc_.alerts().CheckOnce().ok());
  page = Page();
  EXPECT_NE(page.find("Lightspeed must be connected again before any order can be exported: the "
                      "token was revoked"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("<strong>open</strong>"), std::string::npos);
  EXPECT_NE(page.find("Failing: the receiver answered HTTP 500 — trying again"), std::string::npos)
      << page;
  // Still failing an hour on: given up, and the page says so.
  for (int i = 0; i < 8; ++i) {
    receiver.AnswerNext(500);
    svc_.AdvanceTime(std::chrono::minutes(10));
    ASSERT_TRUE(svc_.alerts().CheckOnce().ok());
  }
  page = Page();
  EXPECT_NE(page.find("<strong>Not delivered</strong>: gave up after"), std::string::npos) << page;
}

}  // namespace
